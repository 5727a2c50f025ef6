import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CallToolResult, LOG_LEVEL_META_KEY, SdkHttpError } from '@modelcontextprotocol/client';
import { type CallOptions, parseCallArgs, USAGE, UsageError } from './args.js';
import { callClassic } from './classic.js';
import type { Connection } from './connect.js';
import { connectAnyEra } from './era-fallback.js';
import { classifyError, EXIT, type Phase } from './errors.js';
import { colorEnabled, createRenderer, type Renderer, resultText } from './render.js';
import { buildToolArguments, readItems } from './tool-arguments.js';
import { callToolWatchingStream } from './watched-call.js';

export interface CallIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** stdout is a terminal: progress bar and colours. */
  isTTY: boolean;
  env?: Record<string, string | undefined>;
  /** Subscribes to Ctrl-C and returns the unsubscribe; defaults to the process's SIGINT. */
  onInterrupt?: (handler: () => void) => () => void;
}

/** A tool call may run for minutes; it only times out if the server goes quiet (no progress) this long. */
const IDLE_TIMEOUT_MS = 120_000;

function processIO(): CallIO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

function onSigint(handler: () => void): () => void {
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** Resolves once everything written so far has been handed to the OS (the CLI exits right after). */
function flush(stream: Writable): Promise<void> {
  return new Promise((done) => stream.write('', () => done()));
}

/** 2025-11-25 transports: a 404 on a request that carried a session id means the session is gone. */
function isExpiredSession(error: unknown, connection: Connection): boolean {
  return connection.era === 'legacy' && error instanceof SdkHttpError && error.status === 404;
}

/** What a repeated call shares with the one before: a 2025-era session, or just the connection. */
function sessionWord(connection: Connection): string {
  return connection.era === 'modern' ? 'connection' : 'session';
}

/** Reads the --ca file. TLS silently ignores a file that holds no certificate, so that is checked here. */
async function readCa(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--ca: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'read error'})`,
    );
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new UsageError(`--ca: '${path}' holds no PEM certificate`);
  }
  return pem;
}

/**
 * `beacon call`: connects, calls one tool, prints every notification as it arrives and the result.
 * Returns the exit code (see EXIT); never throws and never prints a stack trace.
 */
export async function runCall(argv: string[], io: CallIO = processIO()): Promise<number> {
  let options: CallOptions;
  try {
    const command = parseCallArgs(argv);
    if (command.kind === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    options = command.options;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: ${message} (see beacon call --help)\n`);
    return EXIT.usage;
  }

  const renderer = createRenderer({
    json: options.json,
    isTTY: io.isTTY,
    color: colorEnabled(io.isTTY, io.env ?? {}),
    stdout: io.stdout,
    stderr: io.stderr,
  });

  const interrupt = new AbortController();
  let forceQuit: (code: number) => void = () => undefined;
  const forced = new Promise<number>((done) => {
    forceQuit = done;
  });
  const unsubscribe = (io.onInterrupt ?? onSigint)(() => {
    // A second Ctrl-C means "stop waiting for the clean shutdown".
    if (interrupt.signal.aborted) forceQuit(EXIT.interrupted);
    else interrupt.abort(new Error('interrupted by the user (SIGINT)'));
  });

  try {
    return await Promise.race([callOnce(options, io, renderer, interrupt.signal), forced]);
  } finally {
    unsubscribe();
    renderer.close();
    await flush(io.stdout);
  }
}

