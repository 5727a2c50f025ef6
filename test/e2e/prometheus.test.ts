import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { metricsUrlOf, requireBinary } from '../helpers/metrics.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'scrape-token-5d1f0b7e9a2c4e68';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('deploy/prometheus.yml and the Grafana dashboard', () => {
  it('pass promtool check config', () => {
    const promtool = requireBinary('promtool', 'prometheus');
    const result = spawnSync(promtool, ['check', 'config', join(ROOT, 'deploy/prometheus.yml')], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('has the panels operators need, each with a query', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/beacon-dashboard.json'), 'utf8'));
    const exprs = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
      p.targets.map((t) => t.expr),
    );
    for (const metric of [
      'beacon_streams_open',
      'beacon_notifications_sent_total',
      'beacon_notification_first_seconds_bucket',
      'beacon_tool_call_duration_seconds_bucket',
      'beacon_requests_rejected_total',
      'beacon_auth_total',
    ]) {
      assert.ok(
        exprs.some((e: string) => e.includes(metric)),
        `a panel charts ${metric}`,
      );
    }
    assert.ok(exprs.some((e: string) => e.includes('histogram_quantile(0.99')));
  });
});

describe('a real Prometheus scraping a running Beacon', () => {
  let beacon: BeaconProcess;
  let prometheus: ChildProcess;
  let api: string;
  let workdir: string;
  let promLog = '';

  const query = async (expr: string): Promise<QueryResult> => {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as QueryResult;
  };

  before(async () => {
    const binary = requireBinary('prometheus', 'prometheus');
    beacon = await startBeacon({ env: { METRICS_TOKEN: TOKEN } });
    const target = new URL(await metricsUrlOf(beacon)).host;
    const client = new Client({ name: 'scrape', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(beacon.mcpUrl)));
    await client.callTool(
      { name: 'process_items', arguments: { items: ['a', 'b', 'c'], delayMs: 0 } },
      { onprogress: () => undefined },
    );
    await client.close();

    workdir = mkdtempSync(join(tmpdir(), 'beacon-prometheus-'));
    const config = join(workdir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s }',
        'scrape_configs:',
        '  - job_name: beacon',
        `    authorization: { type: Bearer, credentials: ${TOKEN} }`,
        `    static_configs: [{ targets: ['${target}'] }]`,
        '  - job_name: beacon-without-token',
        `    static_configs: [{ targets: ['${target}'] }]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(workdir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      promLog += chunk;
    });
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    await beacon?.stop();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  /** Polls an instant query until its first sample has `value`; returns what it saw last. */
  const until = async (expr: string, value: string): Promise<string | undefined> => {
    const deadline = Date.now() + 30_000;
    let seen: string | undefined;
    while (Date.now() < deadline) {
      seen = (await query(expr).catch(() => undefined))?.data.result[0]?.value[1];
      if (seen === value) break;
      assert.equal(prometheus.exitCode, null, `prometheus exited: ${promLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return seen;
  };

  it('reports up == 1 and a beacon_notifications_sent_total series within a few seconds', async () => {
    assert.equal(await until('up{job="beacon"}', '1'), '1', `up never became 1; prometheus log: ${promLog}`);
    const sent = await query(
      'beacon_notifications_sent_total{job="beacon",type="progress",era="2026-07-28"}',
    );
    assert.equal(sent.status, 'success');
    assert.equal(sent.data.result[0]?.value[1], '3', 'three progress notifications, as sent');
  });

  it('gets nothing without the bearer token (up == 0)', async () => {
    assert.equal(await until('up{job="beacon-without-token"}', '0'), '0');
  });

  it('evaluates every dashboard query', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/beacon-dashboard.json'), 'utf8'));
    for (const panel of dashboard.panels as { title: string; targets: { expr: string }[] }[]) {
      for (const { expr } of panel.targets) {
        const result = await query(expr.replaceAll('$__rate_interval', '1m'));
        assert.equal(result.status, 'success', `${panel.title}: ${expr}`);
      }
    }
  });
});
