import { type Logger, pino } from 'pino';
import type { Config } from '../../config.js';

export type { Logger };

/**
 * Paths pino blanks before a line is written. Credentials travel in these headers and fields;
 * none of them may reach a log line, at any level.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.password',
  '*.apiKey',
  '*.api_key',
  'token',
  'apiKey',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'beacon' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    transport:
      config.logFormat === 'pretty' ? { target: 'pino-pretty', options: { colorize: true } } : undefined,
  });
}
