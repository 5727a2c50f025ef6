import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manifestProblems } from '../helpers/kubernetes/manifest-checks.js';
import {
  idOf,
  type K8sObject,
  KUBERNETES_DIR,
  type Labels,
  ROOT,
  renderOverlay,
} from '../helpers/kubernetes/render.js';
import { schemaProblems } from '../helpers/kubernetes/schemas.js';
import type { Workload } from '../helpers/kubernetes/workloads.js';
import { requireBinary } from '../helpers/metrics.js';

/**
 * deploy/kubernetes rendered as users render it (kubectl kustomize), validated against the API
 * schemas, and checked for what docs/kubernetes.md promises. No cluster is needed.
 */

/** The Secrets the production overlay expects you to create; it commits none. */
const PRODUCTION_SECRETS = ['beacon-api-keys', 'beacon-redis', 'beacon-tls'];

const OVERLAYS = {
  dev: { externalSecrets: [] as string[] },
  production: { externalSecrets: PRODUCTION_SECRETS },
};

const rendered = new Map<string, K8sObject[]>();

const find = (objects: readonly K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
};

before(() => {
  requireBinary('kubectl', 'kubernetes-client');
  for (const overlay of Object.keys(OVERLAYS)) {
    rendered.set(overlay, renderOverlay(join(KUBERNETES_DIR, 'overlays', overlay)));
  }
});

