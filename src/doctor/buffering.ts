/**
 * The verdict on proxy buffering, from when progress notifications arrived versus how far apart
 * the server emitted them. A buffering proxy holds the SSE response and releases it in one piece,
 * so arrivals collapse to a few milliseconds however long the tool ran.
 */
export interface BufferingVerdict {
  live: boolean | undefined;
  detail: string;
}

/** Arrivals spanning less than this share of the emit span count as batched. */
const LIVE_SHARE = 0.5;

export function judgeBuffering(emitSpacingMs: number, arrivals: readonly number[]): BufferingVerdict {
  if (arrivals.length < 3) {
    return {
      live: undefined,
      detail: `only ${arrivals.length} progress notifications arrived, too few to judge`,
    };
  }
  const span = Math.round((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0));
  const emitted = emitSpacingMs * (arrivals.length - 1);
  return span >= emitted * LIVE_SHARE
    ? {
        live: true,
        detail: `${arrivals.length} notifications arrived over ${span} ms (emitted every ${emitSpacingMs} ms): live`,
      }
    : {
        live: false,
        detail: `${arrivals.length} notifications emitted ${emitSpacingMs} ms apart arrived within ${span} ms: something between client and server buffers the response`,
      };
}
