import { readFile } from 'node:fs/promises';
import type { ClientMetadata } from 'oidc-provider';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { isPasswordHash, verifyPassword } from './passwords.js';

/**
 * The development server's two registries: confidential clients (AUTH_SERVER_CLIENTS_FILE) and
 * users who can sign in on the login page (AUTH_SERVER_USERS_FILE). Both are JSON arrays; both are
 * optional (no machine clients, or nobody can sign in).
 */
const Scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/);

const ClientEntry = z.object({
  client_id: z.string().min(1).max(128),
  client_secret: z.string().min(16, 'client_secret must be at least 16 characters'),
  /** Space-separated scopes the client may obtain, e.g. "mcp:tools". */
  scope: z.string().regex(/^\S+( \S+)*$/, 'scope must be space-separated scope names, e.g. "mcp:tools"'),
  redirect_uris: z.array(z.url()).default([]),
});
export type ClientEntry = z.infer<typeof ClientEntry>;

const UserEntry = z.object({
  username: z.string().min(1).max(128),
  password: z
    .string()
    .refine(isPasswordHash, 'password must be a scrypt hash (beacon auth-server hash-password)'),
  /** Resource scopes this user may grant; absent means all of them. */
  scopes: z.array(Scope).optional(),
});
export type UserEntry = z.infer<typeof UserEntry>;

async function readJsonArray<T>(variable: string, path: string, schema: z.ZodType<T>): Promise<T[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${variable} ${path} cannot be read as JSON (${(error as Error).message})`);
  }
  const parsed = z.array(schema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${variable} ${path} at [${issue?.path.join('].[')}]: ${issue?.message}`);
  }
  return parsed.data;
}

/** Confidential clients as oidc-provider client metadata: client credentials, plus the code flow when they list redirect URIs. */
export async function loadClients(path: string | undefined): Promise<ClientMetadata[]> {
  const entries = path ? await readJsonArray('AUTH_SERVER_CLIENTS_FILE', path, ClientEntry) : [];
  return entries.map(
    (entry): ClientMetadata => ({
      client_id: entry.client_id,
      client_secret: entry.client_secret,
      scope: entry.scope,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types:
        entry.redirect_uris.length > 0
          ? ['client_credentials', 'authorization_code', 'refresh_token']
          : ['client_credentials'],
      response_types: entry.redirect_uris.length > 0 ? ['code'] : [],
      redirect_uris: entry.redirect_uris,
    }),
  );
}

export class Users {
  private constructor(private readonly byName: Map<string, UserEntry>) {}

  static async load(path: string | undefined): Promise<Users> {
    const entries = path ? await readJsonArray('AUTH_SERVER_USERS_FILE', path, UserEntry) : [];
    return new Users(new Map(entries.map((entry) => [entry.username, entry])));
  }

  get size(): number {
    return this.byName.size;
  }

  find(username: string): UserEntry | undefined {
    return this.byName.get(username);
  }

  /** The user, when the password is right. An unknown user costs the same scrypt work as a known one. */
  async authenticate(username: string, password: string): Promise<UserEntry | undefined> {
    const user = this.byName.get(username);
    const ok = await verifyPassword(password, user?.password ?? DUMMY_HASH);
    return ok && user ? user : undefined;
  }
}

/** A well-formed hash nobody's password matches, so unknown usernames are not answered faster. */
const DUMMY_HASH = `scrypt$16384$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
