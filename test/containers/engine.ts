/**
 * The container engine the compose tests drive: podman behind its Docker-compatible API, with
 * docker-compose on top. Base images are built locally when missing (nothing is pulled), and
 * healthchecks are run by a timer here, since podman runs them from systemd timers and CI runners
 * have no systemd.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBinary } from '../helpers/metrics.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export async function must(
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
  timeoutMs?: number,
): Promise<string> {
  const result = await run(command, args, env, timeoutMs);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}\n${(result.stderr || result.stdout).slice(-3000)}`,
    );
  }
  return result.stdout;
}

/** Where netavark keeps aardvark-dns's name table of each network (rootful podman). */
const DNS_TABLES = '/run/containers/networks/aardvark-dns';

/**
 * Removes the name tables of networks that no longer exist, and has aardvark-dns reload. A teardown
 * that fails half-way leaves its table behind (podman#20396), and aardvark-dns goes on answering
 * from it: a later project whose network reuses the subnet can get a dead container's address for
 * a service name, and connections to it hang.
 */
async function dropStaleDnsTables(env: NodeJS.ProcessEnv): Promise<void> {
  const tables = await readdir(DNS_TABLES).catch(() => [] as string[]);
  const networks = new Set(
    (await must('podman', ['network', 'ls', '--format', '{{.Name}}'], env)).split('\n'),
  );
  const stale = tables.filter((name) => name !== 'aardvark.pid' && !networks.has(name));
  if (stale.length === 0) return;
  console.log(`# removed the DNS tables of networks already gone: ${stale.join(', ')}`);
  await Promise.all(stale.map((name) => rm(join(DNS_TABLES, name), { force: true })));
  const pid = Number(await readFile(join(DNS_TABLES, 'aardvark.pid'), 'utf8').catch(() => ''));
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGHUP');
    } catch {
      // Not running: the next container on a network starts it with the tables as they are now.
    }
  }
}

/** One compose project on the engine: `compose(args)` runs docker-compose with its -p and -f flags. */
export interface ComposeProject {
  env: NodeJS.ProcessEnv;
  compose(args: string[], timeoutMs?: number): Promise<string>;
  podman(args: string[]): Promise<string>;
  /** Container id of a service's (first) container, looked up once `up` has run. */
  id(service: string): Promise<string>;
  inspect(service: string, format: string): Promise<string>;
  /** Waits until every named service reports healthy. */
  waitHealthy(services: readonly string[], timeoutMs?: number): Promise<void>;
  /**
   * Fails, naming both, when a service name resolves inside `from` to anything but that service's
   * addresses: the engine's DNS, not Beacon, would then explain a proxy that cannot reach it.
   */
  assertResolves(from: string, services: readonly string[]): Promise<void>;
  /** Saves the project's logs to the temp directory, takes it down with its volumes, stops the engine. */
  close(): Promise<void>;
}

export async function openProject(project: string, composeFiles: readonly string[]): Promise<ComposeProject> {
  for (const [bin, pkg] of [
    ['podman', 'podman'],
    ['docker-compose', 'docker-compose'],
    ['debootstrap', 'debootstrap'],
    ['curl', 'curl'],
  ] as const) {
    requireBinary(bin, pkg);
  }
  const work = await mkdtemp(join(tmpdir(), `${project}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? join(ROOT, 'deploy/ci/containers.conf'),
  };
  const files = composeFiles.flatMap((file) => ['-f', join(ROOT, file)]);
  const base = ['-p', project, ...files];

  const bases = Date.now();
  await must(join(ROOT, 'deploy/images/build-base-images.sh'), [], env, 15 * 60_000);
  console.log(`# base images ready in ${Math.round((Date.now() - bases) / 1000)} s`);

  let service: ChildProcess | undefined;
  if (env.DOCKER_HOST === undefined) {
    const socket = join(work, 'podman.sock');
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
      env,
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(100);
    env.DOCKER_HOST = `unix://${socket}`;
  }
  // One round of healthchecks at a time: each may start a Node process, and on a loaded machine
  // rounds fired on a fixed clock pile up until every check times out.
  let checking = true;
  const checker = (async () => {
    while (checking) {
      const { stdout } = await run(
        'podman',
        ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`],
        env,
      );
      await Promise.all(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((id) => run('podman', ['healthcheck', 'run', id], env)),
      );
      await sleep(2000);
    }
  })();
  await run('docker-compose', [...base, 'down', '-v'], env);
  await dropStaleDnsTables(env);

  const ids = new Map<string, string>();
  const compose = (args: string[], timeoutMs?: number) =>
    must('docker-compose', [...base, ...args], env, timeoutMs);
  const podman = (args: string[]) => must('podman', args, env);
  const id = async (name: string) => {
    let found = ids.get(name);
    if (found === undefined) {
      found = (await compose(['ps', '-q', name])).trim().split('\n')[0] ?? '';
      ids.set(name, found);
    }
    return found;
  };
  const inspect = async (name: string, format: string) =>
    (await podman(['inspect', '--format', format, await id(name)])).trim();

  return {
    env,
    compose,
    podman,
    id,
    inspect,
    async waitHealthy(services, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(services.map((s) => inspect(s, '{{.State.Health.Status}}')));
        if (states.every((s) => s === 'healthy')) return;
        if (Date.now() > deadline)
          throw new Error(`not healthy in time: ${services.map((s, i) => `${s}=${states[i]}`).join(' ')}`);
        await sleep(1000);
      }
    },
    async assertResolves(from, services) {
      for (const service of services) {
        const own = (await inspect(service, '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'))
          .split(' ')
          .filter(Boolean);
        const seen = (await podman(['exec', await id(from), 'getent', 'ahostsv4', service]))
          .split('\n')
          .map((line) => line.split(/\s+/)[0])
          .filter((address): address is string => Boolean(address));
        const foreign = seen.filter((address) => !own.includes(address));
        if (seen.length === 0 || foreign.length > 0)
          throw new Error(
            `${from} resolves ${service} to [${[...new Set(seen)].join(', ')}], but its addresses are [${own.join(', ')}]`,
          );
      }
    },
    async close() {
      checking = false;
      await checker;
      const logs = await run('docker-compose', [...base, 'logs', '--no-color'], env);
      await writeFile(join(tmpdir(), `${project}.log`), logs.stdout);
      // Twice: the client shares Caddy's network namespace, which can hold Caddy back on the first pass.
      for (let i = 0; i < 2; i++)
        await run('docker-compose', [...base, 'down', '-v', '--remove-orphans'], env);
      await dropStaleDnsTables(env);
      if (service) {
        service.kill('SIGTERM');
        await once(service, 'exit');
      }
      await rm(work, { recursive: true, force: true });
    },
  };
}
