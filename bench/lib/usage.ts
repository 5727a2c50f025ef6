import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What the servers spent on a piece of work, read before and after it: CPU time of a process
 * from /proc, and a redis-server's own CPU time and command counts from INFO. On a shared
 * machine CPU per call moves far less with the load than calls/s does.
 */

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface RedisUsage {
  cpuSeconds: number;
  /** Calls so far per command, lower-case (`evalsha`, `hget`...), from INFO commandstats. */
  commands: Record<string, number>;
}

/**
 * One `redis-cli INFO cpu commandstats`. A password in the URL (`redis://:pw@host:port`) goes to
 * redis-cli through REDISCLI_AUTH, which keeps it off the command line.
 */
export function redisUsage(url: string): RedisUsage {
  const { hostname, port, password } = new URL(url);
  const info = execFileSync(
    'redis-cli',
    ['-h', hostname, '-p', port || '6379', 'INFO', 'cpu', 'commandstats'],
    {
      encoding: 'utf8',
      // An empty REDISCLI_AUTH would still send AUTH, which a server without a password refuses.
      env: password ? { ...process.env, REDISCLI_AUTH: decodeURIComponent(password) } : process.env,
    },
  );
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  const commands: Record<string, number> = {};
  for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    commands[name as string] = Number(calls);
  return { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), commands };
}
