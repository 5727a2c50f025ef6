import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { idOf, type K8sObject } from './render.js';

/**
 * Validates rendered objects against the Kubernetes API schemas (kubernetes-models, generated
 * from the OpenAPI spec): wrong types, missing required fields and bad enum values are caught.
 * The schemas allow unknown fields, so a misspelt optional field passes here; the property
 * checks in manifest-checks.ts read the fields that matter by their real names.
 * CRDs have no model: the ServiceMonitor is checked structurally below.
 */

type Validator = (object: K8sObject) => void;

const model =
  (Model: new (data: never) => { validate(): void }): Validator =>
  (object) =>
    new Model(object as never).validate();

const VALIDATORS: Readonly<Record<string, Validator>> = {
  'v1/Namespace': model(Namespace),
  'v1/ConfigMap': model(ConfigMap),
  'v1/Secret': (object) => model(Secret)(withUnwrappedData(object)),
  'v1/Service': model(Service),
  'apps/v1/Deployment': model(Deployment),
  'apps/v1/StatefulSet': model(StatefulSet),
  'autoscaling/v2/HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'monitoring.coreos.com/v1/ServiceMonitor': validateServiceMonitor,
};

/**
 * kustomize wraps long base64 values over several lines; the API server decodes them with Go's
 * base64, which skips line breaks, while the schema's `byte` format does not.
 */
function withUnwrappedData(secret: K8sObject): K8sObject {
  const data = secret.data as Record<string, string> | undefined;
  if (!data) return secret;
  const unwrapped = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, value.replace(/[\r\n]/g, '')]),
  );
  return { ...secret, data: unwrapped };
}

/** The Prometheus Operator's ServiceMonitor: the fields Beacon's component sets, by their CRD's rules. */
function validateServiceMonitor(object: K8sObject): void {
  const spec = object.spec as
    | {
        selector?: { matchLabels?: unknown };
        endpoints?: { port?: unknown; path?: unknown; interval?: unknown }[];
      }
    | undefined;
  const labels = spec?.selector?.matchLabels;
  if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) {
    throw new Error('spec.selector.matchLabels must name the Service to scrape');
  }
  if (!Array.isArray(spec?.endpoints) || spec.endpoints.length === 0) {
    throw new Error('spec.endpoints must list at least one endpoint');
  }
  for (const [i, endpoint] of spec.endpoints.entries()) {
    if (typeof endpoint.port !== 'string')
      throw new Error(`spec.endpoints[${i}].port must be a Service port name`);
    if (endpoint.path !== undefined && !/^\//.test(String(endpoint.path))) {
      throw new Error(`spec.endpoints[${i}].path must start with /`);
    }
    if (endpoint.interval !== undefined && !/^(\d+(ms|s|m|h))+$/.test(String(endpoint.interval))) {
      throw new Error(`spec.endpoints[${i}].interval must be a duration such as 15s`);
    }
  }
}

/** One line per object that fails its schema, or that no schema here knows. */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  return objects.flatMap((object) => {
    const validate = VALIDATORS[`${object.apiVersion}/${object.kind}`];
    if (!validate) return [`${idOf(object)}: no schema for ${object.apiVersion} ${object.kind}`];
    try {
      validate(object);
      return [];
    } catch (error) {
      return [`${idOf(object)}: ${(error as Error).message}`];
    }
  });
}
