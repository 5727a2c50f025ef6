import { findOnPath, installHint } from '../../scripts/preflight.js';
import type { BeaconProcess } from './beacon-process.js';

/** The metrics URL a running Beacon logged in its `metrics listening` line. */
export async function metricsUrlOf(beacon: BeaconProcess): Promise<string> {
  const line = await beacon.waitForLog((e) => e.msg === 'metrics listening');
  return String(line.url);
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.text();
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of the Prometheus text format (comments skipped; label values unescaped). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `labels` (0 when there is none). */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseSamples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Full path of a binary in PATH, or a clear failure saying which package provides it. */
export function requireBinary(name: string, debianPackage: string): string {
  const found = findOnPath(name, process.env.PATH ?? '');
  if (found) return found;
  throw new Error(
    `${name} not found in PATH; install the Debian package "${debianPackage}" (${installHint(debianPackage)})`,
  );
}
