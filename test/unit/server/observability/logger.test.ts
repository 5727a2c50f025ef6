import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../../../src/server/observability/logger.js';

function capture(level: 'debug' | 'trace' = 'trace') {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel: level, logFormat: 'json', replicaId: 'beacon-7f9c' },
    { write: (line: string) => lines.push(line) },
  );
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level, time, service, replica and message', () => {
    const { logger, lines } = capture();
    logger.info({ answer: 42 }, 'hello');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] as string);
    assert.equal(entry.msg, 'hello');
    assert.equal(entry.level, 30);
    assert.equal(entry.service, 'beacon');
    assert.equal(entry.replica, 'beacon-7f9c');
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT/);
  });

  it("names the replica on a child logger's lines too, at every level", () => {
    const { logger, lines } = capture();
    const child = logger.child({ component: 'redis' });
    child.trace('a');
    child.warn('b');
    logger.error({ detail: 1 }, 'c');
    assert.equal(lines.length, 3);
    for (const line of lines) assert.equal(JSON.parse(line).replica, 'beacon-7f9c');
  });

  it('blanks credentials wherever a caller puts them, at every level', () => {
    const { logger, lines } = capture('trace');
    const secret = (n: number) => `sekrit-${n}`;
    logger.trace({
      req: { headers: { authorization: secret(1), 'x-api-key': secret(2), cookie: secret(3) } },
    });
    logger.debug({ headers: { Authorization: secret(4), 'X-API-Key': secret(5), Cookie: secret(6) } });
    logger.info({
      token: secret(7),
      nested: { access_token: secret(8), deeper: { refresh_token: secret(9) } },
    });
    logger.warn({ client: { client_secret: secret(10), password: secret(11), apiKey: secret(12) } });
    logger.error({
      res: { headers: { 'set-cookie': secret(13) } },
      id_token: secret(14),
      secret: secret(15),
    });
    logger.child({ token: secret(16) }).info('bound');
    const text = lines.join('');
    assert.equal(lines.length, 6);
    assert.doesNotMatch(text, /sekrit/);
    assert.match(text, /\[redacted\]/);
  });

  it('prints human-readable lines with LOG_FORMAT=pretty, still redacted', () => {
    const module = resolve(import.meta.dirname, '../../../../src/server/observability/logger.ts');
    const script = `
      import { createLogger } from ${JSON.stringify(module)};
      const logger = createLogger({ logLevel: 'debug', logFormat: 'pretty', replicaId: 'replica-pretty' });
      logger.info({ token: 'sekrit-pretty' }, 'pretty hello');
      logger.flush();
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 20_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /INFO.*pretty hello/);
    assert.match(result.stdout, /replica-pretty/);
    assert.doesNotMatch(result.stdout, /^\{/m, 'not JSON');
    assert.doesNotMatch(result.stdout, /sekrit/);
  });
});

describe('createLogger error serialisation', () => {
  it('blanks credential fields an error carries', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { logLevel: 'info', logFormat: 'json', replicaId: 'test' },
      { write: (line: string) => void lines.push(line) },
    );
    logger.error({ err: Object.assign(new Error('refused'), { token: 'sekrit-err' }) }, 'failed');
    assert.doesNotMatch(lines.join(''), /sekrit/);
    assert.match(lines.join(''), /refused/);
  });
});
