import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaults, resolveConfig, SETTINGS } from '../../src/config/settings.js';
import { mlConfigFromEnv } from '../../src/ml/ml-config.js';
import {
  CHART_DIR,
  findManifest,
  type KubeManifest,
  renderChart,
  renderNotes,
} from '../support/helm-chart.js';
import { REALISTIC_VALUES } from './realistic-values.js';

const NS = 'coordination-engine';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env: EnvVar[];
  ports: { name: string; containerPort: number }[];
  securityContext: Record<string, unknown>;
  resources: Record<string, Record<string, string>>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: unknown; secret?: { secretName: string; items?: { key: string }[] } }[];
}
interface Deployment extends KubeManifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

async function engine(overrides: Record<string, unknown> = {}) {
  const { documents } = await renderChart(overrides, { namespace: NS });
  const deployment = findManifest(documents, 'Deployment') as Deployment;
  const container = deployment.spec.template.spec.containers[0] as Container;
  const env = new Map(container.env.map((e) => [e.name, e]));
  return { documents, deployment, container, env, pod: deployment.spec.template.spec };
}

/**
 * Variables the engine reads although they are not settings of its own: the pod's name and namespace (set by the
 * downward API) and the ML tuning variables. Each is proven to be read by the engine below, not just listed here.
 */
const POD_VARIABLES = ['POD_NAME', 'POD_NAMESPACE'];

