import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from '../../config.js';

export type { Logger };

/** Header and field names that carry credentials, in the spellings code tends to log them. */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'proxy-authorization',
  'x-api-key',
  'X-API-Key',
  'cookie',
  'Cookie',
  'set-cookie',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'password',
  'secret',
  'apiKey',
  'api_key',
];

const pathTo = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

/**
 * Paths pino blanks before a line is written: each secret key at the top of a log object and up
 * to three objects deep (`{ req: { headers: { authorization } } }`), so a credential never reaches
 * a log line at any level, whatever object a caller hands the logger.
 */
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const tail = pathTo(key);
  return [tail.startsWith('.') ? tail.slice(1) : tail, `*${tail}`, `*.*${tail}`, `*.*.*${tail}`];
});

/**
 * JSON lines on stdout, or pino-pretty for a human in development (LOG_FORMAT=pretty). Redaction
 * runs before either. `destination` lets a test capture JSON lines in memory.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'beacon' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (config.logFormat === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return destination ? pino(options, destination) : pino(options);
}
