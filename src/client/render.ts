import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

/**
 * The protocol era a connection landed on, as the SDK's `getProtocolEra()` names it, or `sse` for
 * the deprecated HTTP+SSE transport, or `classic` for plain NDJSON streaming (no MCP at all).
 */
export type Era = 'modern' | 'legacy' | 'sse' | 'classic';

export interface ConnectedInfo {
  url: string;
  era: Era;
  protocolVersion: string;
  server?: { name: string; version: string } | undefined;
}
export interface ProgressEvent {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}
export interface LogEvent {
  level: string;
  logger?: string | undefined;
  data: unknown;
}
export interface ResultEvent {
  isError: boolean;
  content: unknown[];
  structuredContent?: unknown;
}

/**
 * Everything `beacon call` prints goes through one of these. Notifications are written the moment
 * they arrive (no buffering), results and notices once. stdout carries the data (human lines or
 * NDJSON); stderr carries the progress bar, notices and errors, so `--json | jq` stays clean.
 */
export interface Renderer {
  connected(info: ConnectedInfo): void;
  progress(event: ProgressEvent): void;
  log(event: LogEvent): void;
  result(event: ResultEvent): void;
  /** A one-line remark about the client's own doings (resumed stream, re-initialised session). */
  notice(message: string): void;
  /** A one-line failure; the caller exits non-zero after it. */
  error(message: string): void;
  /** Stops the progress bar so the terminal is left tidy. Safe to call twice. */
  close(): void;
}

export interface RenderOptions {
  json: boolean;
  /** stdout is a terminal: live progress bar and (unless NO_COLOR) colours. */
  isTTY: boolean;
  color: boolean;
  stdout: Writable;
  stderr: Writable;
  now?: () => Date;
}

/** https://no-color.org: a present, non-empty NO_COLOR turns colour off. */
export function colorEnabled(isTTY: boolean, env: Record<string, string | undefined>): boolean {
  return isTTY && !env.NO_COLOR;
}

const STYLE = {
  dim: '2',
  gray: '90',
  green: '32',
  cyan: '36',
  yellow: '33',
  red: '31',
  boldRed: '1;31',
  magenta: '35',
  blue: '34',
} as const;
type Style = keyof typeof STYLE;

const LEVEL_STYLE: Record<string, Style> = {
  debug: 'gray',
  info: 'green',
  notice: 'cyan',
  warning: 'yellow',
  error: 'red',
  critical: 'boldRed',
  alert: 'boldRed',
  emergency: 'boldRed',
};

export function paint(text: string, style: Style, color: boolean): string {
  return color ? `\x1b[${STYLE[style]}m${text}\x1b[0m` : text;
}

