import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { UsageError } from '../client/args.js';
import { fetchTrustingCa } from '../client/tls-fetch.js';
import { DOCTOR_USAGE, parseDoctorArgs } from './args.js';
import { checkAuthChallenge } from './auth-check.js';
import { checkBuffering } from './buffering-check.js';
import type { CheckResult, DoctorContext, Status } from './check.js';
import { checkCors } from './cors-check.js';
import { checkCredentials } from './credentials-check.js';
import { checkEras } from './eras-check.js';
import { checkTls } from './tls-check.js';

const MARK: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** One checklist line, plus an indented fix for anything not ok. */
export function renderResult(result: CheckResult): string {
  const line = `${MARK[result.status]}  ${result.name.padEnd(20)} ${result.detail}`;
  return result.fix && (result.status === 'fail' || result.status === 'warn')
    ? `${line}\n      fix: ${result.fix}\n`
    : `${line}\n`;
}

export interface DoctorIO {
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

/** `beacon doctor`: runs every check in order, prints each as it completes, exits 1 on any failure. */
export async function runDoctor(argv: string[], io: DoctorIO): Promise<number> {
  let options: ReturnType<typeof parseDoctorArgs>;
  let caPem: string | undefined;
  try {
    options = parseDoctorArgs(argv);
    if (options?.caFile !== undefined) {
      caPem = await readFile(options.caFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`--ca: cannot read '${options?.caFile}' (${error.code ?? 'read error'})`);
      });
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`error: ${error.message} (see beacon doctor --help)\n`);
    return 2;
  }
  if (options === undefined) {
    io.stdout.write(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  const auth = options.auth;
  const ctx: DoctorContext = {
    url: options.url,
    auth,
    caPem,
    fetch: caPem === undefined ? fetch : await fetchTrustingCa(caPem),
    staticAuthorization:
      auth.kind === 'api-key'
        ? `Bearer ${auth.key}`
        : auth.kind === 'bearer'
          ? `Bearer ${auth.token}`
          : undefined,
    env: io.env,
  };

  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    io.stdout.write(renderResult(result));
  };
  io.stdout.write(`beacon doctor ${ctx.url.href}\n`);
  const tls = await checkTls(ctx);
  report(tls);
  if (tls.status === 'fail' && ctx.url.protocol === 'https:') {
    io.stdout.write('      (the other checks need a trusted connection)\n');
    return 1;
  }
  const challenge = await checkAuthChallenge(ctx);
  challenge.results.forEach(report);
  const credentials = await checkCredentials(ctx);
  report(credentials);
  report(await checkEras(ctx));
  report(await checkCors(ctx, options.origin));
  report(await checkBuffering(ctx, credentials.status === 'ok' || (auth.kind === 'none' && challenge.open)));

  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  io.stdout.write(
    failed > 0
      ? `${failed} check(s) failed, ${warned} warning(s)\n`
      : `all checks passed${warned > 0 ? ` (${warned} warning(s))` : ''}\n`,
  );
  return failed > 0 ? 1 : 0;
}
