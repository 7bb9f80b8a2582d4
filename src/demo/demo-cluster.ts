import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeRest } from '../kube/rest-client.js';

/**
 * The demo's workloads, created through the Kubernetes API as a user would; the simulated control plane (controllers,
 * scheduler, kubelets) turns them into running pods, and one web pod is made to run hot with the simulator's
 * failure annotation, as `kubectl annotate pod` would.
 */
export const SHOP_NAMESPACE = 'shop';
export const PART_OF = { 'app.kubernetes.io/part-of': 'shop' };
export const NODE_COUNT = 3;
const BEHAVIOUR = 'sandbox.coordination-engine.io/behaviour';

/** The engine's crds/ directory: src/demo/ under tsx, or dist/src/demo/ once built (the package ships crds/ beside dist/). */
function crdsDir(): URL {
  const dir = ['../../crds/', '../../../crds/']
    .map((d) => new URL(d, import.meta.url))
    .find((url) => existsSync(new URL('remediationpolicy.yaml', url)));
  if (!dir) throw new Error('crds/ not found next to the engine');
  return dir;
}

async function postCrd(rest: KubeRest, file: URL): Promise<void> {
  await rest.request({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: parse(readFileSync(file, 'utf8')),
  });
}

/** `kubectl apply -f crds/`, through the API: every CRD the engine ships. Returns the files installed. */
export async function installCrds(rest: KubeRest): Promise<string[]> {
  const dir = crdsDir();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  for (const file of files) await postCrd(rest, new URL(file, dir));
  return files;
}

async function create(rest: KubeRest, path: string, body: unknown): Promise<void> {
  await rest.request({ method: 'POST', path, body });
}

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
  }[];
}

const running = (pod: PodList['items'][number]) =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/**
 * Namespace `shop` with Deployment `web` (3 replicas), StatefulSet `db` (2, with an exporter sidecar) and a bare Pod
 * `report-job`; waits until all 6 pods run, then makes one web pod saturate its CPU limit. Returns that pod's name.
 */
export async function createShop(rest: KubeRest, timeoutMs = 30_000): Promise<string> {
  await create(rest, '/api/v1/namespaces', { metadata: { name: SHOP_NAMESPACE } });
  const ns = `/namespaces/${SHOP_NAMESPACE}`;
  const template = (app: string, containers: readonly string[]) => ({
    metadata: { labels: { app, ...PART_OF } },
    spec: {
      containers: containers.map((name) => ({
        name,
        image: `shop/${app}-${name}:1.4`,
        resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      })),
    },
  });
  await create(rest, `/apis/apps/v1${ns}/deployments`, {
    metadata: { name: 'web', labels: { app: 'web', ...PART_OF } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('web', ['app']) },
  });
  await create(rest, `/apis/apps/v1${ns}/statefulsets`, {
    metadata: { name: 'db', labels: { app: 'db', ...PART_OF } },
    spec: {
      replicas: 2,
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'db' } },
      template: template('db', ['app', 'exporter']),
    },
  });
  await create(rest, `/api/v1${ns}/pods`, {
    metadata: { name: 'report-job', labels: { app: 'report', ...PART_OF } },
    spec: template('report', ['app']).spec,
  });
  const deadline = Date.now() + timeoutMs;
  let pods: PodList['items'] = [];
  for (;;) {
    pods = (await rest.request<PodList>({ method: 'GET', path: `/api/v1${ns}/pods` })).items;
    if (pods.length === 6 && pods.every(running)) break;
    if (Date.now() > deadline)
      throw new Error(`the shop's pods did not all run within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const hot = pods
    .map((p) => p.metadata.name)
    .filter((n) => n.startsWith('web-'))
    .sort()[0] as string;
  await rest.request({
    method: 'PATCH',
    path: `/api/v1${ns}/pods/${hot}`,
    contentType: 'application/merge-patch+json',
    body: {
      metadata: {
        annotations: { [BEHAVIOUR]: 'cpu-saturation', 'sandbox.coordination-engine.io/onset': '0s' },
      },
    },
  });
  return hot;
}
