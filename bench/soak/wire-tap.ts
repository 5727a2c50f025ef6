/**
 * Watches one client transport's traffic in wire order, before the SDK's protocol layer sees it.
 *
 * The soak checks what Beacon put on the wire, not what the SDK client hands on: both SDK clients
 * run notification handlers a microtask later than they settle a response, so a progress that
 * arrives in the same chunk as its result is dropped by the client itself (typescript-sdk #2580),
 * which the HTTP+SSE transport shows under load. Log messages carry no request id, so a call's
 * `info` logs are told apart by the tag its items start with (a cancelled call's late logs on the
 * same session then count for nobody).
 */
interface Message {
  method?: string;
  params?: {
    progressToken?: unknown;
    progress?: unknown;
    level?: unknown;
    data?: unknown;
    _meta?: { progressToken?: unknown };
  };
}

/** The two hooks every SDK transport has; both SDKs chain an `onmessage` set before `connect`. */
interface Tappable {
  onmessage?: ((message: never, extra?: never) => void) | undefined;
  send(message: never, options?: never): Promise<void>;
}

export class WireTap {
  #token: unknown;
  #tag = '';
  progress: number[] = [];
  infoLogs = 0;

  /** Call before the client connects: the SDK then calls this hook first for every message. */
  attach(transport: Tappable): void {
    const send = transport.send.bind(transport);
    transport.send = ((message: Message, options?: never) => {
      if (message.method === 'tools/call') this.#token = message.params?._meta?.progressToken;
      return send(message as never, options);
    }) as Tappable['send'];
    transport.onmessage = ((message: Message) => this.#hear(message)) as Tappable['onmessage'];
  }

  /** Starts counting for a call whose items all start with `tag`. */
  begin(tag: string): void {
    this.#tag = `"${tag} `;
    this.#token = undefined;
    this.progress = [];
    this.infoLogs = 0;
  }

  #hear(message: Message): void {
    const params = message.params;
    if (message.method === 'notifications/progress') {
      if (this.#token !== undefined && params?.progressToken === this.#token) {
        this.progress.push(Number(params.progress));
      }
    } else if (message.method === 'notifications/message' && params?.level === 'info') {
      if (typeof params.data === 'string' && params.data.includes(this.#tag)) this.infoLogs += 1;
    }
  }
}
