import type { K8sObject, Labels, Metadata } from './render.js';

/** The parts of rendered workloads the checks read (the schemas have already checked their shape). */

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

export interface Container {
  name: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string }; configMapKeyRef?: { name: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Labels; limits?: Labels };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
}

export interface PodTemplate {
  metadata: Metadata;
  spec: {
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
    containers: Container[];
    volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
  };
}

export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: PodTemplate;
  };
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export const workloadsOf = (objects: readonly K8sObject[]): Workload[] =>
  objects.filter((o): o is Workload => WORKLOAD_KINDS.has(o.kind));

export const ofKind = (objects: readonly K8sObject[], kind: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind);

/** Kubernetes label selector semantics; an empty selector matches everything. */
export function selects(selector: LabelSelector | undefined, labels: Labels = {}): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const value = labels[key];
    const ok =
      operator === 'In'
        ? has && values.includes(value as string)
        : operator === 'NotIn'
          ? !has || !values.includes(value as string)
          : operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

/** A container port given by number or by name, as a number. */
export function portNumber(template: PodTemplate, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  for (const container of template.spec.containers) {
    const found = container.ports?.find((p) => p.name === port);
    if (found) return found.containerPort;
  }
  return undefined;
}
