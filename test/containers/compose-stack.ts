/**
 * `npm run test:containers`: builds the image and runs docker-compose.yml for real (podman's
 * Docker-compatible API + docker-compose), then checks the stack from the outside. Slow (image
 * build), so it is not part of `npm test`; file name without `.test.ts` keeps the walker off it.
 *
 * Needs root, podman, docker-compose, debootstrap and caddy's .deb reachable through apt
 * (deploy/ci-setup.sh installs them). Base images are built locally when missing
 * (deploy/images/build-base-images.sh), so nothing is pulled from a registry.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_API_KEY, freePort } from '../../scripts/stack/stack.js';
import { type ComposeProject, openProject, ROOT, run } from './engine.js';

const LONG_RUNNING = ['caddy', 'auth', 'server'];
const CA_IN_CADDY = '/data/caddy/pki/authorities/local/root.crt';

describe('docker-compose.yml on a real container engine', () => {
  let project: ComposeProject;
  let env: NodeJS.ProcessEnv;
  let httpsPort: number;
  let work: string;
  const ids = new Map<string, string>();
  const compose = (args: string[], timeoutMs?: number) => project.compose(args, timeoutMs);
  const podman = (args: string[]) => project.podman(args);
  const inspect = (service: string, format: string) => project.inspect(service, format);

  before(async () => {
    project = await openProject('beacon-containers', ['docker-compose.yml']);
    env = project.env;
    work = await mkdtemp(join(tmpdir(), 'beacon-containers-ca-'));
    httpsPort = await freePort();
    Object.assign(env, {
      HTTPS_PORT: String(httpsPort),
      HTTP_PORT: String(await freePort()),
      AUTH_HTTPS_PORT: String(await freePort()),
    });
    const started = Date.now();
    await compose(['up', '-d', '--build'], 30 * 60_000);
    for (const name of [...LONG_RUNNING, 'client', 'ca-export']) ids.set(name, await project.id(name));
    await project.waitHealthy(LONG_RUNNING);
    const image = Number(
      await podman(['image', 'inspect', '--format', '{{.Size}}', env.BEACON_IMAGE ?? 'beacon:local']),
    );
    console.log(`# docker-compose up --build to all healthy: ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(`# beacon image: ${(image / 1e6).toFixed(0)} MB`);
  });

  after(async () => {
    await project?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('brings caddy, auth and server to healthy', async () => {
    for (const name of LONG_RUNNING)
      assert.equal(await inspect(name, '{{.State.Health.Status}}'), 'healthy', name);
  });

  it("Caddy's DNS gives the server and auth services their own addresses", async () => {
    await project.assertResolves('caddy', ['server', 'auth']);
  });

  it('the client container streams its notifications live through Caddy over TLS', async () => {
    for (let i = 0; i < 60 && (await inspect('client', '{{.State.Status}}')) !== 'exited'; i++)
      await sleep(1000);
    assert.equal(await inspect('client', '{{.State.ExitCode}}'), '0');
    const logs = await compose(['logs', '--no-color', 'client']);
    console.log(logs.replace(/^/gm, '# '));
    assert.match(logs, /connected to https:\/\/localhost\/mcp/);
    const progress = [...logs.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d{3}) PROGRESS/g)].map(
      ([, h, m, s, ms]) => ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(ms),
    );
    assert.equal(progress.length, 5, 'one progress line per item');
    const spread = (progress.at(-1) ?? 0) - (progress[0] ?? 0);
    assert.ok(spread >= 800, `the 5 items at 400 ms each arrived within ${spread} ms: batched by the proxy?`);
    assert.match(logs, /RESULT\s+Processed 5 items/);
  });

  it('HTTPS from the host reaches Beacon through Caddy, trusting the exported CA', async () => {
    const caFile = join(work, 'caddy-root.crt');
    await writeFile(caFile, await podman(['exec', ids.get('caddy') ?? '', 'cat', CA_IN_CADDY]));
    const url = `https://localhost:${httpsPort}/mcp`;
    const call = await run(process.execPath, [
      join(ROOT, 'dist/cli.js'),
      'call',
      '--url',
      url,
      '--ca',
      caFile,
      '--api-key',
      DEV_API_KEY,
      'process_items',
      'one',
      'two',
    ]);
    assert.equal(call.code, 0, call.stderr);
    assert.match(call.stdout, /Processed 2 items/);
    const metrics = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      caFile,
      `https://localhost:${httpsPort}/metrics`,
    ]);
    assert.equal(metrics.stdout, '404');
  });

  it('only caddy publishes ports', async () => {
    for (const name of ['server', 'auth']) {
      // EXPOSEd ports are listed with no host binding (null); none may have one.
      const bindings = JSON.parse(await inspect(name, '{{json .HostConfig.PortBindings}}')) as Record<
        string,
        unknown[] | null
      >;
      assert.deepEqual(
        Object.entries(bindings ?? {}).filter(([, hostPorts]) => (hostPorts ?? []).length > 0),
        [],
        name,
      );
    }
    assert.match(await inspect('caddy', '{{json .HostConfig.PortBindings}}'), new RegExp(`"${httpsPort}"`));
  });

  it('the image carries no compilers, no npm cache and no dev dependencies', async () => {
    const server = ids.get('server') ?? '';
    const probe = await podman([
      'exec',
      server,
      'sh',
      '-c',
      'for b in gcc cc g++ make python3 git; do command -v $b; done; ls -d /root/.npm /home/node/.npm /app/node_modules/typescript /app/node_modules/tsx /app/node_modules/@biomejs 2>/dev/null; true',
    ]);
    assert.equal(probe.trim(), '');
  });

  it('the server runs as non-root, without capabilities, on a read-only root filesystem', async () => {
    const server = ids.get('server') ?? '';
    assert.equal((await podman(['exec', server, 'id', '-u'])).trim(), '1000');
    assert.equal(await inspect('server', '{{.HostConfig.ReadonlyRootfs}}'), 'true');
    const write = await run('podman', ['exec', server, 'sh', '-c', 'touch /app/dist/tampered'], env);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /Read-only file system/);
    const tmp = await run('podman', ['exec', server, 'sh', '-c', 'touch /tmp/ok && echo ok'], env);
    assert.equal(tmp.stdout.trim(), 'ok', 'the tmpfs /tmp stays writable');
    const caps = await podman(['exec', server, 'sh', '-c', 'grep CapEff /proc/self/status']);
    assert.match(caps, /CapEff:\s+0+$/m);
  });

  it("reads the server's compiled code from the image's compile cache, which it cannot write", async () => {
    const server = ids.get('server') ?? '';
    const load = async (setting: string) => {
      const script = `const t = performance.now(); await import('./dist/server/serve.js'); console.log('ms', performance.now() - t)`;
      const out = await run(
        'podman',
        ['exec', server, 'sh', '-c', `${setting} node --input-type=module -e "${script}" 2>&1`],
        env,
      );
      assert.equal(out.code, 0, out.stdout);
      return { ms: Number(/^ms (\S+)$/m.exec(out.stdout)?.[1]), out: out.stdout };
    };
    const { out } = await load('NODE_DEBUG_NATIVE=COMPILE_CACHE');
    assert.match(out, /V8 code cache for ESM file:\/\/\/app\/dist\/server\/app\.js was accepted/);
    assert.match(out, /V8 code cache for CommonJS \/app\/node_modules\/express\/index\.js was accepted/);
    const times = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < 3; round++) {
      times.on.push((await load('')).ms);
      times.off.push((await load('NODE_DISABLE_COMPILE_CACHE=1')).ms);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[1]?.toFixed(0);
    console.log(
      `# importing the server: ${median(times.on)} ms with the cache, ${median(times.off)} ms without`,
    );
    const write = await run('podman', ['exec', server, 'sh', '-c', 'touch /app/.compile-cache/x'], env);
    assert.notEqual(write.code, 0, 'the cache is not writable at run time');
  });
});
