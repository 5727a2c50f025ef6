import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runBeaconCli } from '../helpers/beacon-cli.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';

/**
 * The classic misconfiguration, on purpose: a reverse proxy that reads the whole upstream
 * response before sending any of it (nginx's default proxy_buffering, for instance).
 */
function bufferingProxy(upstreamPort: number): Server {
  return createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
}

const doctor = (args: string[]) => runBeaconCli(['doctor', ...args]);

describe('beacon doctor', () => {
  let beacon: BeaconProcess;
  let proxy: Server;
  let proxyUrl: string;
  before(async () => {
    beacon = await startBeacon();
    proxy = bufferingProxy(beacon.port);
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
  });
  after(async () => {
    proxy?.closeAllConnections();
    proxy?.close();
    await beacon?.stop();
  });

  it('passes the proxy-buffering check when talking to Beacon directly', async () => {
    const { code, stdout } = await doctor(['--url', beacon.mcpUrl]);
    assert.match(stdout, /^ok\s+proxy buffering\s+5 notifications arrived over \d+ ms/m);
    assert.match(stdout, /^warn\s+auth challenge\s+the endpoint answers without credentials/m);
    assert.equal(code, 0, stdout);
  });

  it('fails a buffering proxy with the buffering message and its fix, and exits 1', async () => {
    const { code, stdout } = await doctor(['--url', proxyUrl]);
    assert.match(
      stdout,
      /^FAIL\s+proxy buffering\s+5 notifications emitted 300 ms apart arrived within \d+ ms: something between client and server buffers the response/m,
    );
    assert.match(stdout, /fix: turn off response buffering for text\/event-stream/);
    assert.equal(code, 1);
  });

  it('refuses a bad command line with exit 2 and names the flag', async () => {
    assert.equal((await doctor([])).code, 2);
    assert.equal((await doctor(['--url', 'ftp://x/mcp'])).code, 2);
    assert.equal((await doctor(['--url', beacon.mcpUrl, '--api-key', 'a', '--token', 'b'])).code, 2);
  });

  it('fails TLS to a port that does not speak it, and stops there', async () => {
    const { code, stdout } = await doctor(['--url', `https://localhost:${beacon.port}/mcp`]);
    assert.match(stdout, /^FAIL\s+TLS\s+no TLS handshake/m);
    assert.doesNotMatch(stdout, /proxy buffering/);
    assert.equal(code, 1);
  });
});
