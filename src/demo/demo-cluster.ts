import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeRest } from '../kube/rest-client.js';
import type { PlannedPod } from './cluster-metrics.js';

/**
 * The demo's workloads, created through the Kubernetes API as a user (or a controller) would. The sandbox runs no
 * controllers, so the pods a Deployment or StatefulSet would own are created directly, with the labels their
 * selectors match and the ownerReferences a real controller would set.
 */
export const SHOP_NAMESPACE = 'shop';
export const PART_OF = { 'app.kubernetes.io/part-of': 'shop' };
export const NODES = ['worker-1', 'worker-2', 'worker-3'] as const;

interface Created {
  metadata: { name: string; uid: string };
}

interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

function ownerRef(owner: Owner) {
  return { ...owner, controller: true, blockOwnerDeletion: true };
}

function ownerOf(apiVersion: string, kind: string, created: Created): Owner {
  return { apiVersion, kind, name: created.metadata.name, uid: created.metadata.uid };
}

/** `kubectl apply -f crds/remediationpolicy.yaml`, through the API. */
export async function installPolicyCrd(rest: KubeRest): Promise<void> {
  // From src/demo/ under tsx, or from dist/src/demo/ once built (the package ships crds/ beside dist/).
  const file = ['../../crds/', '../../../crds/']
    .map((dir) => new URL(`${dir}remediationpolicy.yaml`, import.meta.url))
    .find((url) => existsSync(url));
  if (!file) throw new Error('crds/remediationpolicy.yaml not found next to the engine');
  const crd = parse(readFileSync(file, 'utf8'));
  await rest.request({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: crd,
  });
}

async function create(rest: KubeRest, path: string, body: unknown): Promise<Created> {
  return rest.request<Created>({ method: 'POST', path, body });
}

/**
 * Nodes, the `shop` namespace, Deployment `web` (3 pods through a ReplicaSet), StatefulSet `db` (2 pods) and a
 * standalone Pod. Returns the pods for the metrics generator; `misbehavingPod` names the one that crash-loops.
 */
export async function createShop(rest: KubeRest, misbehavingPod: string): Promise<PlannedPod[]> {
  for (const node of NODES) {
    await create(rest, '/api/v1/nodes', {
      metadata: { name: node, labels: { 'kubernetes.io/hostname': node } },
    });
  }
  await create(rest, '/api/v1/namespaces', { metadata: { name: SHOP_NAMESPACE } });
  const ns = `/namespaces/${SHOP_NAMESPACE}`;
  const template = (app: string, containers: readonly string[]) => ({
    metadata: { labels: { app, ...PART_OF } },
    spec: { containers: containers.map((name) => ({ name, image: `shop/${app}-${name}:1.4` })) },
  });

  const webContainers = ['app'];
  const web = await create(rest, `/apis/apps/v1${ns}/deployments`, {
    metadata: { name: 'web', labels: { app: 'web', ...PART_OF } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: template('web', webContainers),
    },
  });
  const replicaSet = await create(rest, `/apis/apps/v1${ns}/replicasets`, {
    metadata: {
      name: 'web-6d8f7c9b4',
      labels: { app: 'web', ...PART_OF },
      ownerReferences: [ownerRef(ownerOf('apps/v1', 'Deployment', web))],
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: template('web', webContainers),
    },
  });
  const dbContainers = ['app', 'exporter'];
  const db = await create(rest, `/apis/apps/v1${ns}/statefulsets`, {
    metadata: { name: 'db', labels: { app: 'db', ...PART_OF } },
    spec: {
      replicas: 2,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: template('db', dbContainers),
    },
  });

  const planned: PlannedPod[] = [];
  const addPod = async (name: string, app: string, containers: readonly string[], owner?: Owner) => {
    const node = NODES[planned.length % NODES.length] ?? 'worker-1';
    const base = template(app, containers);
    await create(rest, `/api/v1${ns}/pods`, {
      metadata: {
        name,
        labels: base.metadata.labels,
        ...(owner ? { ownerReferences: [ownerRef(owner)] } : {}),
      },
      spec: { ...base.spec, nodeName: node },
    });
    // What the kubelet would report, so `kubectl get pods` reads like a cluster.
    await rest.request({
      method: 'PATCH',
      path: `/api/v1${ns}/pods/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Running' } },
    });
    planned.push({
      namespace: SHOP_NAMESPACE,
      name,
      node,
      containers,
      misbehaving: name === misbehavingPod,
    });
  };
  const rsOwner = ownerOf('apps/v1', 'ReplicaSet', replicaSet);
  for (const suffix of ['x7k2p', 'q9m4d', 'z3t8w'])
    await addPod(`web-6d8f7c9b4-${suffix}`, 'web', webContainers, rsOwner);
  const dbOwner = ownerOf('apps/v1', 'StatefulSet', db);
  for (const ordinal of [0, 1]) await addPod(`db-${ordinal}`, 'db', dbContainers, dbOwner);
  await addPod('report-job', 'report', ['app']);
  return planned;
}

/** The web pod the demo's metrics make misbehave. */
export const MISBEHAVING_POD = 'web-6d8f7c9b4-q9m4d';
