import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stack } from '../../scripts/stack/stack.js';

/** One parsed `request completed` line of a replica (see request-log.ts for its fields). */
export type RequestLine = Record<string, unknown> & { req?: { method?: string }; session?: string };

/**
 * The request lines of every process replica `index` of the stack has run so far: its log file
 * keeps them all across restarts, where `stack.servers[index].lines` holds the current process's.
 */
export async function requestLines(stack: Stack, index: number): Promise<RequestLine[]> {
  const text = await readFile(join(stack.dir, `server-${index + 1}.log`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"request completed"'))
    .map((line) => JSON.parse(line) as RequestLine);
}

/** The indexes of the replicas that logged a request matching `match`. */
export async function replicasServing(
  stack: Stack,
  match: (line: RequestLine) => boolean,
): Promise<number[]> {
  const serving: number[] = [];
  for (let i = 0; i < stack.servers.length; i++) {
    if ((await requestLines(stack, i)).some(match)) serving.push(i);
  }
  return serving;
}

export const isPost = (line: RequestLine) => line.req?.method === 'POST';
