import { text } from 'node:stream/consumers';
import { closeOnSignal } from '../stop-on-signal.js';
import { loadAuthServerConfig } from './config.js';
import { hashPassword } from './passwords.js';
import { startAuthServer } from './server.js';

/**
 * `beacon auth-server` runs the development authorization server until SIGTERM/SIGINT;
 * `beacon auth-server hash-password` reads a password on stdin and prints its hash for the users file.
 */
export async function runAuthServer(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === 'hash-password') {
    const password = (await text(process.stdin)).replace(/\r?\n$/, '');
    if (password === '') {
      process.stderr.write('beacon auth-server hash-password: pipe the password on stdin\n');
      return 2;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(
      `beacon auth-server: unexpected argument "${argv[0]}" (configure it with AUTH_SERVER_* variables)\n`,
    );
    return 2;
  }
  const server = await startAuthServer(loadAuthServerConfig(env));
  await closeOnSignal(server);
  return 0;
}
