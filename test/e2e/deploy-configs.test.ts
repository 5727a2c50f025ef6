import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { requireBinary } from '../helpers/metrics.js';

/** The deployment files as their own tools read them; none of this needs a container engine. */

const ROOT = resolve(import.meta.dirname, '../..');
const CADDYFILE = join(ROOT, 'Caddyfile');
const COMPOSE = join(ROOT, 'docker-compose.yml');

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** The native stack's settings: loopback ports, local upstreams. */
const NATIVE_ENV = {
  SITE_ADDRESS: 'localhost',
  AUTH_SITE_ADDRESS: 'localhost:18444',
  MCP_UPSTREAM: '127.0.0.1:13000',
  AUTH_UPSTREAM: '127.0.0.1:14000',
  CADDY_BIND: '127.0.0.1',
  CADDY_HTTP_PORT: '18080',
  CADDY_HTTPS_PORT: '18443',
  CADDY_ADMIN: '127.0.0.1:12019',
  CADDY_METRICS_ADDRESS: '127.0.0.1:12020',
};

/** The three ways MCP_UPSTREAM is read: one upstream (the default), a static list, DNS discovery. */
const UPSTREAM_SHAPES: Record<string, Record<string, string>> = {
  'one upstream': NATIVE_ENV,
  'a list of three': { ...NATIVE_ENV, MCP_UPSTREAM: '127.0.0.1:13001 127.0.0.1:13002 127.0.0.1:13003' },
  'DNS discovery': { ...NATIVE_ENV, MCP_UPSTREAM_DISCOVERY: 'dns', MCP_UPSTREAM: 'beacon-headless:3000' },
};

/** `caddy adapt` with these placeholders: the JSON config Caddy would run. */
function adapted(env: Record<string, string>): string {
  const { code, out } = run('caddy', ['adapt', '--config', CADDYFILE, '--adapter', 'caddyfile'], env);
  assert.equal(code, 0, out);
  return out.slice(out.indexOf('{'));
}

interface ProxyRoute {
  /** The methods the route's matcher names ([] when it names none). */
  methods: string[];
  tryDuration: number | undefined;
}

/** Every MCP reverse_proxy handler of an adapted config, with the method its route matches. */
function reverseProxies(config: unknown, methods: string[] = []): ProxyRoute[] {
  if (Array.isArray(config)) return config.flatMap((item) => reverseProxies(item, methods));
  if (config === null || typeof config !== 'object') return [];
  const node = config as Record<string, unknown>;
  const matched = (node.match as Array<{ method?: string[] }> | undefined)?.flatMap((m) => m.method ?? []);
  const here = matched && matched.length > 0 ? matched : methods;
  if (node.handler === 'reverse_proxy' && node.health_checks !== undefined) {
    const balancing = node.load_balancing as { try_duration?: number } | undefined;
    return [{ methods: here, tryDuration: balancing?.try_duration }];
  }
  return Object.values(node).flatMap((value) => reverseProxies(value, here));
}