/** Local wall-clock time, HH:MM:SS.mmm: what a person watching the stream wants to read. */
export function formatTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const ms = String(date.getMilliseconds()).padStart(3, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${ms}`;
}

/**
 * Server-supplied text reaches the terminal, so control characters (ANSI escapes, carriage returns)
 * are shown escaped instead of being interpreted: a log line must not rewrite the screen.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\t') return ' ';
    if (c === '\n') return '\\n';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

export function formatData(data: unknown): string {
  if (typeof data === 'string') return printable(data);
  return printable(JSON.stringify(data) ?? String(data));
}

const LABEL_WIDTH = 9; // 'EMERGENCY'

function label(text: string, style: Style, color: boolean): string {
  return paint(text.toUpperCase().padEnd(LABEL_WIDTH), style, color);
}

export function formatLogLine(event: LogEvent, at: Date, color: boolean): string {
  const style = LEVEL_STYLE[event.level] ?? 'magenta';
  const logger = event.logger ? `[${printable(event.logger)}] ` : '';
  return `${paint(formatTime(at), 'dim', color)} ${label(event.level, style, color)} ${logger}${formatData(event.data)}`;
}

export function formatProgressLine(event: ProgressEvent, at: Date, color: boolean): string {
  const count = event.total === undefined ? `${event.progress}` : `${event.progress}/${event.total}`;
  const message = event.message ? ` ${printable(event.message)}` : '';
  return `${paint(formatTime(at), 'dim', color)} ${label('progress', 'blue', color)} ${count}${message}`;
}

export function formatConnected(info: ConnectedInfo, color: boolean): string {
  const server = info.server
    ? ` · server ${printable(info.server.name)} ${printable(info.server.version)}`
    : '';
  return `connected to ${info.url} · era ${paint(info.era, 'cyan', color)} (${info.protocolVersion})${server}`;
}

/** The text blocks of a tool result, joined; what a person wants to see of it. */
export function resultText(content: unknown[]): string {
  return content
    .map((block) => {
      const b = block as { type?: unknown; text?: unknown };
      return b.type === 'text' && typeof b.text === 'string' ? b.text : undefined;
    })
    .filter((text): text is string => text !== undefined)
    .join('\n');
}

/** One NDJSON line: `type`, an ISO `ts` and the `era` first, so every line is self-describing. */
export function ndjsonLine(type: string, at: Date, era: Era | undefined, fields: object): string {
  return JSON.stringify({ type, ts: at.toISOString(), era, ...fields });
}

export function createRenderer(options: RenderOptions): Renderer {
  return options.json ? new NdjsonRenderer(options) : new HumanRenderer(options);
}

class NdjsonRenderer implements Renderer {
  private era: Era | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: RenderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private emit(type: string, fields: object): void {
    this.options.stdout.write(`${ndjsonLine(type, this.now(), this.era, fields)}\n`);
  }

  connected(info: ConnectedInfo): void {
    // No line of its own: the era rides on every line instead, so counts stay "one per notification".
    this.era = info.era;
  }
  progress(event: ProgressEvent): void {
    this.emit('progress', { progress: event.progress, total: event.total, message: event.message });
  }
  log(event: LogEvent): void {
    this.emit('log', { level: event.level, logger: event.logger, data: event.data });
  }
  result(event: ResultEvent): void {
    this.emit('result', {
      isError: event.isError,
      structuredContent: event.structuredContent,
      content: event.content,
    });
  }
  notice(message: string): void {
    this.options.stderr.write(`beacon: ${message}\n`);
  }
  error(message: string): void {
    this.options.stderr.write(`error: ${message}\n`);
  }
  close(): void {}
}

class HumanRenderer implements Renderer {
  private bar: cliProgress.SingleBar | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: RenderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Writes a line to `stream` without tearing the progress bar drawn on stderr: clear the bar's row,
   * print the line there, then redraw the bar one row lower. The bar restores the cursor position
   * it saved at start when it stops, so that position is saved again (ESC 7) at the bar's new row.
   */
  private line(stream: Writable, text: string): void {
    if (this.bar?.isActive) {
      this.options.stderr.write('\r\x1b[2K');
      stream.write(`${text}\n`);
      this.options.stderr.write('\x1b7');
      this.bar.render();
    } else {
      stream.write(`${text}\n`);
    }
  }

  connected(info: ConnectedInfo): void {
    this.line(this.options.stdout, formatConnected(info, this.options.color));
  }

  progress(event: ProgressEvent): void {
    if (!this.options.isTTY || event.total === undefined) {
      this.line(this.options.stdout, formatProgressLine(event, this.now(), this.options.color));
      return;
    }
    const payload = { message: printable(event.message ?? '') };
    if (this.bar === undefined) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.options.stderr,
          format: ' {bar} {percentage}% | {value}/{total} | {message}',
          forceRedraw: true, // repaint after a log line cleared it, even if nothing changed
          linewrap: true, // trim the bar to the terminal width but leave wrapping on for log lines
          hideCursor: false,
          clearOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(event.total, event.progress, payload);
    } else {
      this.bar.setTotal(event.total);
      this.bar.update(event.progress, payload);
    }
  }

  log(event: LogEvent): void {
    this.line(this.options.stdout, formatLogLine(event, this.now(), this.options.color));
  }

  result(event: ResultEvent): void {
    this.close();
    const text = resultText(event.content);
    // Result text may span lines; each line is still made printable.
    const body =
      text !== ''
        ? text.split('\n').map(printable).join('\n')
        : formatData(event.structuredContent ?? event.content);
    const tag = event.isError
      ? label('failed', 'red', this.options.color)
      : label('result', 'green', this.options.color);
    this.line(
      this.options.stdout,
      `${paint(formatTime(this.now()), 'dim', this.options.color)} ${tag} ${body}`,
    );
  }

  notice(message: string): void {
    this.line(
      this.options.stderr,
      `${paint(formatTime(this.now()), 'dim', this.options.color)} ${label('beacon', 'magenta', this.options.color)} ${message}`,
    );
  }

  error(message: string): void {
    this.close();
    this.line(this.options.stderr, `${paint('error:', 'red', this.options.color)} ${message}`);
  }

  close(): void {
    if (this.bar?.isActive) this.bar.stop();
    this.bar = undefined;
  }
}
