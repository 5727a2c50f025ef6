import {
  InsufficientScopeError,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { UsageError } from './args.js';

/** `beacon call` exit codes; scripts branch on these, so they are part of the CLI's contract. */
export const EXIT = {
  ok: 0,
  /** The tool returned `isError: true`, or the server answered with a protocol error. */
  failed: 1,
  usage: 2,
  /** Refused, unresolvable, TLS failure, or an HTTP failure before the MCP exchange worked. */
  connection: 3,
  /** 401/403 from the server. */
  auth: 4,
  /** 128 + SIGINT, the shell convention for Ctrl-C. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Failure {
  exitCode: ExitCode;
  /** One line, no stack trace. */
  message: string;
}

/** Where the failure happened: before `connect()` resolved, or during the call itself. */
export type Phase = 'connect' | 'call';

/** Certificate problems: the fix is usually to trust the right CA. */
const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
};

/** Errors wrap errors (fetch → TypeError → cause → system error); collect the whole chain. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() || 'unknown error';
}

function httpStatus(error: unknown): number | undefined {
  if (error instanceof SdkHttpError) return error.status;
  return undefined;
}

function authFailure(status: 401 | 403, context: ErrorContext): Failure {
  const origin = context.url.origin;
  if (status === 403) {
    return {
      exitCode: EXIT.auth,
      message: `access denied by ${origin} (HTTP 403): the credentials lack permission`,
    };
  }
  return {
    exitCode: EXIT.auth,
    message: context.credentials
      ? `authentication failed at ${origin} (HTTP 401): the server refused the --api-key or --token`
      : `authentication required by ${origin} (HTTP 401): pass --api-key or --token`,
  };
}

export interface ErrorContext {
  url: URL;
  phase: Phase;
  /** Whether --api-key or --token was given, so a 401 can say which mistake it was. */
  credentials: boolean;
}

/** Maps anything `beacon call` can throw to an exit code and one line for stderr. */
export function classifyError(error: unknown, context: ErrorContext): Failure {
  const { url, phase } = context;
  if (error instanceof UsageError) return { exitCode: EXIT.usage, message: error.message };

  const chain = causeChain(error);
  for (const link of chain) {
    if (link instanceof UnauthorizedError || link instanceof InsufficientScopeError) {
      return authFailure(link instanceof InsufficientScopeError ? 403 : 401, context);
    }
    const status = httpStatus(link);
    if (status === 401 || status === 403) return authFailure(status, context);
    if (link instanceof SdkError) {
      if (link.code === SdkErrorCode.ClientHttpAuthentication) return authFailure(401, context);
      if (link.code === SdkErrorCode.ClientHttpForbidden) return authFailure(403, context);
    }
  }

  for (const link of chain) {
    const code = codeOf(link);
    if (code === undefined) continue;
    if (CERT_CODES.has(code)) {
      return {
        exitCode: EXIT.connection,
        message: `TLS certificate not trusted for ${url.origin}: ${code} (use --ca FILE to trust the server's CA)`,
      };
    }
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
      return { exitCode: EXIT.connection, message: `${url.origin} did not answer with TLS (is it http://?)` };
    }
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
      return { exitCode: EXIT.connection, message: `TLS error talking to ${url.origin}: ${code}` };
    }
    const network = NETWORK_MESSAGES[code];
    if (network !== undefined) {
      return { exitCode: EXIT.connection, message: `cannot reach ${url.origin}: ${network} (${code})` };
    }
  }

  for (const link of chain) {
    const status = httpStatus(link);
    if (status !== undefined) {
      return {
        exitCode: phase === 'connect' ? EXIT.connection : EXIT.failed,
        message: `server answered HTTP ${status} for ${url.href}`,
      };
    }
  }

  if (error instanceof ProtocolError) {
    return { exitCode: EXIT.failed, message: `protocol error ${error.code}: ${messageOf(error)}` };
  }
  if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) {
    return {
      exitCode: EXIT.connection,
      message: `lost the connection to ${url.origin}: ${messageOf(error)}`,
    };
  }
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
    return { exitCode: EXIT.failed, message: `no answer from the server in time: ${messageOf(error)}` };
  }
  const detail =
    chain.length > 1 ? `${messageOf(error)}: ${messageOf(chain[chain.length - 1])}` : messageOf(error);
  return {
    exitCode: phase === 'connect' ? EXIT.connection : EXIT.failed,
    message: phase === 'connect' ? `cannot connect to ${url.href}: ${detail}` : detail,
  };
}
