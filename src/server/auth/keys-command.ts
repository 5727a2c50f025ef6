import { parseArgs } from 'node:util';
import { createApiKey } from './api-keys.js';
import { TOOLS_SCOPE } from './challenge.js';

export const KEYS_USAGE = `Usage: beacon keys create --id NAME [--scopes a,b]

Creates an API key. Prints the key (shown once, never stored) on the first line of stdout and the
JSON entry to add to API_KEYS_FILE on the second. Reload a running server with SIGHUP.

Options:
  --id NAME        a unique name for the key holder (the principal is apikey:NAME)
  --scopes a,b     scopes the key grants (default ${TOOLS_SCOPE}; "" for list-only access)
`;

export interface KeysIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** `beacon keys …`; returns the exit code (2 for a bad command line). */
export function runKeys(argv: string[], io: KeysIO = process): number {
  let values: { id?: string; scopes?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { id: { type: 'string' }, scopes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    io.stderr.write(`beacon keys: ${(error as Error).message}\n\n${KEYS_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(KEYS_USAGE);
    return 0;
  }
  if (positionals[0] !== 'create' || positionals.length !== 1) {
    io.stderr.write(`beacon keys: expected the subcommand "create"\n\n${KEYS_USAGE}`);
    return 2;
  }
  const id = values.id?.trim() ?? '';
  if (!/^[A-Za-z0-9._@-]{1,128}$/.test(id)) {
    io.stderr.write('beacon keys: --id is required: 1-128 letters, digits, . _ @ or -\n');
    return 2;
  }
  const scopes = (values.scopes ?? TOOLS_SCOPE)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let created: ReturnType<typeof createApiKey>;
  try {
    created = createApiKey(id, scopes);
  } catch {
    io.stderr.write('beacon keys: --scopes must be a comma list of scope names (visible ASCII, no quotes)\n');
    return 2;
  }
  io.stdout.write(`${created.key}\n${JSON.stringify(created.entry)}\n`);
  io.stderr.write(
    `The key above is shown once and stored nowhere. Add the JSON entry to the array in API_KEYS_FILE,\nthen reload the server with SIGHUP (kill -HUP <pid>) or restart it.\n`,
  );
  return 0;
}
