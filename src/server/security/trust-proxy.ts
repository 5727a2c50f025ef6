import { isIP } from 'node:net';

/**
 * Which `X-Forwarded-*` headers express may believe (its `trust proxy` setting), from TRUST_PROXY.
 *
 * Behind a reverse proxy the client's address and scheme arrive in `X-Forwarded-For/-Proto`; the
 * proxy appends to whatever the client sent, so only the hops we run ourselves may be believed.
 * Directly exposed, nothing may be (`false`, the default): a client could otherwise claim any
 * address and slip past per-address limits. Behind Caddy it is exactly one hop (`1`).
 *
 * Accepted: `false` or `0` (trust nothing), a hop count `1`–`10`, or a comma list of proxy
 * addresses, CIDR ranges, or express's names `loopback`, `linklocal`, `uniquelocal`.
 * `true` (every hop) is refused: it believes whatever the client sends.
 */
export type TrustProxy = false | number | readonly string[];

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

export type TrustProxyVerdict = { ok: true; value: TrustProxy } | { ok: false; message: string };

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export function parseTrustProxy(raw: string): TrustProxyVerdict {
  const value = raw.trim();
  if (value === 'false' || value === '0') return { ok: true, value: false };
  if (value === 'true') {
    return {
      ok: false,
      message:
        'TRUST_PROXY=true would believe any X-Forwarded-For a client sends; give the number of proxy hops in front of Beacon (1 behind Caddy) or their addresses',
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 10
      ? { ok: true, value: hops }
      : { ok: false, message: `TRUST_PROXY hop count must be from 0 to 10 (got ${value})` };
  }
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.find((entry) => !isAddressOrRange(entry));
  if (entries.length === 0 || bad !== undefined) {
    return {
      ok: false,
      message: `TRUST_PROXY must be false, a hop count, or a comma list of IP addresses, CIDR ranges, loopback, linklocal or uniquelocal (got ${JSON.stringify(bad ?? raw)})`,
    };
  }
  return { ok: true, value: Object.freeze(entries) };
}
