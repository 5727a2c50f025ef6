import { PassThrough } from 'node:stream';

/** A stdout and a stderr that keep what is written to them, for code that takes its streams. */
export function capturedStreams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { stdout, stderr, out: () => out, err: () => err };
}
