/**
 * `npm run stack`: the compose stack without a container engine. Caddy (Debian's package, the
 * same Caddyfile), the server, the development authorization server, and one demo client call,
 * all on 127.0.0.1. Prints the URL, the CA to trust and a ready-to-paste client command; Ctrl-C
 * stops everything.
 *
 *   npm run stack -- [--https-port 8443] [--auth-port 8444] [--http-port 8080] [--dir tmp/stack]
 *                    [--replicas 3] [--no-demo]          (0 for a port picks a free one)
 *
 * `--replicas N` (N > 1) runs N replicas sharing a redis-server behind Caddy, as
 * compose.replicas.yml does with containers.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_API_KEY, DEV_CLIENT, type Stack, startStack } from './stack.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`--${flag}: expected a port number, got '${value}'`);
  return n;
}

function replicaCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 16)
    throw new Error(`--replicas: expected 1 to 16, got '${value}'`);
  return n;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

function replicaLines(stack: Stack): string {
  if (stack.servers.length === 1) return `  Logs            ${stack.dir}/{server,auth,caddy}.log`;
  const upstreams = stack.servers.map((server) => server.origin).join(' ');
  return [
    `  Replicas        ${upstreams}   (sharing redis-server on port ${stack.redis?.port})`,
    `  Logs            ${stack.dir}/{server-1…${stack.servers.length},auth,caddy}.log`,
  ].join('\n');
}

function banner(stack: Stack): string {
  const near = relative(process.cwd(), stack.caFile);
  const ca = near.startsWith('..') ? stack.caFile : near;
  const call = (auth: string[]) =>
    [
      'node',
      'dist/cli.js',
      'call',
      '--url',
      stack.mcpUrl,
      '--ca',
      ca,
      ...auth,
      'process_items',
      'alpha',
      'bravo',
      'charlie',
    ]
      .map(shellQuote)
      .join(' ');
  return `
Beacon is up behind Caddy (TLS from Caddy's local CA):
  MCP endpoint    ${stack.mcpUrl}
  OAuth issuer    ${stack.issuer}   (development authorization server)
  Caddy root CA   ${stack.caFile}
${replicaLines(stack)}

Call it with the development API key:
  ${call(['--api-key', DEV_API_KEY])}
or with OAuth client credentials:
  ${call(['--oauth-client-credentials', '--client-id', DEV_CLIENT.id, '--client-secret', DEV_CLIENT.secret])}
Other clients: NODE_EXTRA_CA_CERTS=${ca} (Node), or curl --cacert ${ca}

Press Ctrl-C to stop.
`;
}

/** The fourth role: one client call through Caddy, its output shown as it streams. */
async function demo(stack: Stack): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'call',
      '--url',
      stack.mcpUrl,
      '--ca',
      stack.caFile,
      '--oauth-client-credentials',
      '--client-id',
      DEV_CLIENT.id,
      '--client-secret',
      DEV_CLIENT.secret,
      '--delay-ms',
      '300',
      'process_items',
      'alpha',
      'bravo',
      'charlie',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const prefix = (chunk: Buffer) => chunk.toString('utf8').replace(/^(?=.)/gm, 'client | ');
  child.stdout.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) process.stderr.write(`client | exited with ${code}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'https-port': { type: 'string', default: '8443' },
      'auth-port': { type: 'string', default: '8444' },
      'http-port': { type: 'string', default: '8080' },
      dir: { type: 'string', default: 'tmp/stack' },
      replicas: { type: 'string', default: '1' },
      'no-demo': { type: 'boolean', default: false },
    },
  });
  const stack = await startStack({
    dir: values.dir,
    httpsPort: port('https-port', values['https-port']),
    authPort: port('auth-port', values['auth-port']),
    httpPort: port('http-port', values['http-port']),
    replicas: replicaCount(values.replicas),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stack.stop();
    return stopping;
  };
  const stopped = new Promise<void>((done) => {
    const onSignal = () => void stop().then(done);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  if (!values['no-demo']) await demo(stack);
  process.stdout.write(banner(stack));
  await stopped;
  process.stdout.write('stopped\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
