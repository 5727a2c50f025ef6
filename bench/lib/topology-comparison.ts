import { type Figure, formatNumber } from './figures.js';
import { ratio } from './stats.js';
import type { TopologyName } from './topologies.js';

/**
 * What the replicas scenario answers, per load, from the medians: what keeping the state in Redis
 * costs one replica (rate ratio, and µs of CPU added per call or notification), what two more
 * replicas on the same Redis change, and, from CPU per unit, where a machine with more cores than
 * this one would stop scaling (a replica's core, or redis-server's single thread).
 */
export interface Comparison {
  load: string;
  what: string;
  /** Rate, 1 replica with Redis ÷ 1 replica in memory. */
  redisOverMemory: number | null;
  /** Rate, 3 replicas ÷ 1 replica, both with Redis. */
  threeOverOne: number | null;
  /** Rate, 3 replicas with Redis ÷ 1 replica in memory: scaling out from the default deployment. */
  threeOverMemory: number | null;
  /** µs of CPU (Beacon + redis-server) per unit that the Redis path adds to one replica. */
  redisCpuOverheadUs: number | null;
  /** µs of CPU per unit that 3 replicas spend beyond 1, both with Redis. */
  threeReplicasCpuOverheadUs: number | null;
  /**
   * Units per second one replica could serve with a core to itself: 1 s over its own CPU per unit
   * (1-redis, redis-server's share taken out). Replicas add these up while cores last.
   */
  replicaCeiling: number | null;
  /**
   * Units per second at which redis-server's one thread is busy all the time (3-redis): the bound
   * on every replica sharing it together, however many cores they have.
   */
  redisCeiling: number | null;
}

function medianOf(figures: readonly Figure<TopologyName>[], id: string, column: TopologyName) {
  return figures.find((f) => f.id === id)?.values[column]?.median;
}

function difference(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined ? null : a - b;
}

/** Units per second that `us` µs of one core per unit allow. */
function perSecond(us: number | undefined): number | null {
  return us === undefined || us <= 0 ? null : 1e6 / us;
}

export function compare(figures: readonly Figure<TopologyName>[], load: string, what: string): Comparison {
  const rate = (column: TopologyName) => medianOf(figures, load, column);
  const cpu = (column: TopologyName) => medianOf(figures, `${load}-cpu`, column);
  const redisCpu = (column: TopologyName) => medianOf(figures, `${load}-redis-cpu`, column);
  return {
    load,
    what,
    redisOverMemory: ratio(rate('1-redis'), rate('1-memory')),
    threeOverOne: ratio(rate('3-redis'), rate('1-redis')),
    threeOverMemory: ratio(rate('3-redis'), rate('1-memory')),
    redisCpuOverheadUs: difference(cpu('1-redis'), cpu('1-memory')),
    threeReplicasCpuOverheadUs: difference(cpu('3-redis'), cpu('1-redis')),
    replicaCeiling: perSecond(difference(cpu('1-redis'), redisCpu('1-redis')) ?? undefined),
    redisCeiling: perSecond(redisCpu('3-redis')),
  };
}

const times = (r: number | null) => (r === null ? 'n/a' : `${r.toFixed(2)}×`);
const micros = (us: number | null) => (us === null ? 'n/a' : `${us >= 0 ? '+' : ''}${formatNumber(us)} µs`);

export function comparisonTable(comparisons: readonly Comparison[]): string {
  const header =
    "| load | rate: 1-redis ÷ 1-memory | rate: 3-redis ÷ 1-redis | rate: 3-redis ÷ 1-memory | CPU per unit: 1-redis − 1-memory | CPU per unit: 3-redis − 1-redis | one replica per core, /s | redis-server's one thread, /s |";
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const rate = (r: number | null) => (r === null ? 'n/a' : formatNumber(r));
  const rows = comparisons.map(
    (c) =>
      `| ${c.what} | ${times(c.redisOverMemory)} | ${times(c.threeOverOne)} | ${times(c.threeOverMemory)} | ${micros(c.redisCpuOverheadUs)} | ${micros(c.threeReplicasCpuOverheadUs)} | ${rate(c.replicaCeiling)} | ${rate(c.redisCeiling)} |`,
  );
  return [header, rule, ...rows].join('\n');
}
