/**
 * The two real Beacon processes a fuzz run attacks, and the live values their cases need:
 * - `open`: auth off, HTTP+SSE on, so /mcp in both eras, /sse and /messages are all reachable;
 * - `auth`: API keys and OAuth required, so every kind of credential header is fuzzed too.
 * Quotas and the rate limiter are opened wide so requests reach the parsers, not the limiter.
 */

import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { openLegacySession } from '../helpers/raw-mcp.js';
import { readSse } from '../helpers/sse.js';
import { SLOT, type Target } from './fuzz-case.js';
import { streamLeaks } from './invariants.js';

const FUZZ_ENV = {
  LEGACY_SSE: 'true',
  LOG_LEVEL: 'info',
  RATE_LIMIT_PER_MINUTE: '0',
  MAX_CALLS_PER_PRINCIPAL: '1000000',
  MAX_CONCURRENT_CALLS: '1000000',
  MAX_STREAMS: '1000000',
  MAX_SESSIONS: '1000000',
  AUTH_FAILURE_LIMIT: '1000000',
  BODY_LIMIT_BYTES: String(1 << 20),
  // Sessions that fuzzed `initialize` calls open and never close go within the run.
  SESSION_IDLE_TIMEOUT_MS: '30000',
};

/** Only error lines (and any line that is not JSON) are kept: a long run would otherwise hold every request's. */
const retainLine = (entry: Record<string, unknown>) => Number(entry.level) >= 50;

/**
 * Live 2025-era sessions, one per case at a time so no two requests race on the same JSON-RPC
 * id in one session. A session a case deleted is replaced by a fresh one.
 */
class SessionPool {
  readonly #free: string[] = [];
  constructor(
    private readonly mcpUrl: string,
    private readonly headers: Record<string, string>,
  ) {}

  async lease(): Promise<string> {
    return this.#free.pop() ?? (await openLegacySession(this.mcpUrl, this.headers));
  }

  release(id: string, ended: boolean): void {
    if (!ended) this.#free.push(id);
  }
}

/**
 * One HTTP+SSE session held open for the whole run, its stream read to the end. Answers to the
 * messages cases post travel here, so the stream is checked for leaks as it goes.
 */
class SseSession {
  #id: Promise<string> | undefined;
  readonly leaks: string[] = [];
  readonly #controller = new AbortController();
  constructor(
    private readonly origin: string,
    private readonly headers: Record<string, string>,
    private readonly privatePaths: readonly string[],
  ) {}

  id(): Promise<string> {
    this.#id ??= this.#open().catch((error: unknown) => {
      this.#id = undefined;
      throw error;
    });
    return this.#id;
  }

  async #open(): Promise<string> {
    const res = await fetch(`${this.origin}/sse`, {
      headers: { Accept: 'text/event-stream', ...this.headers },
      signal: this.#controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`GET /sse answered ${res.status}`);
    const events = readSse(res.body);
    const first = await events.next();
    const endpoint = first.done ? '' : first.value.data;
    const id = new URL(endpoint, this.origin).searchParams.get('sessionId');
    if (!id) throw new Error(`GET /sse sent no session in its endpoint event: ${endpoint}`);
    void (async () => {
      try {
        for await (const event of events) this.leaks.push(...streamLeaks(event.data, this.privatePaths));
      } catch {}
      // The stream ended (the server closed an idle session): the next case opens another.
      this.#id = undefined;
    })();
    return id;
  }

  close(): void {
    this.#controller.abort();
  }
}

/** A stand-in OAuth issuer: its JWKS is all Beacon fetches, and it signs the one valid token. */
async function startIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fuzz', alg: 'ES256', use: 'sig' };
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ keys: [jwk] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = (audience: string) =>
    new SignJWT({ scope: 'mcp:tools', client_id: 'fuzz' })
      .setProtectedHeader({ alg: 'ES256', kid: 'fuzz' })
      .setIssuer(issuer)
      .setSubject('fuzz')
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(privateKey);
  return { issuer, jwksUrl: `${issuer}/jwks`, token, close: () => server.close() };
}

export interface FuzzTarget {
  name: Target;
  beacon: BeaconProcess;
  agent: http.Agent;
  sessions: SessionPool;
  sse: SseSession;
  /** The value of every slot except `session`, which is leased per case. */
  slots: Record<string, string>;
}

