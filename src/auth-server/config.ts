import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config.js';

/**
 * Configuration of the development authorization server (`beacon auth-server`), parsed once from
 * the environment the CLI hands over. Errors name the variable, as for `beacon serve`.
 */
const EnvSchema = z.object({
  AUTH_SERVER_HOST: z.string().trim().min(1, 'AUTH_SERVER_HOST must not be empty').default('127.0.0.1'),
  AUTH_SERVER_PORT: z
    .string()
    .regex(/^\d+$/, 'AUTH_SERVER_PORT must be a whole number from 0 to 65535')
    .transform(Number)
    .refine((n) => n <= 65535, 'AUTH_SERVER_PORT must be a whole number from 0 to 65535')
    .default(4000),
  AUTH_SERVER_ISSUER: z
    .url({ message: 'AUTH_SERVER_ISSUER must be an absolute URL such as http://127.0.0.1:4000' })
    .refine(
      (v) => !v.includes('?') && !v.includes('#'),
      'AUTH_SERVER_ISSUER must not have a query or fragment',
    )
    .optional(),
  AUTH_SERVER_CLIENTS_FILE: z.string().trim().min(1).optional(),
  AUTH_SERVER_USERS_FILE: z.string().trim().min(1).optional(),
  AUTH_SERVER_DATA_DIR: z
    .string()
    .trim()
    .min(1, 'AUTH_SERVER_DATA_DIR must not be empty')
    .default('./.auth-server'),
  AUTH_SERVER_KEYS_FILE: z.string().trim().min(1).optional(),
  AUTH_SERVER_TOKEN_TTL: z
    .string()
    .regex(/^\d+$/, 'AUTH_SERVER_TOKEN_TTL must be a whole number of seconds from 1 to 86400')
    .transform(Number)
    .refine(
      (n) => n >= 1 && n <= 86400,
      'AUTH_SERVER_TOKEN_TTL must be a whole number of seconds from 1 to 86400',
    )
    .default(3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type AuthServerConfig = Readonly<{
  host: string;
  port: number;
  /** Fixed issuer; when unset it is http://127.0.0.1:<listening port>. */
  issuer: string | undefined;
  clientsFile: string | undefined;
  usersFile: string | undefined;
  dataDir: string;
  /** JWKS with private keys; generated on first start when the file does not exist. */
  keysFile: string;
  accessTokenTtl: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}>;

export function loadAuthServerConfig(env: NodeJS.ProcessEnv): AuthServerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.AUTH_SERVER_DATA_DIR);
  return Object.freeze({
    host: e.AUTH_SERVER_HOST,
    port: e.AUTH_SERVER_PORT,
    issuer: e.AUTH_SERVER_ISSUER?.replace(/\/$/, ''),
    clientsFile: e.AUTH_SERVER_CLIENTS_FILE && resolve(e.AUTH_SERVER_CLIENTS_FILE),
    usersFile: e.AUTH_SERVER_USERS_FILE && resolve(e.AUTH_SERVER_USERS_FILE),
    dataDir,
    keysFile: resolve(e.AUTH_SERVER_KEYS_FILE ?? `${dataDir}/jwks.json`),
    accessTokenTtl: e.AUTH_SERVER_TOKEN_TTL,
    logLevel: e.LOG_LEVEL,
  });
}
