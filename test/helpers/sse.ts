/** One server-sent event as a test sees it, stamped with when it arrived. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
  receivedAt: number;
}

/** Reads a response body line by line as it arrives (the last line unterminated is dropped). */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      yield buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  }
}

/** Reads server-sent events off a fetch response body as they arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  let current: Partial<SseEvent> & { dataLines: string[] } = { dataLines: [] };
  for await (const line of readLines(body)) {
    if (line === '') {
      if (current.dataLines.length > 0 || current.id !== undefined) {
        yield {
          id: current.id,
          event: current.event,
          retry: current.retry,
          data: current.dataLines.join('\n'),
          receivedAt: performance.now(),
        };
      }
      current = { dataLines: [] };
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') current.dataLines.push(value);
    else if (field === 'id') current.id = value;
    else if (field === 'event') current.event = value;
    else if (field === 'retry') current.retry = Number(value);
  }
}

/** The JSON-RPC messages among the events (skips priming events with empty data). */
export function messagesOf(events: SseEvent[]): Record<string, unknown>[] {
  return events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
}
