import { parseArgs } from 'node:util';
import type { ClientAuth } from '../client/auth.js';
import { CREDENTIAL_OPTIONS, parseAuth } from '../client/credential-flags.js';
import { UsageError } from '../client/usage-error.js';

export const DOCTOR_USAGE = `Usage: beacon doctor --url URL [credentials] [--ca FILE] [--origin ORIGIN]

Checks a Beacon deployment from the outside, one line per check (ok, warn, fail with the fix):
TLS, protocol eras served, the auth challenge and metadata, the credentials, CORS, and whether a
proxy in between buffers streamed notifications. Exits 1 when any check fails.

Options:
  --url URL              the MCP endpoint as clients use it, e.g. https://localhost/mcp (required)
  --api-key KEY | --token TOKEN
  --oauth-client-credentials --client-id ID --client-secret SECRET [--issuer URL]
  --api-key-file FILE, --token-file FILE, --client-secret-file FILE
                         read that secret from FILE instead of the command line
  --ca FILE              trust this PEM CA certificate (a proxy's local CA)
  --origin ORIGIN        browser origin for the CORS check (default: the URL's own origin)
  -h, --help             show this help`;

export interface DoctorOptions {
  url: URL;
  auth: ClientAuth;
  caFile: string | undefined;
  origin: string;
}

/** Doctor runs unattended, so the interactive `--oauth` sign-in is not offered. */
function authOf(values: Record<string, string | boolean | undefined>): ClientAuth {
  if (values.oauth)
    throw new UsageError('--oauth needs a person at a browser; use --oauth-client-credentials');
  return parseAuth(values);
}

/** Parses `beacon doctor` arguments; `undefined` means help was asked for. Throws UsageError. */
export function parseDoctorArgs(argv: string[]): DoctorOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: 'string' },
        ...CREDENTIAL_OPTIONS,
        ca: { type: 'string' },
        origin: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('. ')[0] ?? 'bad arguments');
  }
  if (values.help) return undefined;
  const raw = values.url;
  if (typeof raw !== 'string') throw new UsageError('--url is required, e.g. --url https://localhost/mcp');
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new UsageError(`--url: expected an http(s) URL, got '${raw}'`);
  }
  const url = new URL(raw);
  const origin = typeof values.origin === 'string' ? values.origin : url.origin;
  if (!URL.canParse(origin))
    throw new UsageError(`--origin: expected an origin such as https://app.example.com, got '${origin}'`);
  if (values.ca === '') throw new UsageError('--ca: empty path');
  return { url, auth: authOf(values), caFile: values.ca as string | undefined, origin };
}
