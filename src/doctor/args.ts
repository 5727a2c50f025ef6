import { parseArgs } from 'node:util';
import { UsageError } from '../client/args.js';
import { type ClientAuth, NO_AUTH } from '../client/auth.js';

export const DOCTOR_USAGE = `Usage: beacon doctor --url URL [credentials] [--ca FILE] [--origin ORIGIN]

Checks a Beacon deployment from the outside, one line per check (ok, warn, fail with the fix):
TLS, protocol eras served, the auth challenge and metadata, the credentials, CORS, and whether a
proxy in between buffers streamed notifications. Exits 1 when any check fails.

Options:
  --url URL              the MCP endpoint as clients use it, e.g. https://localhost/mcp (required)
  --api-key KEY | --token TOKEN
  --oauth-client-credentials --client-id ID --client-secret SECRET
  --ca FILE              trust this PEM CA certificate (a proxy's local CA)
  --origin ORIGIN        browser origin for the CORS check (default: the URL's own origin)
  -h, --help             show this help`;

export interface DoctorOptions {
  url: URL;
  auth: ClientAuth;
  caFile: string | undefined;
  origin: string;
}

function authOf(values: Record<string, string | boolean | undefined>): ClientAuth {
  const given = ['api-key', 'token', 'oauth-client-credentials'].filter((flag) => values[flag] !== undefined);
  if (given.length > 1) throw new UsageError(`choose one of --${given.join(', --')}`);
  const text = (flag: string) => {
    const value = values[flag];
    if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag}: a value is required`);
    return value;
  };
  if (values['api-key'] !== undefined) return { kind: 'api-key', key: text('api-key') };
  if (values.token !== undefined) return { kind: 'bearer', token: text('token') };
  if (values['oauth-client-credentials']) {
    return {
      kind: 'oauth-client-credentials',
      clientId: text('client-id'),
      clientSecret: text('client-secret'),
      issuer: undefined,
    };
  }
  if (values['client-id'] !== undefined || values['client-secret'] !== undefined) {
    throw new UsageError('--client-id and --client-secret go with --oauth-client-credentials');
  }
  return NO_AUTH;
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
        'api-key': { type: 'string' },
        token: { type: 'string' },
        'oauth-client-credentials': { type: 'boolean' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
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
