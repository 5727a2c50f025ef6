import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../config.js';
import { LruMap } from '../lru-map.js';

/**
 * API keys: `bk_` plus 32 random bytes, base64url. The server stores only their SHA-256, in the
 * JSON array at API_KEYS_FILE, so a leaked file does not leak keys. A key is high-entropy, so a
 * plain hash (no salt, no slow KDF) is enough to make the stored value useless to an attacker.
 */
export const KEY_PREFIX = 'bk_';
const KEY_BYTES = 32;
/** Distinct keys whose verdict is remembered; far more than one server's clients, a bound on memory. */
const REMEMBERED_KEYS = 1024;

const ScopeList = z.array(
  z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is visible ASCII without " or \\'),
);

const KeyEntry = z.object({
  id: z.string().trim().min(1).max(128),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'sha256 must be 64 hex digits'),
  scopes: ScopeList,
});
export type ApiKeyEntry = z.infer<typeof KeyEntry>;

const KeyFile = z.array(KeyEntry).superRefine((entries, ctx) => {
  const seen = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (seen.has(entry.id))
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate id "${entry.id}"` });
    seen.add(entry.id);
  }
});

/** The identity a valid key stands for. */
export interface KeyMatch {
  id: string;
  scopes: readonly string[];
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A fresh key and the entry to add to API_KEYS_FILE. The key itself is shown once and never stored. */
export function createApiKey(id: string, scopes: readonly string[]): { key: string; entry: ApiKeyEntry } {
  const entry = KeyEntry.parse({ id, sha256: '0'.repeat(64), scopes });
  const key = `${KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;
  return { key, entry: { ...entry, sha256: sha256Hex(key) } };
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(KEY_PREFIX);
}

/** Parses the key file's text; errors name API_KEYS_FILE and the entry at fault. */
export function parseKeyFile(text: string, path: string): ApiKeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`API_KEYS_FILE ${path} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = KeyFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at [${issue.path.join('].[')}]` : '';
    throw new ConfigError(
      `API_KEYS_FILE ${path}: expected a JSON array of {"id","sha256","scopes"}${where}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/**
 * The keys currently accepted. `reload()` re-reads the file (on SIGHUP); a bad file leaves the
 * previous keys in place, so a typo cannot lock everyone out or let everyone in.
 */
export class ApiKeyStore {
  #entries: Array<{ id: string; hash: Buffer; scopes: readonly string[] }> = [];
  /**
   * Keys verified since the last (re)load, by the base64 of their SHA-256, so a client that sends
   * the same key on every request is checked in full once. Keys are digests, never credentials: a
   * lookup's timing can then tell nothing about a stored credential. Only successes go in; a wrong
   * key always takes the full path (and the brute-force count). Cleared on reload.
   */
  readonly #verdicts = new LruMap<KeyMatch>(REMEMBERED_KEYS);

  private constructor(readonly path: string) {}

  static async open(path: string | undefined): Promise<ApiKeyStore> {
    if (path === undefined) {
      throw new ConfigError(
        'AUTH_MODE includes apikey, so API_KEYS_FILE must name a JSON key file (create keys with `beacon keys create`)',
      );
    }
    const store = new ApiKeyStore(path);
    await store.reload();
    return store;
  }

  get size(): number {
    return this.#entries.length;
  }

  async reload(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `API_KEYS_FILE ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'read error'})`,
      );
    }
    this.#entries = parseKeyFile(text, this.path).map((entry) => ({
      id: entry.id,
      hash: Buffer.from(entry.sha256, 'hex'),
      scopes: Object.freeze([...entry.scopes]),
    }));
    // In the same synchronous step as the swap: no verdict drawn from the old keys outlives them.
    this.#verdicts.clear();
    return this.#entries.length;
  }

  /**
   * Compares the presented key's hash with every stored hash in constant time and without an
   * early exit, so timing reveals neither which entry matched nor how much of a hash did.
   */
  verify(key: string): KeyMatch | undefined {
    const presented = createHash('sha256').update(key, 'utf8').digest();
    let match: KeyMatch | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(presented, entry.hash) && match === undefined) {
        match = { id: entry.id, scopes: entry.scopes };
      }
    }
    if (match) this.#verdicts.set(presented.toString('base64'), match);
    return match;
  }

  /**
   * The verdict `verify` gave this key since the last reload, if any: a hash and a map lookup,
   * so a client's repeated requests skip the full check. Undefined means "verify it", not "wrong".
   */
  recall(key: string): KeyMatch | undefined {
    return this.#verdicts.get(createHash('sha256').update(key, 'utf8').digest('base64'));
  }
}
