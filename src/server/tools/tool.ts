import type { z } from 'zod';

import type { LogLevel } from '../../log-levels.js';

export { LOG_LEVELS } from '../../log-levels.js';
export type { LogLevel };

/**
 * What a tool may say while it works. The implementation (mcp/notifier.ts) knows each protocol
 * era's rules: progress needs a progressToken, the level filter comes from the session or the
 * request's `_meta`, nothing leaves after cancellation. Tools just call it.
 */
export interface Notifier {
  progress(done: number, total: number, message?: string): Promise<void>;
  log(level: LogLevel, data: unknown): Promise<void>;
}

export interface ToolContext {
  /** Fires when the client cancels or drops the stream; stop within one item. */
  signal: AbortSignal;
  notify: Notifier;
}

/** A tool error the client should see as `isError: true` with this message (not a protocol error). */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}

/**
 * A tool as Beacon registers it: plain data plus one function. It knows nothing of HTTP,
 * sessions or protocol eras.
 */
export interface ToolDefinition<In extends z.ZodType, Out extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: In;
  outputSchema: Out;
  run(input: z.infer<In>, ctx: ToolContext): Promise<{ text: string; structured: z.infer<Out> }>;
}
