import type { Logger } from '../../observability/logger.js';
import type { ControlBus, ControlMessage } from '../shared-state.js';
import type { SharedConnection } from './connection.js';

/**
 * Cross-replica control messages over Redis pub/sub: every replica, the publisher included,
 * receives each message. Pub/sub keeps nothing: a replica that is disconnected when a message is
 * sent misses it, which the directory covers (a closed session's record is gone, so the next
 * request there gets 404 and drops the local copy; a level set meanwhile is read on adoption).
 */
export class RedisControlBus implements ControlBus {
  readonly #channel: string;
  readonly #handlers = new Set<(message: ControlMessage) => void>();

  /** Subscribes on a connection of its own; node-redis subscribes again after each reconnect. */
  constructor(
    private readonly connection: SharedConnection,
    private readonly logger: Logger,
  ) {
    this.#channel = `${connection.keyPrefix}control`;
    // Not awaited: start-up never waits for Redis; the subscription is made once it connects.
    connection
      .duplicate('subscriber')
      .subscribe(this.#channel, (raw) => this.#receive(raw))
      .catch((error: Error) => logger.warn({ err: error.message }, 'control channel not subscribed'));
  }

  async publish(message: ControlMessage): Promise<void> {
    await this.connection.run('publish', (client) => client.publish(this.#channel, JSON.stringify(message)));
  }

  subscribe(handler: (message: ControlMessage) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  #receive(raw: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(raw) as ControlMessage;
    } catch {
      this.logger.warn('unreadable control message ignored');
      return;
    }
    for (const handler of this.#handlers) handler(message);
  }
}
