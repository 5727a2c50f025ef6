import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message.includes('\n'), false, 'one line');
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('defaults to loopback, port 3000, and loopback Host/Origin allowlists', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3000);
    assert.equal(config.publicUrl.href, 'http://127.0.0.1:3000/mcp');
    assert.ok(config.allowedHosts.includes('localhost'));
    assert.ok(config.allowedOrigins.includes('127.0.0.1'));
    assert.deepEqual(config.corsOrigins, []);
    assert.ok(Object.isFrozen(config));
  });

  it('adds the PUBLIC_URL host to the allowlists', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/mcp' });
    assert.ok(config.allowedHosts.includes('mcp.example.com'));
    assert.ok(config.allowedOrigins.includes('mcp.example.com'));
  });

  it('takes origins as hostnames, port-agnostic', () => {
    const config = loadConfig({ ALLOWED_ORIGINS: 'https://app.example.com:8443, tools.example.org' });
    assert.deepEqual(config.allowedOrigins, ['app.example.com', 'tools.example.org']);
  });

  it('waits SHUTDOWN_DELAY_MS (default 5000) after SIGTERM before it stops accepting', () => {
    assert.equal(loadConfig({}).shutdownDelayMs, 5000);
    assert.equal(loadConfig({ SHUTDOWN_DELAY_MS: '0' }).shutdownDelayMs, 0);
    assert.equal(loadConfig({ SHUTDOWN_DELAY_MS: '3000' }).shutdownDelayMs, 3000);
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).port, 3000);
  });

  for (const [name, value, allowed] of [
    ['PORT', 'http', /PORT must be a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT must be a whole number from 0 to 65535/],
    ['MAX_SESSIONS', '0', /MAX_SESSIONS/],
    ['SESSION_IDLE_TIMEOUT_MS', '-5', /SESSION_IDLE_TIMEOUT_MS/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['LOG_FORMAT', 'xml', /LOG_FORMAT must be json or pretty/],
    ['PUBLIC_URL', 'not a url', /PUBLIC_URL must be an absolute/],
    ['PUBLIC_URL', 'ftp://example.com/mcp', /PUBLIC_URL must use http or https/],
    ['BODY_LIMIT_BYTES', '12', /BODY_LIMIT_BYTES/],
    ['EVENT_STORE_MAX_EVENTS', 'many', /EVENT_STORE_MAX_EVENTS/],
    ['SHUTDOWN_DELAY_MS', '-1', /SHUTDOWN_DELAY_MS must be a whole number from 0 to 600000/],
    ['SHUTDOWN_DELAY_MS', '600001', /SHUTDOWN_DELAY_MS must be a whole number from 0 to 600000/],
    ['SHUTDOWN_DELAY_MS', '5s', /SHUTDOWN_DELAY_MS must be a whole number from 0 to 600000/],
  ] as const) {
    it(`names ${name} when it is ${JSON.stringify(value)}`, () => {
      const message = refusal({ [name]: value });
      assert.match(message, allowed);
      assert.ok(message.includes(name));
    });
  }

  it('reports every bad variable in one line', () => {
    const message = refusal({ PORT: 'x', LOG_LEVEL: 'y' });
    assert.match(message, /PORT/);
    assert.match(message, /LOG_LEVEL/);
  });
});

describe('loadConfig: the metrics listener', () => {
  it('defaults to 127.0.0.1:9464 without a token', () => {
    assert.deepEqual(
      { ...loadConfig({ AUTH_MODE: 'none' }).metrics },
      {
        host: '127.0.0.1',
        port: 9464,
        token: undefined,
      },
    );
  });

  it('takes METRICS_HOST, METRICS_PORT (0 = a free port) and METRICS_TOKEN', () => {
    const token = 'a-long-metrics-token-value';
    const config = loadConfig({
      AUTH_MODE: 'none',
      METRICS_HOST: '0.0.0.0',
      METRICS_PORT: '0',
      METRICS_TOKEN: token,
    });
    assert.deepEqual({ ...config.metrics }, { host: '0.0.0.0', port: 0, token });
    assert.ok(Object.isFrozen(config.metrics));
  });

  it('names METRICS_PORT when it is not a port', () => {
    assert.match(refusal({ METRICS_PORT: '99999' }), /METRICS_PORT must be a whole number from 0 to 65535/);
  });

  it('refuses METRICS_PORT equal to PORT, which would put metrics on the public listener', () => {
    assert.match(
      refusal({ AUTH_MODE: 'none', PORT: '8080', METRICS_PORT: '8080' }),
      /METRICS_PORT must differ from PORT/,
    );
  });

  it('names METRICS_TOKEN when it is too short, without echoing it', () => {
    const message = refusal({ METRICS_TOKEN: 'short-secret' });
    assert.match(message, /METRICS_TOKEN must be at least 16 visible ASCII characters/);
    assert.ok(!message.includes('short-secret'));
  });
});

describe('REDIS_PASSWORD_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-config-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads the password from the file (trailing newline dropped) beside REDIS_URL', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://redis:6379/0',
      REDIS_PASSWORD_FILE: file('pw', 'dev-only-redis-password\n'),
    });
    assert.equal(config.redis?.url, 'redis://redis:6379/0');
    assert.equal(config.redis?.password, 'dev-only-redis-password');
    assert.equal(loadConfig({ REDIS_URL: 'redis://redis:6379' }).redis?.password, undefined);
  });

  it('names the variable and the path when the file cannot be used, never its content', () => {
    const missing = join(dir, 'absent');
    assert.match(
      refusal({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: missing }),
      new RegExp(`^Invalid configuration: REDIS_PASSWORD_FILE: cannot read '${missing}' \\(ENOENT\\)$`),
    );
    assert.match(
      refusal({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: file('empty', '\n') }),
      /REDIS_PASSWORD_FILE: '.*empty' is empty/,
    );
    const twoLines = refusal({
      REDIS_URL: 'redis://redis:6379',
      REDIS_PASSWORD_FILE: file('two', 'secret-line-one\nsecret-line-two\n'),
    });
    assert.match(twoLines, /REDIS_PASSWORD_FILE: .* holds more than one line/);
    assert.doesNotMatch(twoLines, /secret-line/);
  });

  it('needs REDIS_URL, and refuses a second password in the URL', () => {
    assert.match(
      refusal({ REDIS_PASSWORD_FILE: file('alone', 'pw') }),
      /REDIS_PASSWORD_FILE is set but REDIS_URL is not/,
    );
    const both = refusal({
      REDIS_URL: 'redis://:url-password-xyz@redis:6379',
      REDIS_PASSWORD_FILE: file('both', 'pw'),
    });
    assert.match(both, /REDIS_URL carries a password and REDIS_PASSWORD_FILE is set/);
    assert.doesNotMatch(both, /url-password-xyz/);
  });
});

describe('CORS_ORIGINS', () => {
  it('takes exact origins and lets them pass the Origin check too', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });
    assert.deepEqual(config.corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.ok(config.allowedOrigins.includes('app.example.com'));
  });

  for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://x.example']) {
    it(`refuses ${JSON.stringify(bad)}, naming CORS_ORIGINS`, () => {
      assert.throws(() => loadConfig({ CORS_ORIGINS: bad }), /CORS_ORIGINS must list exact origins/);
    });
  }
});
