import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classifyError, EXIT } from '../../../src/client/errors.js';
import { fetchTrustingCa } from '../../../src/client/tls-fetch.js';

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it. */
async function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Beacon test CA',
  );
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
  const read = (name: string) => readFile(join(dir, name), 'utf8');
  return { ca: await read('ca.pem'), cert: await read('server.pem'), key: await read('server.key') };
}

describe('fetchTrustingCa', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let ca: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-ca-'));
    const material = await makeCertificates(dir);
    ca = material.ca;
    server = createServer({ cert: material.cert, key: material.key }, (_req, res) =>
      res.end('hello over tls'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('plain fetch refuses the private CA, and that maps to exit 3 pointing at --ca', async () => {
    const error = await fetch(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error, 'expected the default trust store to refuse the certificate');
    const failure = classifyError(error, { url: new URL(url), phase: 'connect', credentials: false });
    assert.equal(failure.exitCode, EXIT.connection);
    assert.match(failure.message, /--ca FILE/);
  });

  it('trusts the extra CA', async () => {
    const trusting = await fetchTrustingCa(ca);
    const response = await trusting(url);
    assert.equal(await response.text(), 'hello over tls');
  });
});
