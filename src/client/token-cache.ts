import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/client';

/** Where a CLI keeps per-user settings: XDG on Linux, Application Support on macOS, APPDATA on Windows. */
export function userConfigDir(env: Record<string, string | undefined>, platform = process.platform): string {
  if (platform === 'win32') return env.APPDATA ?? join(env.USERPROFILE ?? homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return join(env.HOME ?? homedir(), 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(env.HOME ?? homedir(), '.config');
}

/** What `beacon call --oauth` remembers about one authorization server. */
export interface IssuerRecord {
  issuer: string;
  /** The client registration (DCR) this CLI holds at that issuer. */
  client?: OAuthClientInformationMixed;
  /** Tokens by resource: each access token is bound to one MCP server (RFC 8707). */
  tokens: Record<string, OAuthTokens>;
}

/**
 * Tokens and the client registration for one issuer, in one JSON file under the user's config
 * directory: `beacon/oauth/<sha256(issuer)>.json`, mode 0600 in a 0700 directory, written by rename
 * so a crash never leaves half a file.
 */
export class TokenCache {
  private constructor(
    readonly path: string,
    private record: IssuerRecord,
  ) {}

  static fileFor(configDir: string, issuer: string): string {
    const name = createHash('sha256').update(issuer).digest('hex').slice(0, 32);
    return join(configDir, 'beacon', 'oauth', `${name}.json`);
  }

  static async open(configDir: string, issuer: string): Promise<TokenCache> {
    const path = TokenCache.fileFor(configDir, issuer);
    let record: IssuerRecord = { issuer, tokens: {} };
    try {
      const stored = JSON.parse(await readFile(path, 'utf8')) as IssuerRecord;
      // A file for another issuer (a hash collision, or a copied file) is ignored, never used.
      if (stored.issuer === issuer && typeof stored.tokens === 'object' && stored.tokens !== null)
        record = stored;
    } catch {
      // Absent or unreadable: start afresh.
    }
    return new TokenCache(path, record);
  }

  get issuer(): string {
    return this.record.issuer;
  }

  get client(): OAuthClientInformationMixed | undefined {
    return this.record.client;
  }

  tokensFor(resource: string): OAuthTokens | undefined {
    return this.record.tokens[resource];
  }

  async update(change: (record: IssuerRecord) => void): Promise<void> {
    change(this.record);
    const dir = join(this.path, '..');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.record, null, 2), { mode: 0o600 });
    await rename(temporary, this.path);
  }
}
