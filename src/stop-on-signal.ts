/**
 * Resolves once SIGTERM or SIGINT has arrived and `closeable` has finished closing: the way every
 * long-running Beacon role (server, auth server) drains before the process exits 0.
 */
export function closeOnSignal(closeable: { close(): Promise<void> }): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void closeable.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
