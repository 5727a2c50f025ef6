import type { K8sObject, Labels } from './render.js';
import { type LabelSelector, type PodTemplate, portNumber, selects } from './workloads.js';

/**
 * Who may open a TCP connection to a pod's port under a set of NetworkPolicies, evaluated the way
 * the API defines it: a pod selected by no Ingress policy accepts everything; a selected pod
 * accepts a connection that some rule of a selecting policy allows, by peer and by port.
 */

export interface Peer {
  /** A name for messages: the workload, or a stand-in such as `monitoring`. */
  name: string;
  /** Undefined for a client outside the cluster. */
  namespace?: string;
  namespaceLabels?: Labels;
  labels?: Labels;
}

export interface Target {
  namespace: string;
  template: PodTemplate;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Policy extends K8sObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: PolicyPeer[]; ports?: { port?: number | string; protocol?: string }[] }[];
  };
}

function peerMatches(rule: PolicyPeer, policyNamespace: string, peer: Peer): boolean {
  if (rule.ipBlock) return peer.namespace === undefined || rule.ipBlock.cidr === '0.0.0.0/0';
  if (peer.namespace === undefined) return false;
  const inNamespace = rule.namespaceSelector
    ? selects(rule.namespaceSelector, peer.namespaceLabels)
    : peer.namespace === policyNamespace;
  return inNamespace && selects(rule.podSelector ?? {}, peer.labels);
}

const isIngressPolicy = (policy: Policy): boolean =>
  (policy.spec.policyTypes ?? ['Ingress']).includes('Ingress');

export function mayConnect(
  policies: readonly K8sObject[],
  target: Target,
  port: number,
  peer: Peer,
): boolean {
  const selecting = (policies as readonly Policy[]).filter(
    (policy) =>
      policy.kind === 'NetworkPolicy' &&
      (policy.metadata.namespace ?? target.namespace) === target.namespace &&
      isIngressPolicy(policy) &&
      selects(policy.spec.podSelector, target.template.metadata.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec.ingress ?? []).some((rule) => {
      const portOk =
        !rule.ports ||
        rule.ports.length === 0 ||
        rule.ports.some(
          (p) =>
            (p.protocol ?? 'TCP') === 'TCP' &&
            (p.port === undefined || portNumber(target.template, p.port) === port),
        );
      const peerOk =
        !rule.from ||
        rule.from.length === 0 ||
        rule.from.some((from) => peerMatches(from, policy.metadata.namespace ?? target.namespace, peer));
      return portOk && peerOk;
    }),
  );
}

/** The names of the peers that may connect, sorted. */
export function reachableFrom(
  policies: readonly K8sObject[],
  target: Target,
  port: number,
  peers: readonly Peer[],
): string[] {
  return peers
    .filter((peer) => mayConnect(policies, target, port, peer))
    .map((peer) => peer.name)
    .sort();
}
