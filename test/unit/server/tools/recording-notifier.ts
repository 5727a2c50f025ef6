import type { LogLevel, Notifier } from '../../../../src/server/tools/tool.js';

export type Note =
  | { kind: 'progress'; done: number; total: number; message: string | undefined }
  | { kind: 'log'; level: LogLevel; data: unknown };

/**
 * A Notifier that keeps everything a tool says, in order. `onNote` lets a test act at an exact
 * point in the stream, for example abort after the second progress notification.
 */
export class RecordingNotifier implements Notifier {
  readonly notes: Note[] = [];
  onNote: ((note: Note) => void) | undefined;

  async progress(done: number, total: number, message?: string): Promise<void> {
    this.#add({ kind: 'progress', done, total, message });
  }

  async log(level: LogLevel, data: unknown): Promise<void> {
    this.#add({ kind: 'log', level, data });
  }

  /** One token per note: the log level, or `progress`. */
  kinds(): string[] {
    return this.notes.map((note) => (note.kind === 'progress' ? 'progress' : note.level));
  }

  logs(level: LogLevel): unknown[] {
    return this.notes.flatMap((note) => (note.kind === 'log' && note.level === level ? [note.data] : []));
  }

  progressNotes(): Extract<Note, { kind: 'progress' }>[] {
    return this.notes.filter((note): note is Extract<Note, { kind: 'progress' }> => note.kind === 'progress');
  }

  #add(note: Note): void {
    this.notes.push(note);
    this.onNote?.(note);
  }
}
