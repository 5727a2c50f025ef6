import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from '../../config.js';
import { CENSOR, redactSecrets, SECRET_KEYS } from './redact.js';

export type { Logger };

/**
 * Redaction, before pino-pretty too, so a credential never reaches a log line at any level: each
 * line's object is walked at any depth (`formatters.log`); a child logger's bindings, which pino
 * serialises apart from the line, are blanked by key at their top level (`redact`). Top-level
 * paths cost nothing measurable; pino's wildcard paths cost more than the line itself.
 */
export const REDACTION = {
  formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) },
  // An error is serialised after the walk; its own enumerable fields (a `token` on it) are blanked too.
  serializers: {
    err: (value: unknown) =>
      value instanceof Error ? redactSecrets({ ...pino.stdSerializers.err(value) }) : value,
  },
  redact: {
    paths: [...SECRET_KEYS].map((key) => (/^[a-z_]+$/.test(key) ? key : `[${JSON.stringify(key)}]`)),
    censor: CENSOR,
  },
};

/**
 * JSON lines on stdout, or pino-pretty for a human in development (LOG_FORMAT=pretty). Redaction
 * runs before either. Every line names the replica (REPLICA_ID, default the hostname), so the lines
 * of several replicas can be told apart once collected. `destination` lets a test capture JSON
 * lines in memory.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat' | 'replicaId'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'beacon', replica: config.replicaId },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...REDACTION,
  };
  if (config.logFormat === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return destination ? pino(options, destination) : pino(options);
}
