/**
 * Bench peer: the physical limit. Plain node:http answering tools/call by running the same tool
 * and writing each notification as one SSE event, with nothing between the tool and the socket:
 * no MCP SDK, no sessions, no validation beyond the tool's own input schema. `initialize` and
 * notifications get minimal answers so the 2025-era client shape can be timed against it too.
 */
import { once } from 'node:events';
import http from 'node:http';
import { LOG_LEVELS, type LogLevel } from '../../src/log-levels.js';
import { benchTools, peerPort } from './tools.js';

const tools = new Map(benchTools().map((tool) => [tool.name, tool]));
// The bench asks for `info`: every level from there up is shown.
const SHOWN: ReadonlySet<LogLevel> = new Set(LOG_LEVELS.slice(LOG_LEVELS.indexOf('info')));

interface Call {
  id: number | string;
  method: string;
  params?: { name?: string; arguments?: unknown; _meta?: { progressToken?: string | number } };
}

async function event(res: http.ServerResponse, message: object): Promise<void> {
  if (!res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`)) await once(res, 'drain');
}

async function toolCall(call: Call, res: http.ServerResponse): Promise<void> {
  const tool = tools.get(call.params?.name ?? '');
  if (!tool) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return void res.end(
      JSON.stringify({ jsonrpc: '2.0', id: call.id, error: { code: -32602, message: 'no tool' } }),
    );
  }
  const token = call.params?._meta?.progressToken;
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const { text, structured } = await tool.run(tool.inputSchema.parse(call.params?.arguments), {
    signal: abort.signal,
    notify: {
      progress: (progress, total, message) =>
        token === undefined
          ? Promise.resolve()
          : event(res, {
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { progressToken: token, progress, total, message },
            }),
      log: (level, data) =>
        SHOWN.has(level)
          ? event(res, { jsonrpc: '2.0', method: 'notifications/message', params: { level, data } })
          : Promise.resolve(),
    },
  });
  await event(res, {
    jsonrpc: '2.0',
    id: call.id,
    result: { content: [{ type: 'text', text }], structuredContent: structured },
  });
  res.end();
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.url === '/readyz') return void res.writeHead(200).end('ok');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call;
  if (call.id === undefined) return void res.writeHead(202).end();
  if (call.method === 'tools/call') return toolCall(call, res);
  const result =
    call.method === 'initialize'
      ? {
          protocolVersion: '2025-11-25',
          capabilities: { tools: {}, logging: {} },
          serverInfo: { name: 'raw', version: '1' },
        }
      : {};
  res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'raw' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result }));
}

http
  .createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400);
      res.end();
    });
  })
  .listen(peerPort(), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
