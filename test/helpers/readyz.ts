import type { BeaconProcess } from './beacon-process.js';
import { eventually } from './eventually.js';

export interface ReadyzAnswer {
  status: number;
  body: { status?: string; redis?: string };
}

export async function readyz(beacon: BeaconProcess): Promise<ReadyzAnswer> {
  const res = await fetch(`${beacon.origin}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyzAnswer['body'] };
}

/** Waits until the replica's /readyz reports its Redis link as `link`, and returns that answer. */
export function whenRedisIs(
  beacon: BeaconProcess,
  link: 'up' | 'down',
  timeoutMs = 15_000,
): Promise<ReadyzAnswer> {
  return eventually(
    `/readyz reporting redis ${link}`,
    async () => {
      const answer = await readyz(beacon);
      return answer.body.redis === link ? answer : undefined;
    },
    timeoutMs,
  );
}
