import { type ClientAuth, NO_AUTH } from './auth.js';
import { readSecretFile } from './secret-file.js';
import { UsageError } from './usage-error.js';

/**
 * The credential flags `beacon call` and `beacon doctor` share, parsed one way: at most one kind
 * of credential, and each flag only with the kind it belongs to. Every secret-bearing flag has a
 * `-file` twin, so the secret need not sit in argv, where `ps` shows it to every local user.
 */
export const CREDENTIAL_OPTIONS = {
  'api-key': { type: 'string' },
  'api-key-file': { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'oauth-client-credentials': { type: 'boolean' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-file': { type: 'string' },
  oauth: { type: 'boolean' },
  issuer: { type: 'string' },
} as const;

type SecretFlag = 'api-key' | 'token' | 'client-secret';

export type AuthFlags = {
  [name in SecretFlag | `${SecretFlag}-file` | 'client-id' | 'issuer']?: string;
} & {
  'oauth-client-credentials'?: boolean;
  oauth?: boolean;
};

/** Which of `--NAME` and `--NAME-file` was given, as the user spelled it; never both. */
function givenFlag(flags: AuthFlags, name: SecretFlag): string | undefined {
  const inline = flags[name] !== undefined;
  const file = flags[`${name}-file`] !== undefined;
  if (inline && file) throw new UsageError(`--${name} and --${name}-file cannot be used together`);
  return inline ? `--${name}` : file ? `--${name}-file` : undefined;
}

/** The secret of `--NAME` or `--NAME-file`, read only once the flags are known to fit together. */
function secretOf(flags: AuthFlags, name: SecretFlag): string {
  const file = flags[`${name}-file`];
  if (file !== undefined) return readSecretFile(`--${name}-file`, file);
  const value = flags[name] ?? '';
  if (value === '') throw new UsageError(`--${name}: empty value`);
  return value;
}

function parseIssuer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new UsageError(`--issuer: expected an http(s) URL, got '${value}'`);
  }
  return value;
}

export function parseAuth(flags: AuthFlags): ClientAuth {
  const apiKey = givenFlag(flags, 'api-key');
  const token = givenFlag(flags, 'token');
  const clientSecret = givenFlag(flags, 'client-secret');
  const clientCredentials = flags['oauth-client-credentials'] === true;
  if (apiKey && token) throw new UsageError(`${apiKey} and ${token} cannot be used together`);
  if ([apiKey, token, clientCredentials, flags.oauth].filter(Boolean).length > 1) {
    throw new UsageError('choose one of --api-key, --token, --oauth-client-credentials and --oauth');
  }
  if ((flags['client-id'] !== undefined || clientSecret) && !clientCredentials) {
    throw new UsageError(
      `--client-id and ${clientSecret ?? '--client-secret'} go with --oauth-client-credentials`,
    );
  }
  if (flags.issuer !== undefined && !flags.oauth && !clientCredentials) {
    throw new UsageError('--issuer goes with --oauth or --oauth-client-credentials');
  }
  if (clientCredentials) {
    const clientId = flags['client-id'];
    if (!clientId || !clientSecret) {
      throw new UsageError(
        '--oauth-client-credentials needs --client-id and --client-secret (or --client-secret-file)',
      );
    }
    return {
      kind: 'oauth-client-credentials',
      clientId,
      clientSecret: secretOf(flags, 'client-secret'),
      issuer: parseIssuer(flags.issuer),
    };
  }
  if (flags.oauth) return { kind: 'oauth', issuer: parseIssuer(flags.issuer) };
  if (apiKey) return { kind: 'api-key', key: secretOf(flags, 'api-key') };
  if (token) return { kind: 'bearer', token: secretOf(flags, 'token') };
  return NO_AUTH;
}
