import { type ClientAuth, NO_AUTH } from './auth.js';
import { UsageError } from './usage-error.js';

/**
 * The credential flags `beacon call` and `beacon doctor` share, parsed one way: at most one kind
 * of credential, and each flag only with the kind it belongs to.
 */
export const CREDENTIAL_OPTIONS = {
  'api-key': { type: 'string' },
  token: { type: 'string' },
  'oauth-client-credentials': { type: 'boolean' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  oauth: { type: 'boolean' },
  issuer: { type: 'string' },
} as const;

export interface AuthFlags {
  'api-key'?: string;
  token?: string;
  'oauth-client-credentials'?: boolean;
  'client-id'?: string;
  'client-secret'?: string;
  oauth?: boolean;
  issuer?: string;
}

function parseIssuer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new UsageError(`--issuer: expected an http(s) URL, got '${value}'`);
  }
  return value;
}

export function parseAuth(flags: AuthFlags): ClientAuth {
  const apiKey = flags['api-key'];
  const token = flags.token;
  const chosen = [apiKey !== undefined, token !== undefined, flags['oauth-client-credentials'], flags.oauth];
  if (apiKey !== undefined && token !== undefined) {
    throw new UsageError('--api-key and --token cannot be used together');
  }
  if (chosen.filter(Boolean).length > 1) {
    throw new UsageError('choose one of --api-key, --token, --oauth-client-credentials and --oauth');
  }
  if (
    (flags['client-id'] !== undefined || flags['client-secret'] !== undefined) &&
    !flags['oauth-client-credentials']
  ) {
    throw new UsageError('--client-id and --client-secret go with --oauth-client-credentials');
  }
  if (flags.issuer !== undefined && !flags.oauth && !flags['oauth-client-credentials']) {
    throw new UsageError('--issuer goes with --oauth or --oauth-client-credentials');
  }
  if (flags['oauth-client-credentials']) {
    const clientId = flags['client-id'];
    const clientSecret = flags['client-secret'];
    if (!clientId || !clientSecret) {
      throw new UsageError('--oauth-client-credentials needs --client-id and --client-secret');
    }
    return { kind: 'oauth-client-credentials', clientId, clientSecret, issuer: parseIssuer(flags.issuer) };
  }
  if (flags.oauth) return { kind: 'oauth', issuer: parseIssuer(flags.issuer) };
  if (apiKey !== undefined) {
    if (apiKey === '') throw new UsageError('--api-key: empty key');
    return { kind: 'api-key', key: apiKey };
  }
  if (token !== undefined) {
    if (token === '') throw new UsageError('--token: empty token');
    return { kind: 'bearer', token };
  }
  return NO_AUTH;
}
