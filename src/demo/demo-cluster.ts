import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeRest } from '../kube/rest-client.js';
import { policyManifest, type Scenario, SIM, workloadManifest } from './demo-scenarios.js';

/**
 * The demo's cluster, set up through the Kubernetes API as a user would (`kubectl apply`): the engine's CRDs, then
 * the scenarios' namespaces, workloads and policies. The simulated control plane (controllers, scheduler,
 * kubelets) turns the workloads into running pods.
 */
export const NODE_COUNT = 3;

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

const PLURAL = { Deployment: 'deployments', StatefulSet: 'statefulsets' } as const;

export interface PodView {
  metadata: { name: string; uid?: string; deletionTimestamp?: string; creationTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount?: number }[];
  };
}

export const isRunningReady = (pod: PodView) =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export async function podsIn(rest: KubeRest, namespace: string): Promise<PodView[]> {
  const list = await rest.request<{ items: PodView[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/pods`,
  });
  return list.items;
}

export function workloadPath(s: Scenario): string {
  return `/apis/apps/v1/namespaces/${s.namespace}/${PLURAL[s.kind]}/${s.name}`;
}

/** Each scenario's namespace and workload; resolves once every pod runs and is Ready (a crash loop's: exists). */
export async function createWorkloads(rest: KubeRest, scenarios: readonly Scenario[], timeoutMs = 30_000) {
  for (const s of scenarios) {
    await rest.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: s.namespace } },
    });
    await rest.request({
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${s.namespace}/${PLURAL[s.kind]}`,
      body: workloadManifest(s),
    });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending: string[] = [];
    for (const s of scenarios) {
      const crashing = s.annotations[`${SIM}/behaviour`] === 'crashloop';
      const pods = (await podsIn(rest, s.namespace)).filter((p) => !p.metadata.deletionTimestamp);
      const ready = pods.filter((p) => crashing || isRunningReady(p)).length;
      if (ready < s.replicas) pending.push(`${s.namespace} (${ready}/${s.replicas})`);
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`pods not Running and Ready within ${timeoutMs / 1000} s: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `kubectl apply` of each scenario's RemediationPolicy. */
export async function createPolicies(rest: KubeRest, scenarios: readonly Scenario[]): Promise<void> {
  for (const s of scenarios) {
    await rest.request({
      method: 'POST',
      path: `/apis/coordination-engine.io/v1alpha1/namespaces/${s.namespace}/remediationpolicies`,
      body: policyManifest(s),
    });
  }
}
