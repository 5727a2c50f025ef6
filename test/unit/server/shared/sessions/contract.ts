import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionDirectory, SessionRecord } from '../../../../../src/server/shared/shared-state.js';

export interface DirectoryHarness {
  /** A fresh directory (on an empty store) with this cap and idle timeout. */
  directory(options: { maxSessions: number; idleTimeoutMs: number }): Promise<SessionDirectory>;
  close(): Promise<void>;
}

const record = (principal: string): SessionRecord => ({
  transport: 'streamable-http',
  principal,
  initialize: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25' } },
});

const wait = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** The cases every SessionDirectory must pass: memory for one process, Redis for replicas. */
export function sessionDirectoryContract(name: string, harness: () => Promise<DirectoryHarness>): void {
  describe(`${name} (SessionDirectory contract)`, { timeout: 30_000 }, () => {
    let h: DirectoryHarness;
    before(async () => {
      h = await harness();
    });
    after(() => h.close());

    it('keeps a record as it was opened, and forgets it when closed', async () => {
      const directory = await h.directory({ maxSessions: 10, idleTimeoutMs: 60_000 });
      assert.equal(await directory.open('s1', record('p1')), true);
      assert.deepEqual(await directory.get('s1'), record('p1'));
      assert.equal(await directory.close('s1'), true);
      assert.equal(await directory.get('s1'), undefined);
      assert.equal(await directory.close('s1'), false, 'closing twice says it was not open');
    });

    it('stores the log level set later', async () => {
      const directory = await h.directory({ maxSessions: 10, idleTimeoutMs: 60_000 });
      await directory.open('s2', record('p1'));
      await directory.setLogLevel('s2', 'warning');
      assert.equal((await directory.get('s2'))?.logLevel, 'warning');
    });

    it('refuses a session beyond MAX_SESSIONS, and takes one again once a place is free', async () => {
      const directory = await h.directory({ maxSessions: 2, idleTimeoutMs: 60_000 });
      assert.equal(await directory.open('a', record('p')), true);
      assert.equal(await directory.open('b', record('p')), true);
      assert.equal(await directory.open('c', record('p')), false);
      await directory.close('a');
      assert.equal(await directory.open('c', record('p')), true);
    });

    it('expires a session idle longer than the timeout, freeing its place; get and touch slide it', async () => {
      const directory = await h.directory({ maxSessions: 1, idleTimeoutMs: 1000 });
      await directory.open('idle', record('p'));
      for (let i = 0; i < 3; i++) {
        await wait(500);
        if (i % 2 === 0) await directory.touch('idle');
        else assert.ok(await directory.get('idle'), 'still alive while used');
      }
      await wait(1300);
      assert.equal(await directory.get('idle'), undefined);
      assert.equal(await directory.open('next', record('p')), true, 'its place is free again');
    });
  });
}