describe('Caddyfile', () => {
  it('is valid with its defaults (compose) and for one upstream, a list of three and DNS discovery', () => {
    requireBinary('caddy', 'caddy');
    for (const env of [{}, ...Object.values(UPSTREAM_SHAPES)]) {
      const { code, out } = run('caddy', ['validate', '--config', CADDYFILE, '--adapter', 'caddyfile'], env);
      assert.equal(code, 0, out);
      assert.match(out, /Valid configuration/);
    }
  });

  it('never sets flush_interval (it would stop cancelling upstream requests) nor compresses', () => {
    for (const env of Object.values(UPSTREAM_SHAPES)) {
      const json = adapted(env);
      assert.doesNotMatch(json, /flush_interval/);
      assert.doesNotMatch(json, /"handler":"encode"/);
      assert.match(json, /"listen":\["127\.0\.0\.1:18443"\]/, 'the native stack binds to loopback only');
    }
    assert.match(adapted(NATIVE_ENV), /"dial":"127\.0\.0\.1:13000"/);
  });

  it('a static list: every replica dialled, session header hashed, the rest least-loaded, /readyz checked', () => {
    const json = adapted(UPSTREAM_SHAPES['a list of three'] ?? {});
    for (const port of [13001, 13002, 13003]) {
      assert.equal(json.split(`"dial":"127.0.0.1:${port}"`).length - 1, 4, `${port} in all four proxies`);
    }
    assert.match(json, /"selection_policy":\{"field":"Mcp-Session-Id","policy":"header"\}/);
    assert.match(json, /"selection_policy":\{"policy":"least_conn"\}/);
    assert.match(json, /"match":\[\{"header":\{"Mcp-Session-Id":\["\*"\]\}\}\]/);
    assert.match(json, /"active":\{[^}]*"uri":"\/readyz"/);
    assert.match(json, /"passive":\{"fail_duration":5000000000,"max_fails":1\}/);
    assert.doesNotMatch(json, /retry_match/);
    // `keepalive` alone would leave Go's 2 idle connections per replica: churn under load.
    assert.equal(json.split('"max_idle_conns_per_host":32').length - 1, 4);
    // Caddy 2.6 cannot replay a POST's body: POSTs get no retries, the other methods 5 s of them.
    const proxies = reverseProxies(JSON.parse(json));
    assert.equal(proxies.length, 4);
    for (const { methods, tryDuration } of proxies) {
      assert.equal(tryDuration, methods.includes('POST') ? undefined : 5_000_000_000, `methods ${methods}`);
    }
  });

  it('DNS discovery: one name:port split for `dynamic a`, passive checks only', () => {
    const json = adapted(UPSTREAM_SHAPES['DNS discovery'] ?? {});
    assert.match(
      json,
      /"dynamic_upstreams":\{"name":"\{beacon_upstream_name\}","port":"\{beacon_upstream_port\}","refresh":5000000000,"source":"a"\}/,
    );
    assert.match(json, /"handler":"map","mappings":\[\{"input_regexp":"\^\(\.\+\):\(\[0-9\]\+\)\$"/);
    assert.match(json, /"source":"beacon-headless:3000"/);
    assert.doesNotMatch(json, /"dial":"beacon-headless/, 'the name is resolved, never dialled as such');
    assert.doesNotMatch(json, /"active":/, 'Caddy 2.6 runs no active checks for dynamic upstreams');
  });

  it('is formatted the way caddy fmt writes it', () => {
    const { out } = run('caddy', ['fmt', CADDYFILE]);
    assert.equal(out.trim(), readFileSync(CADDYFILE, 'utf8').trim());
  });
});

describe('docker-compose.yml', () => {
  it('validates with docker-compose config, no engine needed', () => {
    requireBinary('docker-compose', 'docker-compose');
    const { code, out } = run('docker-compose', ['-f', COMPOSE, 'config', '-q']);
    assert.equal(code, 0, out);
    const services = run('docker-compose', ['-f', COMPOSE, 'config', '--services'])
      .out.split('\n')
      .filter(Boolean);
    assert.deepEqual(services.sort(), ['auth', 'ca-export', 'caddy', 'client', 'prometheus', 'server']);
    // Prometheus only with --profile monitoring.
    assert.match(
      run('docker-compose', ['-f', COMPOSE, 'config']).out,
      /^ {2}prometheus:\n(?: {4}.*\n)*? {4}profiles:\n {4}- monitoring$/m,
    );
  });

  it('publishes ports on caddy only', () => {
    const { out } = run('docker-compose', ['-f', COMPOSE, 'config']);
    const published = [...out.matchAll(/^ {2}(\S+):\n((?: {4}.*\n)+)/gm)]
      .filter(([, , body]) => /^ {4}ports:/m.test(body ?? ''))
      .map(([, name]) => name);
    assert.deepEqual(published, ['caddy']);
  });

  it('documents every variable it reads in .env.example', () => {
    const code = readFileSync(COMPOSE, 'utf8').replace(/^\s*#.*$/gm, '');
    const used = new Set([...code.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    assert.ok(used.size > 10, 'found the variables');
    const documented = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const missing = [...used].filter((name) => !new RegExp(`^${name}=`, 'm').test(documented));
    assert.deepEqual(missing, []);
  });
});

describe('deploy/prometheus.yml', () => {
  it('passes promtool check config', (t) => {
    const file = join(ROOT, 'deploy/prometheus.yml');
    if (!existsSync(file)) return t.skip('no deploy/prometheus.yml yet');
    requireBinary('promtool', 'prometheus');
    const { code, out } = run('promtool', ['check', 'config', file]);
    assert.equal(code, 0, out);
  });
});
