import { join } from 'node:path';
import { DEV_API_KEY, type Stack, startStack } from '../../scripts/stack/stack.js';
import type { Endpoint } from './http.js';
import { BENCH_LIMITS, type TargetSpec } from './targets.js';
import { cpuSeconds, redisUsage } from './usage.js';

/**
 * The replicas scenario's columns: the deployment's own stack (`startStack`: the repository's
 * Caddyfile with TLS, the development auth server, `AUTH_MODE=apikey,oauth`, `LOG_LEVEL=info`),
 * called with the development API key. Only the replicas behind Caddy's static upstream list and
 * where their state lives differ between them, so what each costs is what the differences cost.
 */
export const TOPOLOGIES = ['1-memory', '1-redis', '3-redis'] as const;
export type TopologyName = (typeof TOPOLOGIES)[number];

const SHAPES: Record<TopologyName, { replicas: number; redis: boolean }> = {
  '1-memory': { replicas: 1, redis: false },
  '1-redis': { replicas: 1, redis: true },
  '3-redis': { replicas: 3, redis: true },
};

/** What the shared scenario rounds need of a target: Beacon with both eras, logs on the call's stream. */
const SPEC: TargetSpec = {
  name: 'beacon-prod',
  eras: ['modern', 'legacy'],
  sessions: true,
  logsOnStandaloneStream: false,
  redis: false,
};

/** CPU seconds so far of each part of a topology, and the commands its redis-server ran. */
export interface Usage {
  /** One entry per replica, in upstream order. */
  replicas: number[];
  redis: number;
  caddy: number;
  commands: Record<string, number>;
}

export interface Topology {
  name: TopologyName;
  spec: TargetSpec;
  /** Caddy's https endpoint, with the API key and Caddy's root CA. */
  endpoint: Endpoint;
  /** Whether the replicas share a redis-server. */
  redis: boolean;
  usage(): Usage;
  stop(): Promise<void>;
}

export async function startTopology(name: TopologyName, dir: string): Promise<Topology> {
  const shape = SHAPES[name];
  const stack: Stack = await startStack({
    dir: join(dir, name),
    replicas: shape.replicas,
    redis: shape.redis,
    httpsPort: 0,
    authPort: 0,
    httpPort: 0,
    serverEnv: { ...BENCH_LIMITS },
  });
  const redisUrl = stack.redisUrl;
  const pidOf = (child: { pid?: number | undefined }) => child.pid as number;
  return {
    name,
    spec: SPEC,
    endpoint: {
      url: new URL(stack.mcpUrl),
      headers: { authorization: `Bearer ${DEV_API_KEY}` },
      ca: stack.caPem,
      connectTo: '127.0.0.1',
    },
    redis: shape.redis,
    usage() {
      const redis = redisUrl ? redisUsage(redisUrl) : { cpuSeconds: 0, commands: {} };
      return {
        replicas: stack.servers.map((server) => cpuSeconds(pidOf(server.child))),
        redis: redis.cpuSeconds,
        caddy: cpuSeconds(pidOf(stack.caddy.child)),
        commands: redis.commands,
      };
    },
    stop: () => stack.stop(),
  };
}
