import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { ConfigError } from '../config.js';

/**
 * The authorization server's token-signing keys: a JWKS with private keys in AUTH_SERVER_KEYS_FILE.
 * Generated on first start (RS256, 2048-bit) and written with mode 0600, so tokens stay valid across
 * restarts. Keys are never committed: the file lives in the data directory or a volume.
 */
export async function loadOrCreateSigningKeys(path: string): Promise<{ keys: JWK[]; created: boolean }> {
  if (existsSync(path)) {
    let jwks: { keys?: unknown };
    try {
      jwks = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new ConfigError(`AUTH_SERVER_KEYS_FILE ${path} is not valid JSON (${(error as Error).message})`);
    }
    const keys = Array.isArray(jwks.keys) ? (jwks.keys as JWK[]) : [];
    if (keys.length === 0 || keys.some((k) => typeof k !== 'object' || k === null || !('d' in k))) {
      throw new ConfigError(`AUTH_SERVER_KEYS_FILE ${path} must be a JWKS ({"keys":[...]}) of private keys`);
    }
    return { keys, created: false };
  }
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const key: JWK = { ...jwk, kid: `beacon-dev-${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify({ keys: [key] }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys: [key], created: true };
}