async function callOnce(
  options: CallOptions,
  io: CallIO,
  renderer: Renderer,
  signal: AbortSignal,
): Promise<number> {
  let phase: Phase = 'connect';
  let connection: Connection | undefined;
  let progressSeen = 0;
  try {
    const items = await readItems(options.items, io.stdin);
    const toolArguments = buildToolArguments(options, items);
    const caPem = await readCa(options.caFile);
    if (options.classic) {
      const request = { mcpUrl: options.url, auth: options.auth, headers: options.headers, caPem, signal };
      return await callClassic({ ...request, body: toolArguments }, renderer, () => progressSeen++);
    }

    const open = (era: CallOptions['era']) =>
      connectAnyEra({
        url: options.url,
        era,
        auth: options.auth,
        headers: options.headers,
        caPem,
        signal,
        onLog: (params) => renderer.log({ level: params.level, logger: params.logger, data: params.data }),
        onNotice: (message) => renderer.notice(message),
        env: io.env,
        openBrowser: io.isTTY,
      });

    connection = await open(options.era);
    renderer.connected({
      url: options.url.href,
      era: connection.era,
      protocolVersion: connection.protocolVersion,
      server: connection.server,
    });
    phase = 'call';

    for (let round = 1; round <= options.repeat; round++) {
      if (round > 1) {
        await sleep(options.pauseMs, undefined, { signal });
        renderer.notice(`call ${round} of ${options.repeat} on the same ${sessionWord(connection)}`);
      }
      let result: CallToolResult | undefined;
      for (let attempt = 1; result === undefined; attempt++) {
        try {
          result = await callTool(connection, options, toolArguments, signal, (progress) => {
            progressSeen++;
            renderer.progress(progress);
          });
        } catch (error) {
          if (attempt > 1 || signal.aborted) throw error;
          // --oauth step-up: the SDK sent the user to sign in for the missing scope; finish, then retry once.
          if (await connection.finishPendingSignIn()) {
            renderer.notice('signed in with the scope the server asked for; retrying the call once');
            await connection.close();
            connection = await open(options.era);
            continue;
          }
          if (!isExpiredSession(error, connection)) throw error;
          renderer.notice('legacy session expired (HTTP 404); re-initialising and retrying the call once');
          await connection.close();
          connection = await open('legacy');
        }
      }

      const isError = result.isError === true;
      renderer.result({
        isError,
        content: result.content ?? [],
        structuredContent: result.structuredContent,
      });
      if (isError) {
        const text = resultText(result.content ?? []).split('\n')[0] ?? '';
        renderer.error(`tool ${options.tool} reported an error${text ? `: ${text}` : ''}`);
        return EXIT.failed;
      }
    }
    return EXIT.ok;
  } catch (error) {
    if (signal.aborted) {
      renderer.close();
      renderer.error(
        phase === 'connect'
          ? 'interrupted while connecting'
          : `interrupted: call cancelled after ${progressSeen} progress update${progressSeen === 1 ? '' : 's'}`,
      );
      return EXIT.interrupted;
    }
    const failure = classifyError(error, {
      url: options.url,
      phase,
      credentials: options.auth.kind !== 'none',
    });
    renderer.error(failure.message);
    return failure.exitCode;
  } finally {
    // On Ctrl-C this also lets the legacy notifications/cancelled leave and ends the session.
    await connection?.close();
  }
}

async function callTool(
  connection: Connection,
  options: CallOptions,
  toolArguments: Record<string, unknown>,
  signal: AbortSignal,
  onProgress: (progress: { progress: number; total?: number; message?: string }) => void,
): Promise<CallToolResult> {
  const { client } = connection;
  const requestOptions = { signal, timeout: IDLE_TIMEOUT_MS, resetTimeoutOnProgress: true };
  // 2025 era and HTTP+SSE: the level is session state, set once with logging/setLevel. 2026-07-28:
  // no session; the level travels in each request's _meta, and without it the server sends no logs.
  let meta: Record<string, unknown> | undefined;
  if (connection.era !== 'modern') {
    if (client.getServerCapabilities()?.logging)
      await client.setLoggingLevel(options.logLevel, requestOptions);
  } else {
    meta = { [LOG_LEVEL_META_KEY]: options.logLevel };
  }

  return callToolWatchingStream(
    connection,
    { name: options.tool, arguments: toolArguments, ...(meta && { _meta: meta }) },
    { ...requestOptions, onprogress: onProgress },
  );
}
