import { type BeaconProcess, type StartOptions, startBeacon } from './beacon-process.js';
import { type RedisServer, startRedis } from './redis-server.js';

/** Several real Beacon processes sharing one real redis-server: replicas of one logical server. */
export interface Replicas {
  redis: RedisServer;
  nodes: BeaconProcess[];
  stop(): Promise<void>;
}

export async function startReplicas(count: number, options: StartOptions = {}): Promise<Replicas> {
  const redis = await startRedis();
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startBeacon({
        ...options,
        env: { REDIS_URL: redis.url, REPLICA_ID: `replica-${i + 1}`, ...options.env },
      }),
    ),
  );
  // Each replica is ready once it has reached Redis (see /readyz).
  await Promise.all(nodes.map((node) => untilReady(node)));
  return {
    redis,
    nodes,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      await redis.stop();
    },
  };
}

export async function untilReady(node: BeaconProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${node.origin}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`replica at ${node.origin} not ready in ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}