describe('the rendered chart', () => {
  it('ships crds/ byte for byte equal to the repository crds/', async () => {
    const top = fileURLToPath(new URL('../../crds/', import.meta.url));
    const files = (await readdir(top)).sort();
    expect(files.length).toBeGreaterThan(0);
    expect((await readdir(join(CHART_DIR, 'crds'))).sort()).toEqual(files);
    for (const file of files) {
      const chart = await readFile(join(CHART_DIR, 'crds', file));
      expect(chart.equals(await readFile(join(top, file))), `charts/coordination-engine/crds/${file}`).toBe(
        true,
      );
    }
  });

  it('renders the default installation: two replicas electing a leader in the release namespace', async () => {
    const { documents, deployment, container, env, pod } = await engine();
    expect(documents.map((d) => d.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    for (const doc of documents) {
      if (!doc.kind.startsWith('Cluster')) expect(doc.metadata.namespace, doc.kind).toBe(NS);
    }
    expect(deployment.spec.replicas).toBe(2);
    expect(env.get('LEADER_ELECTION')?.value).toBe('true');
    expect(env.get('LEADER_ELECTION_NAMESPACE')?.value).toBe(NS);
    expect(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(container.image).toBe('coordination-engine:0.1.0');
    expect(container.args).toEqual(['run']);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'api' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'api' });
    expect(container.resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(container.resources.limits).toEqual({ memory: '512Mi' });
    expect(pod.serviceAccountName).toBe(findManifest(documents, 'ServiceAccount').metadata.name);
    // The Service, PodDisruptionBudget and Deployment select the pods the Deployment creates.
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
    const service = findManifest(documents, 'Service') as KubeManifest & {
      spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
    };
    expect(labels).toMatchObject(service.spec.selector);
    const pdb = findManifest(documents, 'PodDisruptionBudget') as KubeManifest & {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBe(1);
    // API and metrics ports, by the container ports' names, and the engine is told the same numbers.
    expect(service.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['api', 8080, 'api'],
      ['metrics', 9090, 'metrics'],
    ]);
    expect(container.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ['api', 8080],
      ['metrics', 9090],
    ]);
    expect(env.get('PORT')?.value).toBe('8080');
    expect(env.get('METRICS_PORT')?.value).toBe('9090');
  });

  it('runs locked down: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp', async () => {
    for (const overrides of [{}, REALISTIC_VALUES]) {
      const { container, pod } = await engine(overrides);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const tmp = container.volumeMounts.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    }
    // A platform-assigned user (OpenShift) is left out, never set to root; a large uid stays an integer.
    expect((await engine({ runAsUser: null })).pod.securityContext).not.toHaveProperty('runAsUser');
    expect((await engine({ runAsUser: 1000680000 })).pod.securityContext.runAsUser).toBe(1000680000);
  });

  it('sets only environment variables and flags the engine knows, with values it accepts', async () => {
    const settings = new Set(SETTINGS.map((s) => s.env));
    const flags = new Set(SETTINGS.map((s) => s.flag));
    // The pod variables are read by the engine's defaults.
    expect(defaults({ POD_NAME: 'engine-0', POD_NAMESPACE: 'ops' })).toMatchObject({
      leaderElectionIdentity: 'engine-0',
      leaderElectionNamespace: 'ops',
    });
    for (const overrides of [{}, REALISTIC_VALUES]) {
      const { container } = await engine(overrides);
      for (const arg of container.args ?? []) {
        if (arg.startsWith('--')) expect(flags, arg).toContain(arg.split('=')[0]);
        else expect(arg).toBe('run');
      }
      const literal: Record<string, string> = { POD_NAME: 'engine-0', POD_NAMESPACE: NS };
      for (const variable of container.env) {
        const known = settings.has(variable.name) || POD_VARIABLES.includes(variable.name);
        expect(known, `${variable.name} is not a setting of the engine`).toBe(true);
        if (variable.value !== undefined) literal[variable.name] = variable.value;
      }
      // The engine's own parsers accept every value the chart sets (they throw naming the setting otherwise).
      expect(() => resolveConfig({}, literal)).not.toThrow();
      expect(() => mlConfigFromEnv(literal)).not.toThrow();
    }
  });

  it('passes the values on as the engine settings they document', async () => {
    const { env } = await engine(REALISTIC_VALUES);
    const config = resolveConfig(
      {},
      Object.fromEntries(
        [...env.values()].filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
      ),
    );
    expect(config).toMatchObject({
      namespaces: ['shop', 'payments'],
      protectedNamespaces: ['kube-system', 'monitoring', NS],
      dryRun: true,
      prometheusUrl: 'https://thanos-querier.openshift-monitoring.svc:9091',
      prometheusTimeoutMs: 45_000,
      prometheusBearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      mlServiceUrl: 'http://anomaly-detector-predictor.ml.svc:8080',
      mlBackend: 'kserve',
      mlKserveEncoding: 'score',
      mlCircuitBreakerThreshold: 5,
      mlCircuitBreakerTimeoutMs: 60_000,
      logLevel: 'debug',
      leaderElectionLeaseName: 'coordination-engine-leader',
    });
    // Without a list the engine's own default applies (kube-* and its namespace): the chart sets nothing.
    expect((await engine()).env.has('PROTECTED_NAMESPACES')).toBe(false);
  });

  it('mounts the webhook token Secret read-only and points WEBHOOK_TOKEN_FILE into it', async () => {
    const { container, env, pod } = await engine({
      webhook: { tokenSecretName: 'hook', tokenSecretKey: 'bearer' },
    });
    const file = env.get('WEBHOOK_TOKEN_FILE')?.value ?? '';
    const mount = container.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    expect(file).toBe(`${mount?.mountPath}/bearer`);
    expect(pod.volumes.find((v) => v.name === mount?.name)?.secret).toMatchObject({
      secretName: 'hook',
      items: [{ key: 'bearer', path: 'bearer' }],
    });
    expect((await engine()).env.has('WEBHOOK_TOKEN_FILE')).toBe(false);
  });

  it('mounts the token Secrets readable by the engine, whoever the platform runs it as', async () => {
    // Secret files belong to root, group fsGroup when one is set (else root): the engine (non-root) reads them
    // through the group bit only with an fsGroup, otherwise only through the bit for others.
    const secrets = {
      webhook: { tokenSecretName: 'hook' },
      prometheus: { bearerToken: { secretName: 'prom-token' } },
    };
    for (const ids of [{}, { runAsGroup: null }, { runAsUser: null, runAsGroup: null }]) {
      const { pod } = await engine({ ...secrets, ...ids });
      const fsGroup = pod.securityContext.fsGroup;
      for (const volume of pod.volumes.filter((v) => v.secret)) {
        const mode = (volume.secret as { defaultMode?: number }).defaultMode ?? 0o644;
        const readBit = fsGroup === undefined ? 0o004 : 0o040;
        expect(mode & readBit, `${volume.name} with ${JSON.stringify(ids)}`).not.toBe(0);
      }
    }
  });

  it('mounts a Prometheus token Secret, or passes a token file path as given', async () => {
    const secret = await engine({ prometheus: { bearerToken: { secretName: 'prom-token' } } });
    const file = secret.env.get('PROMETHEUS_BEARER_TOKEN_FILE')?.value ?? '';
    const mount = secret.container.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
    expect(secret.pod.volumes.find((v) => v.name === mount?.name)?.secret?.secretName).toBe('prom-token');
    expect(file.endsWith('/token')).toBe(true);
    const path = await engine({ prometheus: { bearerToken: { file: '/var/run/token' } } });
    expect(path.env.get('PROMETHEUS_BEARER_TOKEN_FILE')?.value).toBe('/var/run/token');
    expect((await engine()).env.has('PROMETHEUS_BEARER_TOKEN_FILE')).toBe(false);
  });

  it('renders NOTES.txt with what is missing', async () => {
    const notes = await renderNotes({}, { namespace: NS });
    expect(notes).toContain('WARNING: prometheus.url is not set');
    expect(notes).toContain('kubectl -n coordination-engine get lease coordination-engine-leader');
    const configured = await renderNotes(REALISTIC_VALUES, { namespace: NS });
    expect(configured).not.toContain('WARNING');
    expect(configured).toContain('Watching: shop, payments (namespaced Roles)');
    expect(configured).toContain('DRY RUN');
  });
});