for (const [overlay, { externalSecrets }] of Object.entries(OVERLAYS)) {
  describe(`overlay ${overlay}`, () => {
    const objects = () => rendered.get(overlay) ?? [];

    it('renders, and every object passes its schema', () => {
      assert.ok(objects().length > 10, objects().map(idOf).join(', '));
      assert.deepEqual(schemaProblems(objects()), []);
    });

    it('keeps the promises: security context, probes, grace arithmetic, selectors, NetworkPolicy coverage', () => {
      assert.deepEqual(manifestProblems(objects(), externalSecrets), []);
    });

    it('puts every namespaced object in the beacon namespace', () => {
      const stray = objects().filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'beacon');
      assert.deepEqual(stray.map(idOf), []);
    });

    it("serves the repository's Caddyfile, unchanged", () => {
      const config = find(objects(), 'ConfigMap', 'caddy-config-');
      assert.equal(
        (config.data as Record<string, string>).Caddyfile,
        readFileSync(join(ROOT, 'Caddyfile'), 'utf8'),
      );
    });

    it('gives Caddy a Caddyfile that caddy validate accepts with the env the overlay sets', () => {
      requireBinary('caddy', 'caddy');
      const env = { ...(find(objects(), 'ConfigMap', 'caddy-env-').data as Record<string, string>) };
      const dir = mkdtempSync(join(tmpdir(), 'beacon-k8s-caddy-'));
      try {
        if (env.CADDY_TLS === 'files') {
          // Stand-ins for the TLS Secret's files, which caddy validate loads.
          env.CADDY_TLS_CERT_FILE = join(dir, 'tls.crt');
          env.CADDY_TLS_KEY_FILE = join(dir, 'tls.key');
          requireBinary('openssl', 'openssl');
          const cert = spawnSync('openssl', [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-days',
            '1',
            '-subj',
            `/CN=${env.SITE_ADDRESS}`,
            '-keyout',
            env.CADDY_TLS_KEY_FILE,
            '-out',
            env.CADDY_TLS_CERT_FILE,
          ]);
          assert.equal(cert.status, 0, String(cert.stderr));
        }
        const result = spawnSync(
          'caddy',
          ['validate', '--config', join(ROOT, 'Caddyfile'), '--adapter', 'caddyfile'],
          // Caddy's internal CA is created under XDG_DATA_HOME while validating: keep it in the temp dir.
          { encoding: 'utf8', env: { ...process.env, XDG_DATA_HOME: dir, ...env } },
        );
        assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('secrets', () => {
  it('production commits none: it references Secrets by name', () => {
    const production = rendered.get('production') ?? [];
    assert.deepEqual(production.filter((o) => o.kind === 'Secret').map(idOf), []);
  });

  it('dev renders only the published development secrets, each marked as such', () => {
    const secrets = (rendered.get('dev') ?? []).filter((o) => o.kind === 'Secret');
    assert.ok(secrets.length > 0);
    for (const secret of secrets) {
      const text = Object.values(secret.data as Record<string, string>)
        .map((value) => Buffer.from(value, 'base64').toString('utf8'))
        .join('\n');
      // The API key file holds a hash; the others name the published development values.
      assert.match(
        text,
        /local-development-only|"sha256"/,
        `${idOf(secret)} is a published development secret`,
      );
    }
  });
});

describe('the checks catch a broken manifest', () => {
  /** A copy of the dev render with one change, and the problems the checks then report. */
  const broken = (change: (objects: K8sObject[]) => void) => {
    const objects = structuredClone(rendered.get('dev') ?? []);
    change(objects);
    return [...schemaProblems(objects), ...manifestProblems(objects)].join('\n');
  };
  const beaconPod = (objects: K8sObject[]) =>
    (find(objects, 'Deployment', 'beacon') as Workload).spec.template.spec;

  it('a schema violation', () => {
    const problems = broken((objects) => {
      (find(objects, 'Deployment', 'beacon').spec as { replicas: unknown }).replicas = 'two';
    });
    assert.match(problems, /Deployment\/beacon: .*replicas must be integer/);
  });

  it('a writable root filesystem', () => {
    const problems = broken((objects) => {
      const container = beaconPod(objects).containers[0];
      if (container?.securityContext) container.securityContext.readOnlyRootFilesystem = false;
    });
    assert.match(problems, /container beacon: readOnlyRootFilesystem is not true/);
  });

  it('a termination grace period shorter than preStop + delay + grace', () => {
    const problems = broken((objects) => {
      beaconPod(objects).terminationGracePeriodSeconds = 20;
    });
    assert.match(problems, /terminationGracePeriodSeconds 20 is not longer than .* \(20 s\)/);
  });

  it('a Service whose selector matches no pod', () => {
    const problems = broken((objects) => {
      (find(objects, 'Service', 'beacon-headless').spec as { selector: Labels }).selector = {
        'app.kubernetes.io/name': 'beacn',
      };
    });
    assert.match(problems, /Service\/beacon-headless: selector matches no pod/);
  });

  it('a NetworkPolicy that opens port 3000 to everyone', () => {
    const problems = broken((objects) => {
      const policy = find(objects, 'NetworkPolicy', 'beacon-ingress').spec as {
        ingress: { from?: unknown }[];
      };
      delete policy.ingress[0]?.from;
    });
    assert.match(
      problems,
      /Deployment\/beacon port 3000 is reachable from \[.*outside-cluster.*\], expected only \[caddy\]/,
    );
  });

  it('Redis without its NetworkPolicy, so Beacon cannot reach it', () => {
    const problems = broken((objects) => {
      objects.splice(objects.indexOf(find(objects, 'NetworkPolicy', 'redis-ingress')), 1);
    });
    assert.match(problems, /StatefulSet\/redis port 6379 is reachable from \[\], expected only \[beacon\]/);
  });

  it('a ServiceMonitor without endpoints', () => {
    const production = structuredClone(rendered.get('production') ?? []);
    (find(production, 'ServiceMonitor', 'beacon').spec as { endpoints: unknown[] }).endpoints = [];
    assert.match(schemaProblems(production).join('\n'), /ServiceMonitor\/beacon: spec.endpoints must list/);
  });
});

after(() => {
  // The rendered object list, for the reader of a CI log.
  for (const [overlay, objects] of rendered) console.log(`${overlay}: ${objects.map(idOf).join(', ')}`);
});
