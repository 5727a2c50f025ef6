/**
 * Per-message cost of the MCP TypeScript SDK's zod validation of JSON-RPC traffic, next to a hand-written
 * structural check. For four typical 2025-11-25 messages it prints µs and heap bytes per call for:
 *   union   JSONRPCMessageSchema.parse, which the HTTP transports run on every inbound message
 *   member  the matching member of that union alone (union - member = the failed branches)
 *   method  the method-level schema (request/result validation; the client's notification parse)
 *   guards  the isJSONRPC*() guard sequence the server side runs on that message
 *   hand    a hand-written check of the jsonrpc/id/method/params shape
 * Run: node --import tsx bench/repro/zod-message-validation.ts
 * Bytes come from v8.GCProfiler: heap growth over the loop plus what each GC inside it freed, an exact
 * count of what the loop allocated (the sampling heap profiler agrees, with more noise).
 */
import v8 from 'node:v8';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  JSONRPCMessageSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResultResponseSchema,
  LoggingMessageNotificationSchema,
  ProgressNotificationSchema,
} from '@modelcontextprotocol/core';
import {
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/server';

const N = 20_000;
const WARMUP = 5_000;

const callParams = { name: 'process_items', arguments: { count: 50 }, _meta: { progressToken: 7 } };
const toolsCall = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: callParams };
const progressParams = { progressToken: 7, progress: 12, total: 50, message: 'item 12 of 50' };
const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: progressParams };
const logParams = { level: 'info', logger: 'items', data: { item: 12, status: 'done' } };
const logMessage = { jsonrpc: '2.0', method: 'notifications/message', params: logParams };
const toolResult = { content: [{ type: 'text', text: 'processed 50 items' }], structuredContent: { n: 50 } };
const callResult = { jsonrpc: '2.0', id: 7, result: toolResult };

type Guard = (value: unknown) => boolean;
// The guards WebStandardStreamableHTTPServerTransport (handlePostRequest, send) and Protocol.connect's
// onmessage call per message in SSE mode: an inbound request passes 4 of 8, an outbound notification
// fails all 4 (send() tests response-ness twice), an outbound result passes 2.
const REQUEST: Guard[] = [isInitializeRequest, isJSONRPCRequest, isInitializeRequest, isJSONRPCRequest];
REQUEST.push(isJSONRPCRequest, isJSONRPCResultResponse, isJSONRPCErrorResponse, isJSONRPCRequest);
const NOTIFY: Guard[] = [isJSONRPCResultResponse, isJSONRPCErrorResponse];
NOTIFY.push(...NOTIFY);
const RESULT: Guard[] = [isJSONRPCResultResponse, isJSONRPCResultResponse];

function runGuards(guards: Guard[], m: unknown): number {
  let passed = 0;
  for (const guard of guards) if (guard(m)) passed++;
  return passed;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown) => typeof v === 'string' || Number.isInteger(v);

/** The minimum a transport needs to route a message: envelope fields and the shape it dispatches on. */
function handCheck(m: unknown): boolean {
  if (!isObject(m) || m.jsonrpc !== '2.0') return false;
  if (typeof m.method === 'string')
    return (m.id === undefined || isId(m.id)) && (m.params === undefined || isObject(m.params));
  if (!isId(m.id)) return false;
  return isObject(m.result)
    ? m.result.content === undefined || Array.isArray(m.result.content)
    : isObject(m.error);
}

type Schema = { parse(value: unknown): unknown; safeParse(value: unknown): unknown };
// name, message, matching union member, method-level schema and the value it is applied to, guards.
const kinds: [string, unknown, Schema, Schema, unknown, Guard[]][] = [
  ['tools/call request', toolsCall, JSONRPCRequestSchema, CallToolRequestSchema, toolsCall, REQUEST],
  [
    'notifications/progress',
    progress,
    JSONRPCNotificationSchema,
    ProgressNotificationSchema,
    progress,
    NOTIFY,
  ],
  [
    'notifications/message',
    logMessage,
    JSONRPCNotificationSchema,
    LoggingMessageNotificationSchema,
    logMessage,
    NOTIFY,
  ],
  [
    'CallToolResult response',
    callResult,
    JSONRPCResultResponseSchema,
    CallToolResultSchema,
    toolResult,
    RESULT,
  ],
];

// Written on every call so the optimizer cannot drop the work being measured.
let sink: unknown;

function loop(run: (m: unknown) => unknown, message: unknown, n: number): void {
  for (let i = 0; i < n; i++) sink = run(message);
}

function measure(run: (m: unknown) => unknown, message: unknown): { us: number; bytes: number } {
  loop(run, message, WARMUP);
  const t0 = process.hrtime.bigint();
  loop(run, message, N);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / N;

  // A separate pass, so heap statistics reads stay out of the timed loop.
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  loop(run, message, N);
  const after = v8.getHeapStatistics().used_heap_size;
  let freed = 0;
  for (const { beforeGC, afterGC } of profiler.stop().statistics)
    freed += beforeGC.heapStatistics.usedHeapSize - afterGC.heapStatistics.usedHeapSize;
  return { us, bytes: (after - before + freed) / N };
}

const rows: string[][] = [['message', 'check', 'µs/op', 'B/op']];
for (const [name, message, member, method, methodInput, guards] of kinds) {
  const checks: [string, (m: unknown) => unknown][] = [
    ['union', (m) => JSONRPCMessageSchema.parse(m)],
    ['member', (m) => member.parse(m)],
    ['method', () => method.safeParse(methodInput)],
    [`guards x${guards.length}`, (m) => runGuards(guards, m)],
    ['hand', handCheck],
  ];
  for (const [label, run] of checks) {
    const { us, bytes } = measure(run, message);
    rows.push([name, label, us.toFixed(3), bytes.toFixed(0)]);
  }
}
void sink;

const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
for (const r of rows)
  console.log(
    r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
  );
console.log(`N=${N} per row after ${WARMUP} warm-up calls, node ${process.version}`);
