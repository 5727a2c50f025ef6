import { once } from 'node:events';
import type { Config } from '../../config.js';
import type { Logger } from '../observability/logger.js';
import { MemoryEventStores } from './event-store/memory.js';
import { RedisEventStores } from './event-store/redis.js';
import type { BlockingRedis } from './event-store/redis-tailer.js';
import { MemoryControlBus } from './memory/control.js';
import { MemoryCallLeases } from './memory/leases.js';
import { MemorySessionDirectory } from './memory/sessions.js';
import type { SharedConnection } from './redis/connection.js';
import { RedisControlBus } from './redis/control.js';
import { withDeadline } from './redis/deadline.js';
import { RedisCallLeases } from './redis/leases.js';
import { RedisSessionDirectory } from './redis/sessions.js';
import type { SharedState } from './shared-state.js';
import { SharedStateUnavailable } from './unavailable.js';

type SharedConfig = Pick<Config, 'maxSessions' | 'sessionIdleTimeoutMs' | 'eventStore' | 'callLeaseMs'>;

/**
 * Chosen once at start-up: one process with everything in memory when REDIS_URL is unset, Redis
 * shared by every replica when it is set. Nothing above `server/shared/` knows which it got.
 */
export function createSharedState(
  config: SharedConfig,
  logger: Logger,
  connection: SharedConnection | undefined,
): SharedState {
  return connection ? redisSharedState(config, logger, connection) : memorySharedState(config);
}

function memorySharedState(config: SharedConfig): SharedState {
  const control = new MemoryControlBus();
  const sessions = new MemorySessionDirectory({
    maxSessions: config.maxSessions,
    idleTimeoutMs: config.sessionIdleTimeoutMs,
    control,
  });
  return {
    sessions,
    events: new MemoryEventStores(config.eventStore),
    control,
    leases: new MemoryCallLeases(),
    close: async () => sessions.stop(),
  };
}

/** A connection of its own for blocking reads, once it is ready: it queues nothing while offline. */
async function readyConnection(connection: SharedConnection): Promise<BlockingRedis> {
  const client = connection.duplicate('blocking');
  if (!client.isReady) {
    await withDeadline(once(client, 'ready'), connection.timeoutMs, () => {
      void client.destroy();
      return new SharedStateUnavailable('Redis did not accept a connection for live resumption');
    });
  }
  return client as BlockingRedis;
}

function redisSharedState(config: SharedConfig, logger: Logger, connection: SharedConnection): SharedState {
  // Event writes and the live tail each get a connection of their own: a stream's writes stay in
  // order on one connection, and a blocking read would hold up every other command.
  const events = new RedisEventStores(connection.duplicate('blocking'), () => readyConnection(connection), {
    keyPrefix: connection.keyPrefix,
    limits: config.eventStore,
    logger,
  });
  const leases = new RedisCallLeases(connection, config.callLeaseMs, logger);
  return {
    sessions: new RedisSessionDirectory(connection, {
      maxSessions: config.maxSessions,
      idleTimeoutMs: config.sessionIdleTimeoutMs,
    }),
    events,
    control: new RedisControlBus(connection, logger),
    leases,
    close: async () => {
      leases.stop();
      await events.close();
    },
  };
}
