import { LOG_LEVEL_META_KEY, McpServer } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { Config } from '../../config.js';
import { VERSION } from '../../version.js';
import type { InflightCalls } from '../inflight.js';
import type { Logger } from '../observability/logger.js';
import { type Era, toolCallDuration, toolCalls } from '../observability/metrics.js';
import { traceContextOf } from '../observability/trace-context.js';
import type { CallLeases } from '../shared/shared-state.js';
import { LOG_LEVELS, type LogLevel, type ToolDefinition, ToolInputError } from '../tools/tool.js';
import { eitherSignal } from './either-signal.js';
import { createNotifier } from './notifier.js';
import { createProgressBarrier, type ProgressBarrier } from './progress-barrier.js';

export type AnyTool = ToolDefinition<z.ZodType, z.ZodObject>;

export interface McpServerDeps {
  config: Pick<Config, 'logNotifyRate'>;
  logger: Logger;
  tools: readonly AnyTool[];
  inflight: InflightCalls;
  /** Aborted when a shutdown's grace period is over: running calls end with an error result. */
  shutdownSignal: AbortSignal;
  /** Which replica runs which 2025-era call, so another can answer for it if this one dies. */
  leases: CallLeases;
  /** Test-only hook (conformance fixtures); production never passes it. */
  registerExtras?: (server: McpServer) => void;
}

/** What a legacy session remembers between requests. */
export interface LegacySessionState {
  /** Set by `logging/setLevel`; until then every level is sent. */
  logLevel: LogLevel | undefined;
  /** Makes a level set here apply on every replica serving the session. */
  shareLevel?: (level: LogLevel) => Promise<void>;
}

export interface ServerScope {
  era: Era;
  /** Present for a sessionful 2025-era connection; absent for a 2026-07-28 request. */
  session?: LegacySessionState;
}

const INSTRUCTIONS =
  'Beacon works through lists of items or documents and reports each one as it goes: ' +
  'progress notifications, and log messages at the level you ask for.';

/** Builds one McpServer: per request in the 2026-07-28 era, per session in the 2025 era. */
export function createMcpServer(deps: McpServerDeps, scope: ServerScope): McpServer {
  const server = new McpServer(
    { name: 'beacon', title: 'Beacon', version: VERSION },
    {
      // listChanged stays false: the tool list never changes at run time, so the notification never comes.
      capabilities: { tools: { listChanged: false }, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );
  // One McpServer per HTTP+SSE stream, so the barrier remembers that stream's client.
  const barrier = scope.era === '2024-11-05' ? createProgressBarrier() : undefined;
  for (const tool of deps.tools) registerTool(server, tool, deps, scope, barrier);
  const session = scope.session;
  if (session) {
    // The notifier applies the level, so the session keeps it where the notifier can read it.
    server.server.setRequestHandler('logging/setLevel', async (request) => {
      session.logLevel = request.params.level;
      await session.shareLevel?.(request.params.level);
      return {};
    });
  }
  deps.registerExtras?.(server);
  return server;
}

/** 2026-07-28: the level travels in each request's `_meta`; no level means no log messages. */
function requestedLevel(envelope: object | undefined): LogLevel | null {
  const level = (envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY];
  return LOG_LEVELS.find((known) => known === level) ?? null;
}

function itemCount(input: unknown): number | undefined {
  const { items, paths } = (input ?? {}) as { items?: unknown; paths?: unknown };
  if (Array.isArray(items)) return items.length;
  if (Array.isArray(paths)) return paths.length;
  return undefined;
}

function registerTool(
  server: McpServer,
  tool: AnyTool,
  deps: McpServerDeps,
  scope: ServerScope,
  barrier: ProgressBarrier | undefined,
): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (input, ctx) => {
      const { signal, dispose } = eitherSignal(ctx.mcpReq.signal, deps.shutdownSignal);
      const notify = createNotifier({
        era: scope.era,
        signal,
        progressToken: ctx.mcpReq._meta?.progressToken,
        threshold: () =>
          scope.session ? (scope.session.logLevel ?? 'debug') : requestedLevel(ctx.mcpReq.envelope),
        send: (notification) => ctx.mcpReq.notify(notification),
        logRatePerSecond: deps.config.logNotifyRate,
      });
      // Fields on the line itself rather than a child logger: one line per call does not repay a child.
      const fields = {
        tool: tool.name,
        era: scope.era,
        ...traceContextOf(ctx.http?.req?.headers.get('traceparent'), ctx.mcpReq._meta),
        items: itemCount(input),
      };
      const end = deps.inflight.begin();
      // Held by the call too: the POST that opened its stream may close (the client resumes
      // elsewhere) while the call runs on here.
      const lease =
        scope.session && ctx.sessionId ? deps.leases.hold(ctx.sessionId, ctx.mcpReq.id) : undefined;
      const timer = toolCallDuration.startTimer({ tool: tool.name });
      let outcome: 'ok' | 'error' | 'cancelled' = 'ok';
      deps.logger.debug(fields, 'tool call started');
      try {
        const { text, structured } = await tool.run(input, { signal, notify });
        if (barrier && notify.progressSent) {
          // 2024-11-05: the result waits until the client has handled the last progress.
          await barrier((options) => ctx.mcpReq.send({ method: 'ping' }, options), signal);
        }
        if (signal.aborted) outcome = 'cancelled';
        return { content: [{ type: 'text', text }], structuredContent: structured };
      } catch (error) {
        if (ctx.mcpReq.signal.aborted) {
          outcome = 'cancelled';
          throw error;
        }
        outcome = 'error';
        if (deps.shutdownSignal.aborted) {
          // A definite answer beats a stream that just ends: the client can retry elsewhere.
          return {
            isError: true,
            content: [{ type: 'text', text: `${tool.name} stopped: the server is shutting down` }],
          };
        }
        if (error instanceof ToolInputError) {
          return { isError: true, content: [{ type: 'text', text: error.message }] };
        }
        deps.logger.error({ ...fields, err: error }, 'tool failed unexpectedly');
        return { isError: true, content: [{ type: 'text', text: `${tool.name} failed: internal error` }] };
      } finally {
        lease?.release();
        dispose();
        const seconds = timer();
        toolCalls.inc({ tool: tool.name, outcome });
        // The SDK writes the result after this returns; a shutdown must not close the stream first.
        setImmediate(end);
        // The one info line per call: everything the start line had, plus how it went.
        deps.logger.info(
          {
            ...fields,
            items_reported: notify.reported,
            outcome,
            duration_ms: Math.round(seconds * 1000),
            notifications: notify.sent,
          },
          'tool call ended',
        );
      }
    },
  );
}
