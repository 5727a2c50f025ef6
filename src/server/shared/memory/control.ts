import type { ControlBus, ControlMessage } from '../shared-state.js';

/** One process: a published message reaches this process's subscribers, in order, at once. */
export class MemoryControlBus implements ControlBus {
  readonly #handlers = new Set<(message: ControlMessage) => void>();

  async publish(message: ControlMessage): Promise<void> {
    for (const handler of this.#handlers) handler(message);
  }

  subscribe(handler: (message: ControlMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
}
