/** Header and field names that carry credentials, compared case-insensitively. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'password',
  'secret',
  'apikey',
  'api_key',
]);

export const CENSOR = '[redacted]';

/** Deep enough for `{ req: { headers: { authorization } } }` and then some. */
const MAX_DEPTH = 6;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Blanks the value of every credential-named key in a log object, at any depth up to MAX_DEPTH,
 * whatever object a caller hands the logger. Copy-on-write: an object with nothing to blank is
 * returned as it is, so the common line costs one walk and no allocation. (A key-based walk, not
 * pino's path list: dozens of wildcard paths cost more than the log line they protect.)
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const clean = redactSecrets(item, depth + 1);
      if (clean !== item) {
        copy ??= value.slice();
        copy[index] = clean;
      }
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = value[key];
    const clean = SECRET_KEYS.has(key.toLowerCase()) ? CENSOR : redactSecrets(item, depth + 1);
    if (clean !== item) {
      copy ??= { ...value };
      copy[key] = clean;
    }
  }
  return (copy ?? value) as T;
}
