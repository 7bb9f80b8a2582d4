import { LeadershipLostError } from '../../src/actions/leadership-lost-error.js';
import type { ActionContext, WorkloadRef } from '../../src/actions/workload-actions.js';
import { type KubeRequest, KubeRest } from '../../src/kube/rest-client.js';
import { isReady, type LivingCluster, type PodView } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

export const B = 'sandbox.coordination-engine.io';

/** A context for a replica that leads for the whole test. */
export function leading(): ActionContext {
  return { signal: new AbortController().signal, fence() {} };
}

export function fenced(): ActionContext {
  return {
    signal: new AbortController().signal,
    fence() {
      throw new LeadershipLostError('another replica leads');
    },
  };
}

/**
 * The real REST client, recording each request it sends (method and path) next to the fence calls of a context,
 * in one log: what the actions sent, in order, over real HTTP. `beforeSend` lets a test change the cluster
 * between an action's read and its write (a real concurrent writer).
 */
export class RecordingRest extends KubeRest {
  readonly log: string[] = [];
  beforeSend?: (req: KubeRequest) => Promise<void>;

  override async request<T = unknown>(req: KubeRequest): Promise<T> {
    await this.beforeSend?.(req);
    this.log.push(`${req.method} ${req.path}`);
    return super.request<T>(req);
  }

  context(): ActionContext {
    return { signal: new AbortController().signal, fence: () => this.log.push('fence') };
  }

  writes(): string[] {
    return this.log.filter((l) => l !== 'fence' && !l.startsWith('GET '));
  }
}

export async function pods(cluster: LivingCluster, ns: string): Promise<PodView[]> {
  return (await cluster.getJson<{ items: PodView[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
}

export async function readyPods(
  cluster: LivingCluster,
  ns: string,
  count: number,
  accept: (pods: PodView[]) => boolean = () => true,
  timeoutMs = 45_000,
): Promise<PodView[]> {
  return waitFor(
    `${count} Running and Ready pods in ${ns}`,
    async () => {
      const all = await pods(cluster, ns);
      return (
        all.length === count &&
        all.every((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && isReady(p)) &&
        accept(all) &&
        all
      );
    },
    { timeoutMs, intervalMs: 250 },
  );
}

export interface DeploymentView {
  metadata: {
    uid: string;
    resourceVersion: string;
    generation: number;
    annotations?: Record<string, string>;
  };
  spec: {
    replicas: number;
    template: { metadata: { annotations?: Record<string, string> } } & Record<string, unknown>;
  };
  status?: { observedGeneration?: number; availableReplicas?: number; updatedReplicas?: number };
}

export async function createDeployment(
  cluster: LivingCluster,
  ns: string,
  options: { name?: string; replicas?: number; annotations?: Record<string, string>; image?: string } = {},
): Promise<WorkloadRef> {
  const name = options.name ?? 'web';
  await cluster.kubectl('create', 'namespace', ns);
  const file = await cluster.manifest(`${ns}-${name}.yaml`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, annotations: options.annotations ?? {} },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'nginx', image: options.image ?? 'nginx:1.26' }] },
      },
    },
  });
  await cluster.ok('apply', '-f', file);
  const d = await deployment(cluster, ns, name);
  return { kind: 'Deployment', namespace: ns, name, uid: d.metadata.uid };
}

export function deployment(cluster: LivingCluster, ns: string, name = 'web'): Promise<DeploymentView> {
  return cluster.getJson<DeploymentView>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
}

export interface ReplicaSetView {
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { replicas: number };
}

export async function replicaSets(cluster: LivingCluster, ns: string): Promise<ReplicaSetView[]> {
  return (await cluster.getJson<{ items: ReplicaSetView[] }>(`/apis/apps/v1/namespaces/${ns}/replicasets`))
    .items;
}

/** Waits until the controller observed the Deployment's generation and it is fully rolled out and available. */
export async function rolledOut(cluster: LivingCluster, ns: string, name = 'web'): Promise<DeploymentView> {
  return waitFor(
    `Deployment ${ns}/${name} rolled out`,
    async () => {
      const d = await deployment(cluster, ns, name);
      return (
        d.status?.observedGeneration === d.metadata.generation &&
        d.status.updatedReplicas === d.spec.replicas &&
        d.status.availableReplicas === d.spec.replicas &&
        d
      );
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}