export interface FuzzTargets {
  open: FuzzTarget;
  auth: FuzzTarget;
  /** Directories whose names must never reach a client. */
  privatePaths: readonly string[];
  stop(): Promise<void>;
}

function target(
  name: Target,
  beacon: BeaconProcess,
  concurrency: number,
  slots: Record<string, string>,
  privatePaths: readonly string[],
): FuzzTarget {
  const credentials: Record<string, string> =
    name === 'auth' ? { Authorization: `Bearer ${slots[SLOT.key]}` } : {};
  return {
    name,
    beacon,
    agent: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
    sessions: new SessionPool(beacon.mcpUrl, credentials),
    sse: new SseSession(beacon.origin, credentials, privatePaths),
    slots: { ...slots, [SLOT.host]: `127.0.0.1:${beacon.port}` },
  };
}

export async function startTargets(concurrency: number): Promise<FuzzTargets> {
  const issuer = await startIssuer();
  const fixtures = await writeAuthFixtures();
  const privatePaths = [resolve('.'), resolve('data'), resolve(import.meta.dirname, '../..'), fixtures.dir];
  const started: BeaconProcess[] = [];
  try {
    started.push(await startBeacon({ env: FUZZ_ENV, retainLine }));
    started.push(
      await startProtectedBeacon(
        fixtures,
        issuer.issuer,
        { ...FUZZ_ENV, OAUTH_JWKS_URL: issuer.jwksUrl },
        { retainLine },
      ),
    );
  } catch (error) {
    await Promise.all(started.map((b) => b.stop()));
    issuer.close();
    await fixtures.cleanup();
    throw error;
  }
  const [openBeacon, authBeacon] = started as [BeaconProcess, BeaconProcess];
  const fakeKey = `bk_${'f'.repeat(43)}`;
  const open = target(
    'open',
    openBeacon,
    concurrency,
    { [SLOT.key]: fakeKey, [SLOT.listKey]: fakeKey, [SLOT.jwt]: 'e30.e30.x' },
    privatePaths,
  );
  const auth = target(
    'auth',
    authBeacon,
    concurrency,
    {
      [SLOT.key]: fixtures.keys.alice,
      [SLOT.listKey]: fixtures.keys.lister,
      [SLOT.jwt]: await issuer.token(authBeacon.mcpUrl),
    },
    privatePaths,
  );
  return {
    open,
    auth,
    privatePaths,
    async stop() {
      for (const t of [open, auth]) {
        t.sse.close();
        t.agent.destroy();
      }
      await Promise.all(started.map((b) => b.stop()));
      issuer.close();
      await fixtures.cleanup();
    },
  };
}

/** What is wrong with a target after the run: dead, unhealthy, or an uncaught error on stderr. */
export async function healthProblems(t: FuzzTarget): Promise<string[]> {
  const problems: string[] = [];
  const { child } = t.beacon;
  if (child.exitCode !== null || child.signalCode !== null) {
    problems.push(`${t.name}: the process exited (${child.exitCode ?? child.signalCode})`);
  } else {
    const res = await fetch(`${t.beacon.origin}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch(
      (error: Error) => error,
    );
    if (res instanceof Error || res.status !== 200) {
      problems.push(`${t.name}: /healthz answered ${res instanceof Error ? res.message : res.status}`);
    }
  }
  const stderr = t.beacon.stderr();
  // An uncaught error, a stack, or a warning such as MaxListenersExceededWarning (a listener leak).
  if (/uncaught|unhandled|\n\s+at |Warning/i.test(stderr))
    problems.push(`${t.name}: stderr: ${stderr.slice(0, 2_000)}`);
  problems.push(...t.sse.leaks.map((leak) => `${t.name}: the HTTP+SSE stream leaks ${leak}`));
  // Hostile input is the client's mistake: nothing in the server should log it as an error.
  // (A 503 is logged at error level and allowed; none is expected here.)
  const errors = t.beacon.lines.filter((line) => !line.includes('"status":503'));
  if (errors.length > 0) {
    problems.push(`${t.name}: ${errors.length} error log lines; the first: ${errors[0]?.slice(0, 1_000)}`);
  }
  return problems;
}
