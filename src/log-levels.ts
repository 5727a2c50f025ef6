import type { LoggingLevel } from '@modelcontextprotocol/server';

/**
 * The eight MCP log levels, least severe first (RFC 5424 order): a level filter passes a message
 * at or above the chosen one. Shared by the server's notifier and the client's `--log-level`.
 */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const satisfies readonly LoggingLevel[];
export type LogLevel = (typeof LOG_LEVELS)[number];
