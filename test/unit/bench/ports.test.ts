import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort } from '../../../bench/lib/targets.js';

describe('bench freePort', () => {
  it('hands out distinct ports below the ephemeral range, each free to bind', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    assert.equal(new Set(ports).size, 3);
    for (const port of ports) {
      assert.ok(port >= 20_000 && port < 32_000, `port ${port}`);
      const server = createServer().listen(port, '127.0.0.1');
      await once(server, 'listening');
      server.close();
    }
  });

  it('skips a port something else is listening on', async () => {
    const probe = await freePort();
    // The next port in the block is taken before the harness asks for it.
    const squatter = createServer().listen(probe + 1, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const port = await freePort();
      assert.notEqual(port, probe + 1);
      assert.ok(port > probe + 1 || port < probe, `port ${port} after ${probe}`);
    } finally {
      squatter.close();
    }
  });
});
