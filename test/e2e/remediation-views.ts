import { microTime } from '../../src/controller/leader-election.js';
import type { JsonObject } from '../../src/json/json-value.js';
import type { KubeRest } from '../../src/kube/rest-client.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { LEASE } from './engine-harness.js';

/**
 * What the remediation e2e tests read back from the sandbox: Remediation records, the target Deployment `api` of
 * a namespace, its pods and ReplicaSets, Events, the policy's status, and the rollout-restart PATCHes received.
 */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const REMEDIATIONS = 'remediations.coordination-engine.io';

export interface ActionView {
  id: string;
  step: string;
  action: string;
  result: string;
  reason?: string;
}
export interface RecordView {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: {
    phase?: string;
    attempts?: number;
    outcome?: string;
    intent?: { id: string; action: string; pods?: { uid: string }[]; expected?: Record<string, unknown> };
    actions?: ActionView[];
    conditions?: { type: string; status: string }[];
  };
}
interface ObjectView {
  metadata: { name: string; uid: string; deletionTimestamp?: string; ownerReferences?: { uid: string }[] };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}

/** Views over the sandbox `current()` returns (it is started after the test module loads). */
export function clusterViews(current: () => Sandbox) {
  const records = (ns: string) => current().store.list(REMEDIATIONS, ns) as unknown as RecordView[];
  const record = (ns: string, name: string) => records(ns).find((r) => r.metadata.name === name);
  const deploymentOf = (ns: string) =>
    current().getObject('apps', 'deployments', ns, 'api') as unknown as {
      metadata: { uid: string; generation: number };
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    };
  const restartedAt = (ns: string) => deploymentOf(ns).spec.template.metadata.annotations?.[RESTARTED_AT];
  const list = (key: string, ns: string) => current().store.list(key, ns) as unknown as ObjectView[];
  const podUids = (ns: string) =>
    list('pods', ns)
      .filter((p) => p.metadata.deletionTimestamp === undefined)
      .map((p) => p.metadata.uid);
  /** The ReplicaSets the Deployment controls, with the restartedAt of their templates. */
  const replicaSets = (ns: string) =>
    list('replicasets.apps', ns)
      .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deploymentOf(ns).metadata.uid))
      .map((rs) => rs.spec.template.metadata.annotations?.[RESTARTED_AT]);
  const events = (ns: string, reason: string, kind: string) =>
    current()
      .store.list('events', ns)
      .filter((e) => e.reason === reason && (e.involvedObject as { kind: string }).kind === kind);
  const policyCondition = (ns: string, name: string, type: string) =>
    (
      current().getObject('coordination-engine.io', 'remediationpolicies', ns, name)?.status as
        | { conditions?: { type: string; status: string }[] }
        | undefined
    )?.conditions?.find((c) => c.type === type);
  const lastEvaluation = (ns: string, name: string) =>
    Date.parse(
      String(
        (
          current().getObject('coordination-engine.io', 'remediationpolicies', ns, name)?.status as
            | { lastEvaluationTime?: string }
            | undefined
        )?.lastEvaluationTime ?? '',
      ),
    );

  /** The rollout-restart PATCHes of this namespace's Deployment the sandbox received (a held one on arrival). */
  const restartPatches = (ns: string) =>
    current()
      .requests.filter(
        (r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/${ns}/deployments/api`,
      )
      .map((r) => {
        const body = JSON.parse(r.body ?? '{}') as {
          metadata?: { resourceVersion?: string };
          spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
        };
        return {
          entry: r,
          resourceVersion: body.metadata?.resourceVersion,
          restartedAt: body.spec?.template?.metadata?.annotations?.[RESTARTED_AT],
        };
      })
      // The simulator's deployment controller patches the Deployment too (its revision annotation).
      .filter((p) => p.restartedAt !== undefined);
  return {
    records,
    record,
    deploymentOf,
    restartedAt,
    list,
    podUids,
    replicaSets,
    events,
    policyCondition,
    lastEvaluation,
    restartPatches,
  };
}

/** Another replica takes the lease over through the API, as engine-leader-election.test.ts does. */
export async function takeLease(rest: KubeRest, holder: string, durationSeconds: number): Promise<void> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${LEASE.namespace}/leases/${LEASE.name}`;
  const lease = (await rest.request({ method: 'GET', path })) as JsonObject;
  const now = microTime(Date.now());
  await rest.request({
    method: 'PUT',
    path,
    body: {
      ...lease,
      spec: {
        ...(lease.spec as JsonObject),
        holderIdentity: holder,
        leaseDurationSeconds: durationSeconds,
        acquireTime: now,
        renewTime: now,
      },
    },
  });
}
