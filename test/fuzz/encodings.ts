import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { modernMessage, post, postHeaders, utf8 } from './fuzz-case.js';

/** A gzip of 8 MiB of zeros, about 8 KiB on the wire: it must hit the body limit, not the heap. */
let bomb: Uint8Array | undefined;
const gzipBomb = () => {
  bomb ??= gzipSync(Buffer.alloc(8 << 20));
  return bomb;
};
const CODECS: Record<string, (b: Uint8Array) => Uint8Array> = {
  gzip: (b) => gzipSync(b),
  'x-gzip': (b) => gzipSync(b),
  deflate: (b) => deflateSync(b),
  br: (b) => brotliCompressSync(b),
};

/**
 * Bodies in every Content-Encoding and charset, valid, cut short, doubled, garbage, or a gzip bomb.
 */
export const badEncoding = fc
  .record({
    encoding: fc.constantFrom(
      'gzip',
      'deflate',
      'br',
      'x-gzip',
      'GZIP',
      'identity',
      'gzip, gzip',
      'deflate, br',
      'compress',
      'zstd',
      '',
    ),
    payload: fc.constantFrom(
      'valid',
      'truncated',
      'garbage',
      'plain',
      'double',
      'bomb',
      'empty',
      'invalid-utf8',
      'bom',
      'utf16',
    ),
    m: modernMessage,
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    garbage: fc.uint8Array({ maxLength: 256 }),
    charset: fc.constantFrom(undefined, 'utf-8', 'utf-16', 'latin1', 'bogus'),
  })
  .map(({ encoding, payload, m, cut, garbage, charset }) => {
    const codecs = encoding
      .toLowerCase()
      .split(',')
      .map((c) => c.trim());
    const compress = (b: Uint8Array) => codecs.reduceRight((acc, c) => (CODECS[c] ? CODECS[c](acc) : acc), b);
    const json = utf8(m.text);
    const bodies: Record<string, () => Uint8Array> = {
      valid: () => compress(json),
      truncated: () => {
        const whole = compress(json);
        return whole.subarray(0, Math.floor(whole.length * cut));
      },
      garbage: () => garbage,
      plain: () => json,
      double: () => compress(compress(json)),
      bomb: gzipBomb,
      empty: () => new Uint8Array(0),
      'invalid-utf8': () =>
        compress(
          Buffer.concat([
            utf8(m.text.slice(0, -2)),
            Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80]),
            utf8('"}'),
          ]),
        ),
      bom: () => compress(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json])),
      utf16: () => compress(Buffer.from(m.text, 'utf16le')),
    };
    const headers = postHeaders(m, true).map(([k, v]): [string, string] =>
      k === 'Content-Type' && charset ? [k, `application/json; charset=${charset}`] : [k, v],
    );
    headers.push(['Content-Encoding', encoding]);
    return post('/mcp', headers, (bodies[payload] ?? (() => json))());
  });
