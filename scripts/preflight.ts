/**
 * Checks, before any test starts, that the system tools the tests run are on PATH. Without it a
 * missing tool shows up minutes later as a spawn ENOENT deep inside one test; with it, `npm test`
 * stops at once with one line per missing tool: which tests need it and how to install it.
 *
 *   node --import tsx scripts/preflight.ts [test files...]   (no files: check every tool)
 *
 * scripts/run-tests.mjs runs it with the files it is about to run, so a run of unit tests alone
 * does not ask for caddy. deploy/ci-setup.sh installs every package named here (a unit test
 * checks that).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface SystemTool {
  /** The executable looked up on PATH. */
  tool: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** Repository-relative paths of the test files that run it. */
  neededBy: readonly string[];
}

const ROOT = resolve(import.meta.dirname, '..');

/**
 * Every system tool a test runs (node, npm and npx come with Node itself). A new one is one entry
 * here, e.g. `{ tool: 'redis-server', debianPackage: 'redis-server', neededBy: ['test/e2e/…'] }`.
 */
export const SYSTEM_TOOLS: readonly SystemTool[] = [
  {
    tool: 'caddy',
    debianPackage: 'caddy',
    neededBy: [
      'test/bench/replicas.test.ts',
      'test/e2e/deploy-caddy.test.ts',
      'test/e2e/deploy-configs.test.ts',
      'test/e2e/kubernetes-manifests.test.ts',
      'test/e2e/rolling-restart.test.ts',
      'test/e2e/stack-replicas.test.ts',
    ],
  },
  {
    tool: 'promtool',
    debianPackage: 'prometheus',
    neededBy: ['test/e2e/deploy-configs.test.ts', 'test/e2e/metrics.test.ts', 'test/e2e/prometheus.test.ts'],
  },
  { tool: 'prometheus', debianPackage: 'prometheus', neededBy: ['test/e2e/prometheus.test.ts'] },
  {
    tool: 'docker-compose',
    debianPackage: 'docker-compose',
    neededBy: [
      'test/e2e/deploy-compose-replicas.test.ts',
      'test/e2e/deploy-configs.test.ts',
      'test/containers/engine.ts',
    ],
  },
  {
    tool: 'openssl',
    debianPackage: 'openssl',
    neededBy: ['test/e2e/kubernetes-manifests.test.ts', 'test/unit/client/tls-fetch.test.ts'],
  },
  // deploy/ci-setup.sh installs Debian's only when no kubectl is there (both own /usr/bin/kubectl).
  {
    tool: 'kubectl',
    debianPackage: 'kubernetes-client',
    neededBy: ['test/e2e/kubernetes-manifests.test.ts', 'test/helpers/kubernetes/render.ts'],
  },
  {
    tool: 'redis-server',
    debianPackage: 'redis-server',
    neededBy: [
      'test/bench/replicas.test.ts',
      'test/bench/targets.test.ts',
      'test/e2e/redis-outage.test.ts',
      'test/e2e/rolling-restart.test.ts',
      'test/e2e/shared-brute-force.test.ts',
      'test/e2e/shared-sessions.test.ts',
      'test/e2e/stack-replicas.test.ts',
      'test/helpers/redis-server.ts',
      'test/unit/server/shared/event-store/redis.test.ts',
      'test/unit/server/shared/limiter-store.test.ts',
      'test/unit/server/shared/redis/connection.test.ts',
      'test/unit/server/shared/redis/leases.test.ts',
      'test/unit/server/shared/sessions/redis.test.ts',
    ],
  },
  // npm run test:containers only
  {
    tool: 'podman',
    debianPackage: 'podman',
    neededBy: ['test/containers/compose-stack.ts', 'test/containers/engine.ts'],
  },
  {
    tool: 'debootstrap',
    debianPackage: 'debootstrap',
    neededBy: ['test/containers/engine.ts'],
  },
  {
    tool: 'curl',
    debianPackage: 'curl',
    neededBy: ['test/containers/compose-stack.ts', 'test/containers/engine.ts'],
  },
];

/** Full path of an executable file called `name` in a PATH-style list, or undefined. */
export function findOnPath(name: string, pathList: string): string | undefined {
  for (const dir of pathList.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

export interface MissingTool extends SystemTool {
  /** The test files of this run that need the tool. */
  neededHere: readonly string[];
}

/** The tools the given test files need (all tools when no files are given) that `pathList` lacks. */
export function missingTools(
  files: readonly string[],
  pathList: string,
  tools: readonly SystemTool[] = SYSTEM_TOOLS,
): MissingTool[] {
  const running = new Set(files.map((file) => relative(ROOT, resolve(file)).split(sep).join('/')));
  return tools
    .map((tool) => ({
      ...tool,
      neededHere: files.length === 0 ? tool.neededBy : tool.neededBy.filter((test) => running.has(test)),
    }))
    .filter((tool) => tool.neededHere.length > 0 && findOnPath(tool.tool, pathList) === undefined);
}

export function installHint(debianPackage: string): string {
  return `apt-get install -y ${debianPackage}`;
}

/** One line per missing tool, then one that points at the script installing them all. */
export function report(missing: readonly MissingTool[]): string[] {
  if (missing.length === 0) return [];
  return [
    ...missing.map(
      (t) =>
        `preflight: '${t.tool}' is not on PATH; needed by ${t.neededHere.join(', ')}; install: ${installHint(t.debianPackage)}`,
    ),
    `preflight: ${missing.length} system tool(s) missing; deploy/ci-setup.sh installs them all (as root, on Debian)`,
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lines = report(missingTools(process.argv.slice(2), process.env.PATH ?? ''));
  for (const line of lines) console.error(line);
  process.exitCode = lines.length === 0 ? 0 : 1;
}
