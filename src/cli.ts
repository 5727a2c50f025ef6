#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { closeOnSignal } from './stop-on-signal.js';

const USAGE = `Usage: beacon <command> [options]

Commands:
  serve         run the MCP server (configured by environment variables; see README)
  call          call a tool and print each notification as it arrives (beacon call --help)
  healthcheck   exit 0 when the local server answers /healthz, 1 otherwise
  doctor        check a deployment from the outside: TLS, eras, auth, CORS, proxy buffering
                (beacon doctor --url https://host/mcp --help)
  keys          create an API key (beacon keys create --id NAME --scopes a,b)
  auth-server   run the development OAuth authorization server (not for production)
                (beacon auth-server hash-password < password: hash a password for its users file)
`;

async function serveCommand(): Promise<number> {
  const { serve } = await import('./server/serve.js');
  const server = await serve(loadConfig(process.env));
  await closeOnSignal(server);
  return 0;
}

async function healthcheckCommand(): Promise<number> {
  const config = loadConfig(process.env);
  const host = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  try {
    const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${config.port}/healthz`, {
      signal: AbortSignal.timeout(3000),
    });
    return res.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand();
    case 'call': {
      const { runCall } = await import('./client/call.js');
      return runCall(rest);
    }
    case 'doctor': {
      const { runDoctor } = await import('./doctor/doctor.js');
      return runDoctor(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    }
    case 'healthcheck':
      return healthcheckCommand();
    case 'keys': {
      const { runKeys } = await import('./server/auth/keys-command.js');
      return runKeys(rest);
    }
    case 'auth-server': {
      const { runAuthServer } = await import('./auth-server/command.js');
      return runAuthServer(rest, process.env);
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`beacon: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`beacon: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`beacon: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
