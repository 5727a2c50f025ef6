import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Renders a kustomize overlay the way docs/kubernetes.md tells users to, and parses the
 * multi-document output. `--load-restrictor LoadRestrictionsNone` lets the Caddy ConfigMap come
 * from the repository's one Caddyfile instead of a copy inside the kustomization.
 */

export const ROOT = resolve(import.meta.dirname, '../../..');
export const KUBERNETES_DIR = resolve(ROOT, 'deploy/kubernetes');

export type Labels = Readonly<Record<string, string>>;

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Labels;
}

/** A rendered object. Fields beyond these are read through the narrower types in manifest-types.ts. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [field: string]: unknown;
}

export function renderOverlay(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr || result.error}`);
  return parseAllDocuments(result.stdout).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`document ${index}: ${doc.errors[0]?.message}`);
    return doc.toJS() as K8sObject;
  });
}

export const idOf = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
