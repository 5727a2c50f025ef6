import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { requireBinary } from '../helpers/metrics.js';

/**
 * compose.replicas.yml as docker-compose merges it over docker-compose.yml (no engine needed):
 * the replicated stack's shape, and the hardening of its Redis.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = ['-f', join(ROOT, 'docker-compose.yml'), '-f', join(ROOT, 'compose.replicas.yml')];
/** What a replica without SHUTDOWN_DELAY_MS / SHUTDOWN_GRACE_MS drains for. */
const DEFAULTS = loadConfig({});

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  read_only?: boolean;
  user?: string;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  secrets?: Array<{ source: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

function merged(): Record<string, Service> {
  requireBinary('docker-compose', 'docker-compose');
  const result = spawnSync('docker-compose', [...FILES, 'config'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return (parse(result.stdout) as { services: Record<string, Service> }).services;
}

/** "20s", "1m30s" → milliseconds. */
function durationMs(text: string | undefined): number {
  assert.ok(text, 'a stop_grace_period is set');
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return ms;
}

describe('compose.replicas.yml over docker-compose.yml', () => {
  const services = merged();
  const replicas = Object.keys(services).filter((name) => services[name]?.command?.[0] === 'serve');

  it('runs Redis, at least three Beacon replicas, Caddy, auth and the client', () => {
    assert.ok(replicas.length >= 3, `replicas: ${replicas.join(', ')}`);
    for (const name of ['redis', 'caddy', 'auth', 'client', 'ca-export'])
      assert.ok(services[name], `${name} is part of the stack`);
  });

  it('Caddy lists every replica, statically (active /readyz checks run for static lists only)', () => {
    const env = services.caddy?.environment ?? {};
    assert.equal(env.MCP_UPSTREAM_DISCOVERY, 'static');
    assert.deepEqual(
      (env.MCP_UPSTREAM ?? '').split(' ').sort(),
      replicas.map((name) => `${name}:3000`).sort(),
    );
  });

  it('the replicas are one definition: identical apart from a distinct REPLICA_ID', () => {
    const { REPLICA_ID: _first, ...firstEnv } = services[replicas[0] ?? '']?.environment ?? {};
    const ids = new Set<string | undefined>();
    for (const name of replicas) {
      const { environment = {}, ...rest } = services[name] ?? {};
      const { REPLICA_ID, ...env } = environment;
      ids.add(REPLICA_ID);
      assert.deepEqual(env, firstEnv, `${name} environment`);
      const { environment: _e, ...firstRest } = services[replicas[0] ?? ''] ?? {};
      assert.deepEqual(rest, firstRest, name);
    }
    assert.equal(ids.size, replicas.length, 'every replica names itself differently');
  });

  it('every replica shares Redis, with the password from a secret file and none in the URL', () => {
    for (const name of replicas) {
      const service = services[name] ?? {};
      const env = service.environment ?? {};
      assert.equal(env.REDIS_URL, 'redis://redis:6379/0', name);
      assert.equal(env.REDIS_PASSWORD_FILE, '/run/secrets/redis_password', name);
      assert.ok(
        service.secrets?.some((s) => s.source === 'redis_password'),
        name,
      );
      assert.equal(service.depends_on?.redis?.condition, 'service_healthy', name);
    }
  });

  it('stop_grace_period outlasts SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS, here and in the single stack', () => {
    for (const name of replicas) {
      const service = services[name] ?? {};
      const env = service.environment ?? {};
      const drain = Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_GRACE_MS);
      assert.ok(drain > 0, `${name} sets both`);
      assert.ok(durationMs(service.stop_grace_period) > drain, `${name}: ${service.stop_grace_period}`);
    }
    const single = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, Service>;
    };
    const server = single.services.server ?? {};
    assert.ok(server.environment?.SHUTDOWN_GRACE_MS === undefined, 'the single stack keeps the defaults');
    assert.ok(
      durationMs(server.stop_grace_period) > DEFAULTS.shutdownDelayMs + DEFAULTS.shutdownGraceMs,
      server.stop_grace_period,
    );
  });

  describe('Redis', () => {
    const redis = services.redis ?? {};

    it('publishes no port and sits on the internal network only', () => {
      assert.equal(redis.ports, undefined);
    });

    it('runs read-only, as a non-root user, without capabilities or privilege escalation', () => {
      assert.equal(redis.read_only, true);
      assert.match(redis.user ?? '', /^[1-9]\d*(:\d+)?$/, 'a numeric non-root user');
      assert.deepEqual(redis.cap_drop, ['ALL']);
      assert.deepEqual(redis.security_opt, ['no-new-privileges:true']);
      assert.ok(
        redis.tmpfs?.some((mount) => mount.startsWith('/tmp:')),
        'a tmpfs for the shell here-document',
      );
    });

    it('keeps its data in an append-only file on a named volume', () => {
      const command = (redis.command ?? []).join(' ');
      assert.match(command, /--appendonly yes/);
      assert.match(command, /--dir \/data/);
      assert.ok(
        redis.volumes?.some((volume) => /^redis_data:\/data(:rw)?$/.test(volume)),
        'volume',
      );
    });

    it('takes its password from the secret file, never from the environment or the command line', () => {
      assert.ok(redis.secrets?.some((s) => s.source === 'redis_password'));
      const command = (redis.command ?? []).join(' ');
      // `$$` is compose's escape for a `$` that the container's shell expands.
      assert.match(command, /requirepass "\$\$\(cat \/run\/secrets\/redis_password\)"/);
      assert.doesNotMatch(command, /--requirepass/, 'a --requirepass argument would show in ps');
      assert.equal(redis.environment, undefined);
    });

    it('has a healthcheck that authenticates', () => {
      const test = (redis.healthcheck?.test ?? []).join(' ');
      assert.match(test, /REDISCLI_AUTH=.*\/run\/secrets\/redis_password.*redis-cli ping/);
    });
  });

  it('the development password is marked as such', () => {
    const secret = readFileSync(join(ROOT, 'deploy/dev-secrets/redis-password'), 'utf8');
    assert.match(secret, /^local-development-only-/);
    assert.match(readFileSync(join(ROOT, 'deploy/dev-secrets/README.md'), 'utf8'), /redis-password/);
  });

  it('documents every variable it reads in .env.example', () => {
    const code = readFileSync(join(ROOT, 'compose.replicas.yml'), 'utf8').replace(/^\s*#.*$/gm, '');
    const used = new Set([...code.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const documented = readFileSync(join(ROOT, '.env.example'), 'utf8');
    assert.deepEqual(
      [...used].filter((name) => !new RegExp(`^${name}=`, 'm').test(documented)),
      [],
    );
  });
});
