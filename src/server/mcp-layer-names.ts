/**
 * The names of `/mcp`'s layers in app.ts, in order (the endpoint is not among them). They name
 * layers for the bench, which leaves some out to measure what each costs a call.
 */
export const MCP_LAYER_NAMES = [
  'security-headers',
  'request-log',
  'http-metrics',
  'origin-form',
  'query-credentials',
  'host-origin',
  'cors',
  'drain',
  'authenticate',
  'rate-limit',
  'json-body',
  'authorize',
  'trace-log',
  'call-admission',
  'stream-admission',
] as const;

export type McpLayerName = (typeof MCP_LAYER_NAMES)[number];
