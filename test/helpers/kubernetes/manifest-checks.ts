import { type Peer, reachableFrom } from './network-policy.js';
import { idOf, type K8sObject, type Labels } from './render.js';
import {
  type Container,
  type LabelSelector,
  ofKind,
  type PodTemplate,
  type Probe,
  portNumber,
  selects,
  type Workload,
  workloadsOf,
} from './workloads.js';

/**
 * The properties docs/kubernetes.md promises, checked on a rendered overlay. Each check returns
 * one line per problem (empty: all good), so a test can show that a broken manifest is caught.
 */

const BEACON: Labels = { 'app.kubernetes.io/name': 'beacon', 'app.kubernetes.io/component': 'server' };
const CADDY: Labels = { 'app.kubernetes.io/name': 'caddy', 'app.kubernetes.io/component': 'edge' };
const REDIS: Labels = { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/component': 'shared-state' };

const MCP_PORT = 3000;
const METRICS_PORT = 9464;
const REDIS_PORT = 6379;

const workloadWith = (objects: readonly K8sObject[], labels: Labels): Workload | undefined =>
  workloadsOf(objects).find((w) => selects({ matchLabels: labels }, w.spec.template.metadata.labels));

/** Every container: non-root, no privilege escalation, read-only root, no capabilities, seccomp, resources, probes. */
export function securityProblems(objects: readonly K8sObject[]): string[] {
  return workloadsOf(objects).flatMap((workload) => {
    const pod = workload.spec.template.spec;
    return pod.containers.flatMap((c) => {
      const at = `${idOf(workload)} container ${c.name}`;
      const sc = c.securityContext ?? {};
      const problems: string[] = [];
      if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true)
        problems.push(`${at}: runAsNonRoot is not set`);
      if (sc.allowPrivilegeEscalation !== false)
        problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
      if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${at}: adds capabilities`);
      if ((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type !== 'RuntimeDefault') {
        problems.push(`${at}: seccomp profile is not RuntimeDefault`);
      }
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (!c.resources?.[kind]?.[resource]) problems.push(`${at}: no ${resource} ${kind.slice(0, -1)}`);
        }
      }
      if (!c.readinessProbe) problems.push(`${at}: no readiness probe`);
      if (!c.livenessProbe) problems.push(`${at}: no liveness probe`);
      return problems;
    });
  });
}

/** The env a container sees from literal values and envFrom ConfigMaps (Secrets are not read). */
function envOf(objects: readonly K8sObject[], container: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef?.name);
    for (const [key, value] of Object.entries((map?.data as Labels | undefined) ?? {})) env.set(key, value);
  }
  for (const entry of container.env ?? []) if (entry.value !== undefined) env.set(entry.name, entry.value);
  return env;
}

/** Beacon's Deployment: replicas, rolling strategy, probes on the right paths, and the grace arithmetic. */
export function beaconDeploymentProblems(objects: readonly K8sObject[]): string[] {
  const deployment = workloadWith(objects, BEACON);
  if (!deployment) return ['no Beacon workload'];
  const at = idOf(deployment);
  const problems: string[] = [];
  if ((deployment.spec.replicas ?? 1) < 2) problems.push(`${at}: fewer than 2 replicas`);
  if (deployment.spec.strategy?.rollingUpdate?.maxUnavailable !== 0)
    problems.push(`${at}: maxUnavailable is not 0`);
  const template = deployment.spec.template;
  const container = template.spec.containers.find((c) => c.name === 'beacon');
  if (!container) return [...problems, `${at}: no container named beacon`];
  const checkProbe = (name: string, probe: Probe | undefined, path: string) => {
    const port = probe?.httpGet ? portNumber(template, probe.httpGet.port) : undefined;
    if (probe?.httpGet?.path !== path || port !== MCP_PORT) {
      problems.push(`${at}: ${name} is not GET ${path} on port ${MCP_PORT}`);
    }
  };
  checkProbe('readinessProbe', container.readinessProbe, '/readyz');
  checkProbe('livenessProbe', container.livenessProbe, '/healthz');

  const env = envOf(objects, container);
  const delayMs = Number(env.get('SHUTDOWN_DELAY_MS') ?? 5000);
  const graceMs = Number(env.get('SHUTDOWN_GRACE_MS') ?? 10000);
  const preStop = container.lifecycle?.preStop?.exec?.command;
  const sleepS = preStop?.[0] === 'sleep' ? Number(preStop[1]) : Number.NaN;
  if (!Number.isFinite(sleepS)) problems.push(`${at}: preStop is not a sleep`);
  else if (sleepS * 1000 > delayMs) {
    problems.push(`${at}: preStop sleeps ${sleepS} s, longer than SHUTDOWN_DELAY_MS (${delayMs} ms)`);
  }
  const terminationS = template.spec.terminationGracePeriodSeconds ?? 30;
  const neededS = (Number.isFinite(sleepS) ? sleepS : 0) + delayMs / 1000 + graceMs / 1000;
  if (!(terminationS > neededS)) {
    problems.push(
      `${at}: terminationGracePeriodSeconds ${terminationS} is not longer than preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS (${neededS} s)`,
    );
  }
  return problems;
}

interface Selecting extends K8sObject {
  spec: {
    selector?: LabelSelector | Labels;
    podSelector?: LabelSelector;
    scaleTargetRef?: { kind: string; name: string };
  };
}

/** Services, PDBs, NetworkPolicies and ServiceMonitors select pods (or Services) that exist; HPAs name their target. */
export function selectorProblems(objects: readonly K8sObject[]): string[] {
  const templates = workloadsOf(objects).map((w) => w.spec.template);
  const matchesPod = (selector: LabelSelector) => templates.some((t) => selects(selector, t.metadata.labels));
  const problems = workloadsOf(objects)
    .filter((w) => !selects(w.spec.selector, w.spec.template.metadata.labels))
    .map((w) => `${idOf(w)}: selector does not match its own pod template`);
  for (const object of objects as readonly Selecting[]) {
    const { spec } = object;
    if (object.kind === 'Service' && !matchesPod({ matchLabels: spec.selector as Labels })) {
      problems.push(`${idOf(object)}: selector matches no pod`);
    }
    if (object.kind === 'PodDisruptionBudget' && !matchesPod(spec.selector as LabelSelector)) {
      problems.push(`${idOf(object)}: selector matches no pod`);
    }
    if (object.kind === 'NetworkPolicy' && spec.podSelector && Object.keys(spec.podSelector).length > 0) {
      if (!matchesPod(spec.podSelector)) problems.push(`${idOf(object)}: podSelector matches no pod`);
    }
    if (object.kind === 'HorizontalPodAutoscaler') {
      const target = spec.scaleTargetRef;
      if (!objects.some((o) => o.kind === target?.kind && o.metadata.name === target?.name)) {
        problems.push(`${idOf(object)}: scaleTargetRef names no object`);
      }
    }
    if (object.kind === 'ServiceMonitor') {
      const services = ofKind(objects, 'Service').filter((s) =>
        selects(spec.selector as LabelSelector, s.metadata.labels),
      );
      const ports = (object.spec as { endpoints: { port: string }[] }).endpoints.map((e) => e.port);
      const named = (s: K8sObject) =>
        ((s.spec as { ports?: { name?: string }[] }).ports ?? []).map((p) => p.name);
      if (!ports.every((port) => services.some((s) => named(s).includes(port)))) {
        problems.push(`${idOf(object)}: selects no Service with port ${ports.join(', ')}`);
      }
    }
  }
  return problems;
}

/** Every ConfigMap and Secret a pod uses is rendered, or is one the overlay says you create. */
export function referenceProblems(
  objects: readonly K8sObject[],
  externalSecrets: readonly string[],
): string[] {
  const has = (kind: string, name: string) =>
    objects.some((o) => o.kind === kind && o.metadata.name === name);
  return workloadsOf(objects).flatMap((workload) => {
    const pod: PodTemplate['spec'] = workload.spec.template.spec;
    const secrets = [
      ...(pod.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : [])),
      ...pod.containers.flatMap((c) => [
        ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
        ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : [])),
      ]),
    ];
    const configMaps = [
      ...(pod.volumes ?? []).flatMap((v) => (v.configMap ? [v.configMap.name] : [])),
      ...pod.containers.flatMap((c) =>
        (c.envFrom ?? []).flatMap((e) => (e.configMapRef ? [e.configMapRef.name] : [])),
      ),
    ];
    return [
      ...secrets
        .filter((name) => !has('Secret', name) && !externalSecrets.includes(name))
        .map((name) => `${idOf(workload)}: Secret ${name} is neither rendered nor listed as created by you`),
      ...configMaps
        .filter((name) => !has('ConfigMap', name))
        .map((name) => `${idOf(workload)}: ConfigMap ${name} is not rendered`),
    ];
  });
}

/** The peers a connection can come from: every rendered workload, plus stand-ins outside the namespace. */
function peersOf(objects: readonly K8sObject[], namespace: string): Peer[] {
  const namespaceLabels = (name: string): Labels => ({
    ...(objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)?.metadata.labels ?? {}),
    'kubernetes.io/metadata.name': name,
  });
  return [
    ...workloadsOf(objects).map((w) => ({
      name: w.metadata.name,
      namespace,
      namespaceLabels: namespaceLabels(namespace),
      labels: w.spec.template.metadata.labels,
    })),
    {
      name: 'monitoring',
      namespace: 'monitoring',
      namespaceLabels: namespaceLabels('monitoring'),
      labels: {},
    },
    {
      name: 'other-namespace',
      namespace: 'default',
      namespaceLabels: namespaceLabels('default'),
      labels: {},
    },
    { name: 'outside-cluster' },
  ];
}

/** Only Caddy reaches port 3000, only the monitoring namespace reaches the metrics port, only Beacon reaches Redis. */
export function networkPolicyProblems(objects: readonly K8sObject[]): string[] {
  const policies = ofKind(objects, 'NetworkPolicy');
  const beacon = workloadWith(objects, BEACON);
  const caddy = workloadWith(objects, CADDY);
  const redis = workloadWith(objects, REDIS);
  if (!beacon || !caddy) return ['no Beacon or no Caddy workload'];
  const namespace = beacon.metadata.namespace ?? 'default';
  const peers = peersOf(objects, namespace);
  const expectations: [Workload, number, string[]][] = [
    [beacon, MCP_PORT, [caddy.metadata.name]],
    [beacon, METRICS_PORT, ['monitoring']],
  ];
  if (redis) expectations.push([redis, REDIS_PORT, [beacon.metadata.name]]);
  return expectations.flatMap(([workload, port, expected]) => {
    const got = reachableFrom(policies, { namespace, template: workload.spec.template }, port, peers);
    return got.join() === expected.join()
      ? []
      : [
          `${idOf(workload)} port ${port} is reachable from [${got.join(', ')}], expected only [${expected.join(', ')}]`,
        ];
  });
}

export function manifestProblems(
  objects: readonly K8sObject[],
  externalSecrets: readonly string[] = [],
): string[] {
  return [
    ...securityProblems(objects),
    ...beaconDeploymentProblems(objects),
    ...selectorProblems(objects),
    ...referenceProblems(objects, externalSecrets),
    ...networkPolicyProblems(objects),
  ];
}
