import type { FetchLike } from '@modelcontextprotocol/client';
import type { ClientAuth } from '../client/auth.js';

/**
 * One line of `beacon doctor`'s checklist. A failure says what is wrong and how to fix it; a
 * warning is something that works but deserves a look; `skip` says why a check could not run.
 */
export type Status = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: Status;
  detail: string;
  fix?: string;
}

export interface DoctorContext {
  url: URL;
  auth: ClientAuth;
  /** PEM text of an extra CA to trust (--ca). */
  caPem: string | undefined;
  /** fetch that trusts --ca as well as the usual roots. */
  fetch: FetchLike;
  /** Credentials as a header, when they are static (API key, token); OAuth tokens stay in the SDK. */
  staticAuthorization: string | undefined;
  env: Record<string, string | undefined>;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  status: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
});
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

/** The message of anything thrown, with the cause fetch hides inside `TypeError: fetch failed`. */
export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** A 2025-11-25 `initialize`, the request every Streamable HTTP server must answer. */
export function initializeBody(): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'beacon-doctor', version: '1' },
    },
  });
}

export const MCP_POST_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};
