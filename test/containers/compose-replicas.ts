/**
 * `npm run test:containers`, the replicated stack: docker-compose.yml + compose.replicas.yml on
 * podman (Redis, three Beacon replicas, Caddy, auth and the demo client), as documented:
 *
 *   docker compose -f docker-compose.yml -f compose.replicas.yml up --build
 *
 * The client container makes twenty calls on one 2025-era session through Caddy. While it runs,
 * the replica serving the session is stopped; the session must carry on, on another replica.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/stack/stack.js';
import { type ComposeProject, openProject } from './engine.js';

const REPLICAS = ['server', 'server-2', 'server-3'];
const LONG_RUNNING = ['caddy', 'auth', 'redis', ...REPLICAS];
/** The client's --repeat in compose.replicas.yml. */
const CALLS = 20;

interface LogLine {
  /** ISO 8601 (the logger's isoTime). */
  time?: string;
  session?: string;
  session_adopted?: boolean;
  replica?: string;
}

const at = (line: LogLine) => Date.parse(line.time ?? '') || 0;

describe('compose.replicas.yml on a real container engine', () => {
  let project: ComposeProject;

  /** A replica's JSON log lines that name a session (request lines carry its hash, never the id). */
  const sessionLines = async (service: string): Promise<LogLine[]> =>
    (await project.podman(['logs', await project.id(service)]))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.session !== undefined);

  const clientLogs = () => project.compose(['logs', '--no-color', 'client']);
  const results = (logs: string) => [...logs.matchAll(/RESULT\s+Processed 3 items/g)].length;

  before(async () => {
    project = await openProject('beacon-replicas', ['docker-compose.yml', 'compose.replicas.yml']);
    Object.assign(project.env, {
      HTTPS_PORT: String(await freePort()),
      HTTP_PORT: String(await freePort()),
      AUTH_HTTPS_PORT: String(await freePort()),
    });
    const started = Date.now();
    await project.compose(['up', '-d', '--build'], 30 * 60_000);
    await project.waitHealthy(LONG_RUNNING);
    console.log(`# replicated stack up and healthy: ${Math.round((Date.now() - started) / 1000)} s`);
  });

  after(async () => {
    await project?.close();
  });

  it("Caddy's DNS gives each replica its own addresses", async () => {
    await project.assertResolves('caddy', ['server', 'server-2', 'server-3']);
  });

  it("the client's 2025-era session survives the stop of the replica serving it", async () => {
    // The client ran once while the stack came up: let that run end (its calls, and the DELETE
    // of its session), so every session line after the fresh run's start is the fresh run's.
    // Looked up here rather than through project.id, which would keep this container's id
    // past the recreation below.
    const first = (await project.compose(['ps', '-q', 'client'])).trim();
    const status = async () =>
      (await project.podman(['inspect', '--format', '{{.State.Status}}', first])).trim();
    for (let i = 0; i < 120 && (await status()) !== 'exited'; i++) await sleep(1000);
    /** A fresh client run: resolves with its logs once two calls are done, or once it gave up connecting. */
    const runClient = async () => {
      await project.compose(['up', '-d', '--no-deps', '--force-recreate', 'client']);
      let logs = '';
      for (let i = 0; i < 120 && results(logs) < 2 && !logs.includes('cannot connect'); i++) {
        await sleep(500);
        logs = await clientLogs();
      }
      return logs;
    };
    let rerun = Date.now();
    let logs = await runClient();
    if (results(logs) === 0 && logs.includes('cannot connect')) {
      // Before any call, so before anything this test is about. Seen under load: Caddy's lookup of
      // a service name through podman's DNS timing out. One more run; Caddy's lines say why.
      const edge = await project.compose(['logs', '--no-color', '--tail', '5', 'caddy']);
      console.log(`# the client could not connect; running it again. Caddy said:\n${edge}`);
      rerun = Date.now();
      logs = await runClient();
    }
    assert.ok(results(logs) >= 2, `the client got going:\n${logs}`);

    // The session's home: the replica that served its latest request (Caddy hashes its id).
    const seen = await Promise.all(
      REPLICAS.map(async (name) => ({
        name,
        lines: (await sessionLines(name)).filter((line) => at(line) > rerun),
      })),
    );
    const sessions = new Set(seen.flatMap(({ lines }) => lines.map((line) => line.session)));
    assert.equal(sessions.size, 1, 'the client holds one session');
    const latest = (lines: LogLine[]) => Math.max(0, ...lines.map((line) => at(line)));
    const home = seen.reduce((a, b) => (latest(b.lines) > latest(a.lines) ? b : a)).name;

    const stopping = Date.now();
    await project.podman(['stop', await project.id(home)]);
    const stopMs = Date.now() - stopping;
    const before = results(await clientLogs());
    console.log(
      `# stopped ${home} (the session's replica) in ${stopMs} ms, after ${before} of ${CALLS} calls`,
    );
    assert.ok(before < CALLS, 'the stop came while the client was still calling');

    for (let i = 0; i < 180 && (await project.inspect('client', '{{.State.Status}}')) !== 'exited'; i++)
      await sleep(1000);
    logs = await clientLogs();
    console.log(logs.replace(/^/gm, '# ').split('\n').slice(-12).join('\n'));
    assert.equal(await project.inspect('client', '{{.State.ExitCode}}'), '0', logs);
    assert.equal(results(logs), CALLS, 'every call returned its result');
    assert.match(logs, new RegExp(`call ${CALLS} of ${CALLS} on the same session`));
    assert.doesNotMatch(logs, /re-initialising/, 'never a new session');

    const after = await Promise.all(
      REPLICAS.filter((name) => name !== home).map(async (name) => ({
        name,
        lines: (await sessionLines(name)).filter((line) => at(line) > stopping),
      })),
    );
    const servedBy = after.filter(({ lines }) => lines.length > 0).map(({ name }) => name);
    assert.ok(servedBy.length > 0, `after the stop, another replica served the session: ${servedBy}`);
    const adopted = after.some(({ lines }) => lines.some((line) => line.session_adopted));
    console.log(`# then served by ${servedBy.join(', ')}${adopted ? ' (adopted from Redis)' : ''}`);
  });

  it('Redis publishes no port and runs read-only, as uid 999, without capabilities', async () => {
    const bindings = JSON.parse(
      await project.inspect('redis', '{{json .HostConfig.PortBindings}}'),
    ) as Record<string, unknown[] | null> | null;
    assert.deepEqual(
      Object.entries(bindings ?? {}).filter(([, hostPorts]) => (hostPorts ?? []).length > 0),
      [],
    );
    assert.equal(await project.inspect('redis', '{{.HostConfig.ReadonlyRootfs}}'), 'true');
    const redis = await project.id('redis');
    assert.equal((await project.podman(['exec', redis, 'id', '-u'])).trim(), '999');
    assert.match(await project.podman(['exec', redis, 'grep', 'CapEff', '/proc/1/status']), /CapEff:\s+0+$/m);
  });

  it('Redis refuses commands without the password, and appends to its AOF on the volume', async () => {
    const redis = await project.id('redis');
    const anonymous = await project.podman(['exec', redis, 'redis-cli', 'dbsize']);
    assert.match(anonymous, /NOAUTH/);
    const aof = await project.podman(['exec', redis, 'sh', '-c', 'ls /data/appendonlydir']);
    assert.match(aof, /\.incr\.aof/);
    const keys = await project.podman([
      'exec',
      redis,
      'sh',
      '-c',
      'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli dbsize',
    ]);
    assert.ok(Number(keys.trim()) > 0, `the replicas share state in it (dbsize ${keys.trim()})`);
  });
});
