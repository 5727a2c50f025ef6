/**
 * The `command` label values of `beacon_redis_command_duration_seconds`: a fixed set, so a
 * caller's typo or a new command can never grow the metric's cardinality. Anything else is
 * `other`; add a name here when a module starts to send it often.
 */
export const REDIS_COMMAND_LABELS = [
  'ping',
  'get',
  'set',
  'del',
  'exists',
  'expire',
  'pexpire',
  'incr',
  'decr',
  'hget',
  'hset',
  'hgetall',
  'hdel',
  'sadd',
  'srem',
  'scard',
  'zadd',
  'zrem',
  'zcard',
  'zrangebyscore',
  'xadd',
  'xrange',
  'xread',
  'xtrim',
  'publish',
  'eval',
  'evalsha',
  'script',
  'multi',
  'other',
] as const;

export type RedisCommandLabel = (typeof REDIS_COMMAND_LABELS)[number];

const KNOWN: ReadonlySet<string> = new Set(REDIS_COMMAND_LABELS);

/** `EVALSHA` → `evalsha`, `xAdd` → `xadd`, an unknown name → `other`. */
export function redisCommandLabel(command: string): RedisCommandLabel {
  const name = command.toLowerCase();
  return KNOWN.has(name) ? (name as RedisCommandLabel) : 'other';
}
