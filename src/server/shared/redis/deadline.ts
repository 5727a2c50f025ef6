/**
 * Settles as `work` does, or rejects with `onTimeout()` once `ms` have passed, whichever comes
 * first. The client's own per-command timeout stops counting once a command is written, so a
 * Redis that accepted the command and then stalls would hold the caller forever without this.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
