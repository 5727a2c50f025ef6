/** Whether a handler's result is a promise (or promise-like) to wait on, as express 5 checks. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
