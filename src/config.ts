import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { readSecretFile } from './client/secret-file.js';
import { parseTrustProxy, type TrustProxy } from './server/security/trust-proxy.js';

/**
 * The one place that reads the environment. Everything else receives the frozen `Config`.
 * A bad value stops start-up with one line that names the variable and what it allows.
 */

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

const int = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be a whole number from ${min} to ${max}`);

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

const bool = (name: string) =>
  z
    .enum(['true', 'false'], { message: `${name} must be true or false` })
    .transform((value) => value === 'true');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const AUTH_KINDS = ['apikey', 'oauth'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

const EnvSchema = z.object({
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('127.0.0.1'),
  PORT: int('PORT', 0, 65535).default(3000),
  PUBLIC_URL: z
    .url({ message: 'PUBLIC_URL must be an absolute http(s) URL such as https://mcp.example.com/mcp' })
    .optional(),
  ALLOWED_HOSTS: list.optional(),
  ALLOWED_ORIGINS: list.optional(),
  CORS_ORIGINS: list.default([]),
  BODY_LIMIT_BYTES: int('BODY_LIMIT_BYTES', 1024, 128 * 1024 * 1024).default(4 * 1024 * 1024),
  DATA_DIR: z.string().trim().min(1, 'DATA_DIR must not be empty').default('./data'),
  MAX_FILE_BYTES: int('MAX_FILE_BYTES', 1, Number.MAX_SAFE_INTEGER).default(10 * 1024 * 1024),
  MAX_FILES: int('MAX_FILES', 1, 1000).default(1000),
  SESSION_IDLE_TIMEOUT_MS: int('SESSION_IDLE_TIMEOUT_MS', 1000, 7 * 24 * 3600 * 1000).default(30 * 60 * 1000),
  MAX_SESSIONS: int('MAX_SESSIONS', 1, 1_000_000).default(10_000),
  EVENT_STORE_MAX_EVENTS: int('EVENT_STORE_MAX_EVENTS', 1, 1_000_000).default(2_000),
  EVENT_STORE_MAX_BYTES: int('EVENT_STORE_MAX_BYTES', 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  EVENT_STORE_TTL_MS: int('EVENT_STORE_TTL_MS', 1000, 24 * 3600 * 1000).default(5 * 60 * 1000),
  SSE_RETRY_MS: int('SSE_RETRY_MS', 0, 600_000).default(1000),
  SSE_KEEPALIVE_MS: int('SSE_KEEPALIVE_MS', 0, 600_000).default(15_000),
  LOG_NOTIFY_RATE: int('LOG_NOTIFY_RATE', 1, 1_000_000).default(2000),
  SHUTDOWN_DELAY_MS: int('SHUTDOWN_DELAY_MS', 0, 600_000).default(5000),
  SHUTDOWN_GRACE_MS: int('SHUTDOWN_GRACE_MS', 0, 600_000).default(10_000),
  MAX_JSON_DEPTH: int('MAX_JSON_DEPTH', 8, 1000).default(64),
  MAX_CALLS_PER_PRINCIPAL: int('MAX_CALLS_PER_PRINCIPAL', 1, 1_000_000).default(32),
  MAX_CONCURRENT_CALLS: int('MAX_CONCURRENT_CALLS', 1, 1_000_000).default(1000),
  MAX_STREAMS: int('MAX_STREAMS', 1, 1_000_000).default(5000),
  RATE_LIMIT_PER_MINUTE: int('RATE_LIMIT_PER_MINUTE', 0, 100_000_000).default(600),
  HEADERS_TIMEOUT_MS: int('HEADERS_TIMEOUT_MS', 1000, 600_000).default(10_000),
  REQUEST_TIMEOUT_MS: int('REQUEST_TIMEOUT_MS', 1000, 3_600_000).default(30_000),
  KEEPALIVE_TIMEOUT_MS: int('KEEPALIVE_TIMEOUT_MS', 1000, 3_600_000).default(65_000),
  REDIS_URL: z
    .string()
    .trim()
    .refine(
      (value) => URL.canParse(value) && ['redis:', 'rediss:'].includes(new URL(value).protocol),
      'REDIS_URL must be a redis:// or rediss:// URL such as redis://:password@redis:6379/0',
    )
    .optional(),
  REDIS_PASSWORD_FILE: z.string().trim().min(1, 'REDIS_PASSWORD_FILE must not be empty').optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'REDIS_KEY_PREFIX must be 1 to 64 letters, digits, or : _ . -')
    .default('beacon:'),
  REDIS_TIMEOUT_MS: int('REDIS_TIMEOUT_MS', 50, 60_000).default(2000),
  CALL_LEASE_MS: int('CALL_LEASE_MS', 1000, 600_000).default(10_000),
  REPLICA_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'REPLICA_ID must be 1 to 64 letters, digits, or . _ -')
    .optional(),
  LEGACY_SSE: bool('LEGACY_SSE').default(false),
  LEGACY_SSE_DOCS_URL: z
    .string()
    .trim()
    .min(1, 'LEGACY_SSE_DOCS_URL must not be empty')
    .refine(
      // It goes into a Link header between < and >, so nothing there may end or split it.
      (value) => /^[^\s<>"]+$/.test(value) && URL.canParse(value, 'http://beacon/'),
      'LEGACY_SSE_DOCS_URL must be a URL (absolute, or relative to the server) without spaces, <, > or quotes',
    )
    .default('README.md#migrating-from-sse'),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' }).default('json'),
  METRICS_HOST: z.string().trim().min(1, 'METRICS_HOST must not be empty').default('127.0.0.1'),
  METRICS_PORT: int('METRICS_PORT', 0, 65535).default(9464),
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,}$/, 'METRICS_TOKEN must be at least 16 visible ASCII characters')
    .optional(),
  AUTH_MODE: list.optional(),
  API_KEYS_FILE: z.string().trim().min(1).optional(),
  OAUTH_ISSUER: z
    .url({ message: 'OAUTH_ISSUER must be the absolute URL of your authorization server' })
    .optional(),
  OAUTH_JWKS_URL: z.url({ message: 'OAUTH_JWKS_URL must be an absolute URL' }).optional(),
  AUTH_FAILURE_LIMIT: int('AUTH_FAILURE_LIMIT', 1, 1_000_000).default(20),
  AUTH_FAILURE_WINDOW_MS: int('AUTH_FAILURE_WINDOW_MS', 1000, 24 * 3600 * 1000).default(5 * 60 * 1000),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((raw, ctx) => {
      const verdict = parseTrustProxy(raw);
      if (verdict.ok) return verdict.value;
      ctx.addIssue({ code: 'custom', message: verdict.message });
      return z.NEVER;
    }),
});

export type Config = Readonly<{
  host: string;
  port: number;
  /** Canonical URL of this server's MCP endpoint, as clients reach it. */
  publicUrl: URL;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  corsOrigins: readonly string[];
  bodyLimitBytes: number;
  dataDir: string;
  maxFileBytes: number;
  maxFiles: number;
  sessionIdleTimeoutMs: number;
  maxSessions: number;
  eventStore: Readonly<{ maxEvents: number; maxBytes: number; ttlMs: number }>;
  sseRetryMs: number;
  sseKeepAliveMs: number;
  /** Log notifications allowed per second (and burst) for one tool call. */
  logNotifyRate: number;
  /**
   * After SIGTERM, how long /readyz says 503 while new requests are still served: the time a load
   * balancer's health check or Kubernetes' endpoints need to stop routing here.
   */
  shutdownDelayMs: number;
  /** Then, how long running calls may take to finish before they are stopped. */
  shutdownGraceMs: number;
  /** Deepest nesting of arrays and objects a JSON body may have; deeper is refused before parsing reaches a handler. */
  maxJsonDepth: number;
  /** What one principal, and the whole process, may hold at once (see README "Limits"). */
  quotas: Readonly<{
    callsPerPrincipal: number;
    concurrentCalls: number;
    streams: number;
    /** Requests per principal per minute; 0 turns the limiter off. */
    ratePerMinute: number;
  }>;
  /**
   * Where replicas share state. Undefined: one process, everything in memory. The URL may carry a
   * password, and `password` (from REDIS_PASSWORD_FILE) is one, so neither is ever logged.
   */
  redis:
    | Readonly<{ url: string; password?: string | undefined; keyPrefix: string; timeoutMs: number }>
    | undefined;
  /** How long a call's lease lives without renewal before another replica answers for it. */
  callLeaseMs: number;
  /** This replica's name on every log line (default: the hostname). */
  replicaId: string;
  /** Node's HTTP timeouts for reading a request; none of them ever cuts a response stream. */
  timeouts: Readonly<{ headersMs: number; requestMs: number; keepAliveMs: number }>;
  /** Serve the deprecated 2024-11-05 HTTP+SSE transport on GET /sse + POST /messages. */
  legacySse: boolean;
  /** Where the `Link: rel="deprecation"` header on /sse and /messages points (the migration guide). */
  legacySseDocsUrl: string;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: 'json' | 'pretty';
  /** The separate Prometheus listener; never the public port. */
  metrics: Readonly<{ host: string; port: number; token: string | undefined }>;
  auth: AuthConfig;
  /** express `trust proxy`: which hops' X-Forwarded-* are believed (see trust-proxy.ts). */
  trustProxy: TrustProxy;
}>;

export type AuthConfig = Readonly<{
  /** Credential kinds accepted; empty means AUTH_MODE=none (loopback only). */
  modes: readonly AuthKind[];
  apiKeysFile: string | undefined;
  oauthIssuer: string | undefined;
  /** Where the issuer's signing keys are fetched; overrides the discovered `jwks_uri`. */
  oauthJwksUrl: string | undefined;
  /** Failed authentications one client address may make per window before it gets 429. */
  failureLimit: number;
  failureWindowMs: number;
}>;

const SECRET_VARIABLES = new Set(['METRICS_TOKEN', 'REDIS_URL']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Hostname only, port-agnostic, the way the SDK's Host/Origin validators compare them. */
function hostnameOf(entry: string): string {
  if (entry.includes('://')) return new URL(entry).hostname;
  return entry.replace(/:\d+$/, '');
}

function metricsConfigOf(e: z.infer<typeof EnvSchema>): Config['metrics'] {
  if (e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(
      `Invalid configuration: METRICS_PORT must differ from PORT, so metrics stay off the public listener (both are ${e.PORT})`,
    );
  }
  return Object.freeze({ host: e.METRICS_HOST, port: e.METRICS_PORT, token: e.METRICS_TOKEN });
}

/** Node refuses a headers timeout longer than the whole-request timeout, so say so by name first. */
function timeoutsOf(e: z.infer<typeof EnvSchema>): Config['timeouts'] {
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `Invalid configuration: HEADERS_TIMEOUT_MS (${e.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS})`,
    );
  }
  return Object.freeze({
    headersMs: e.HEADERS_TIMEOUT_MS,
    requestMs: e.REQUEST_TIMEOUT_MS,
    keepAliveMs: e.KEEPALIVE_TIMEOUT_MS,
  });
}

/**
 * REDIS_URL, plus the password from REDIS_PASSWORD_FILE (a mounted secret, which keeps the
 * password out of the environment that `docker inspect` and /proc show). One place only: a
 * password in both would leave the reader guessing which one Redis gets.
 */
function redisConfigOf(e: z.infer<typeof EnvSchema>): Config['redis'] {
  const file = e.REDIS_PASSWORD_FILE;
  if (e.REDIS_URL === undefined) {
    if (file === undefined) return undefined;
    throw new ConfigError(
      'Invalid configuration: REDIS_PASSWORD_FILE is set but REDIS_URL is not; set REDIS_URL such as redis://redis:6379/0',
    );
  }
  if (file !== undefined && new URL(e.REDIS_URL).password !== '') {
    throw new ConfigError(
      'Invalid configuration: REDIS_URL carries a password and REDIS_PASSWORD_FILE is set; give the password in one place only',
    );
  }
  let password: string | undefined;
  try {
    password = file === undefined ? undefined : readSecretFile('REDIS_PASSWORD_FILE', file);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  return Object.freeze({
    url: e.REDIS_URL,
    ...(password !== undefined && { password }),
    keyPrefix: e.REDIS_KEY_PREFIX,
    timeoutMs: e.REDIS_TIMEOUT_MS,
  });
}

/** A CORS origin must be exact (scheme, host, port), since browsers compare it letter for letter. */
function originOf(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {}
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== entry.replace(/\/$/, '')
  ) {
    throw new ConfigError(
      `Invalid configuration: CORS_ORIGINS must list exact origins such as https://app.example.com (got ${JSON.stringify(entry)})`,
    );
  }
  return url.origin;
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // An empty variable counts as unset, as in most container tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      // A secret's value never goes into an error message that ends up in a log.
      const got = SECRET_VARIABLES.has(name) ? undefined : present[name];
      const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      return got === undefined ? message : `${message} (got ${JSON.stringify(got)})`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const publicUrl = new URL(
    e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}/mcp`,
  );
  if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
    throw new ConfigError(
      `Invalid configuration: PUBLIC_URL must use http or https (got ${JSON.stringify(e.PUBLIC_URL)})`,
    );
  }
  const auth = authConfigOf(e);
  const publicHost = publicUrl.hostname;
  const allowedHosts = (e.ALLOWED_HOSTS ?? [...LOOPBACK_HOSTS, publicHost]).map(hostnameOf);
  let allowedOrigins: string[];
  try {
    allowedOrigins = (e.ALLOWED_ORIGINS ?? [...LOOPBACK_HOSTS, publicHost]).map(hostnameOf);
  } catch {
    throw new ConfigError(
      'Invalid configuration: ALLOWED_ORIGINS must list hostnames or origins such as https://app.example.com',
    );
  }
  const corsOrigins = e.CORS_ORIGINS.map(originOf);
  // An origin CORS lets in must also pass the Origin check, or browsers would get 403 anyway.
  allowedOrigins.push(...corsOrigins.map((origin) => new URL(origin).hostname));
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    allowedHosts: Object.freeze([...new Set(allowedHosts)]),
    allowedOrigins: Object.freeze([...new Set(allowedOrigins)]),
    corsOrigins: Object.freeze(corsOrigins),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    dataDir: resolve(e.DATA_DIR),
    maxFileBytes: e.MAX_FILE_BYTES,
    maxFiles: e.MAX_FILES,
    sessionIdleTimeoutMs: e.SESSION_IDLE_TIMEOUT_MS,
    maxSessions: e.MAX_SESSIONS,
    eventStore: Object.freeze({
      maxEvents: e.EVENT_STORE_MAX_EVENTS,
      maxBytes: e.EVENT_STORE_MAX_BYTES,
      ttlMs: e.EVENT_STORE_TTL_MS,
    }),
    sseRetryMs: e.SSE_RETRY_MS,
    sseKeepAliveMs: e.SSE_KEEPALIVE_MS,
    logNotifyRate: e.LOG_NOTIFY_RATE,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    maxJsonDepth: e.MAX_JSON_DEPTH,
    quotas: Object.freeze({
      callsPerPrincipal: e.MAX_CALLS_PER_PRINCIPAL,
      concurrentCalls: e.MAX_CONCURRENT_CALLS,
      streams: e.MAX_STREAMS,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
    }),
    timeouts: timeoutsOf(e),
    redis: redisConfigOf(e),
    callLeaseMs: e.CALL_LEASE_MS,
    replicaId:
      e.REPLICA_ID ??
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64),
    legacySse: e.LEGACY_SSE,
    legacySseDocsUrl: e.LEGACY_SSE_DOCS_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metrics: metricsConfigOf(e),
    auth,
    trustProxy: e.TRUST_PROXY,
  });
}

/**
 * Without AUTH_MODE, the credentials configured decide: an API key file turns on keys, an issuer
 * turns on OAuth. With neither, auth is off, which the check below allows on loopback only, so a
 * bare `npm start` works on a laptop and nothing is ever exposed unauthenticated.
 */
function defaultAuthMode(e: z.infer<typeof EnvSchema>): string[] {
  const modes = [
    ...(e.API_KEYS_FILE !== undefined ? ['apikey'] : []),
    ...(e.OAUTH_ISSUER !== undefined ? ['oauth'] : []),
  ];
  return modes.length > 0 ? modes : ['none'];
}

/** AUTH_MODE is `none` or a comma list of apikey and oauth; `none` only ever on loopback. */
function authConfigOf(e: z.infer<typeof EnvSchema>): AuthConfig {
  const mode = e.AUTH_MODE ?? defaultAuthMode(e);
  const unknown = mode.filter((m) => m !== 'none' && !(AUTH_KINDS as readonly string[]).includes(m));
  if (unknown.length > 0 || mode.length === 0 || (mode.includes('none') && mode.length > 1)) {
    throw new ConfigError(
      `Invalid configuration: AUTH_MODE must be none or a comma list of ${AUTH_KINDS.join(', ')} (got ${JSON.stringify(mode.join(','))})`,
    );
  }
  const modes = mode.includes('none') ? [] : [...new Set(mode as AuthKind[])];
  if (modes.length === 0 && !isLoopbackHost(e.HOST) && e.AUTH_MODE === undefined) {
    throw new ConfigError(
      `Invalid configuration: HOST=${JSON.stringify(e.HOST)} is not loopback, so authentication is required: set API_KEYS_FILE (AUTH_MODE=apikey) and/or OAUTH_ISSUER (AUTH_MODE=oauth)`,
    );
  }
  if (modes.length === 0 && !isLoopbackHost(e.HOST)) {
    throw new ConfigError(
      `Invalid configuration: AUTH_MODE=none is allowed only when HOST is a loopback address (got HOST=${JSON.stringify(e.HOST)}); set AUTH_MODE=apikey and/or oauth, or bind HOST=127.0.0.1`,
    );
  }
  if (modes.includes('oauth') && e.OAUTH_ISSUER === undefined) {
    throw new ConfigError('Invalid configuration: AUTH_MODE includes oauth, so OAUTH_ISSUER must be set');
  }
  return Object.freeze({
    modes: Object.freeze(modes),
    apiKeysFile: e.API_KEYS_FILE === undefined ? undefined : resolve(e.API_KEYS_FILE),
    oauthIssuer: e.OAUTH_ISSUER,
    oauthJwksUrl: e.OAUTH_JWKS_URL,
    failureLimit: e.AUTH_FAILURE_LIMIT,
    failureWindowMs: e.AUTH_FAILURE_WINDOW_MS,
  });
}
