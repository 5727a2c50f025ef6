/** A bad command line. The message names the flag; the CLI exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
