/**
 * Bench peer: the same tools on the `fastmcp` framework over its `httpStream` transport, with its
 * defaults (sessionful 2025-era Streamable HTTP; it does not speak 2026-07-28).
 *
 * Idiomatic fastmcp: progress through `ctx.reportProgress` (on the call's own stream) and log
 * messages through `ctx.log.*`, which fastmcp sends with the session's `sendLoggingMessage`, that
 * is on the session's standalone GET stream rather than the call's stream. The harness opens that
 * GET stream for 2025-era throughput runs so every notification is counted wherever it travels.
 * `ctx.log` ignores `logging/setLevel` (it sends without the session id the SDK keys levels by),
 * so this peer drops `debug` itself: the bench always asks for `info`, and the contract sends
 * debug details only when asked.
 */
import { FastMCP } from 'fastmcp';
import type { LogLevel } from '../../src/server/tools/tool.js';
import { benchTools, peerPort } from './tools.js';

const server = new FastMCP({
  name: 'fastmcp-peer',
  version: '1.0.0',
  health: { enabled: true, path: '/readyz' },
});

type FastLog = 'debug' | 'info' | 'warn' | 'error';
const FAST_LEVEL: Record<LogLevel, FastLog> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
};

for (const tool of benchTools()) {
  server.addTool({
    name: tool.name,
    description: tool.description,
    parameters: tool.inputSchema,
    execute: async (input, ctx) => {
      const { text, structured } = await tool.run(input, {
        signal: ctx.signal,
        notify: {
          progress: (progress, total, message) => ctx.reportProgress({ progress, total, message }),
          log: async (level, data) => {
            if (level === 'debug') return;
            ctx.log[FAST_LEVEL[level]](
              typeof data === 'string' ? data : '',
              typeof data === 'string' ? undefined : (data as never),
            );
          },
        },
      });
      return { content: [{ type: 'text', text }], structuredContent: structured };
    },
  });
}

await server.start({
  transportType: 'httpStream',
  httpStream: { port: peerPort(), host: '127.0.0.1', endpoint: '/mcp' },
});
process.on('SIGTERM', () => process.exit(0));
