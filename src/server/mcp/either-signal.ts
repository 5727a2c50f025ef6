/**
 * A signal that aborts when either input does, with the reason of the one that fired first.
 *
 * `AbortSignal.any` would do, but it keeps its result alive through weak references and a
 * finalisation registry, which shows up as GC time on a path taken once per tool call. Here the
 * caller says when it is done instead: `dispose` unhooks the long-lived input (the process's
 * shutdown signal), so a finished call leaves no listener behind on it.
 */
export function eitherSignal(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  if (a.aborted) return { signal: a, dispose: () => undefined };
  if (b.aborted) return { signal: b, dispose: () => undefined };
  const controller = new AbortController();
  const onA = () => controller.abort(a.reason);
  const onB = () => controller.abort(b.reason);
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}
