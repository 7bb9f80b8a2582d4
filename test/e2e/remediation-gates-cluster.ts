import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * Workloads and read-outs for the remediation gates e2e: what a scenario puts in the cluster, and what it looks at
 * afterwards (effects on workloads, Events, Remediation records), read straight from the sandbox's store.
 */

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const SUITE = { suite: 'gates' };

type Json = Record<string, unknown>;

/** A crash-looping Deployment nothing cures; crash-after 1 s keeps its pods almost always in CrashLoopBackOff. */
export function crashingDeployment(
  name: string,
  options: {
    replicas?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    recoversAfter?: string;
  } = {},
): Json {
  return deployment(name, options.replicas ?? 1, options.labels ?? {}, {
    'sandbox.coordination-engine.io/behaviour': 'crashloop',
    'sandbox.coordination-engine.io/recovers-after': options.recoversAfter ?? 'never',
    'sandbox.coordination-engine.io/crash-after': '1s',
    ...options.annotations,
  });
}

export function healthyDeployment(name: string): Json {
  return deployment(name, 1, {}, {});
}

function deployment(
  name: string,
  replicas: number,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Json {
  return appDeployment({
    name,
    imagePrefix: 'gates',
    replicas,
    labels: { ...SUITE, ...labels },
    annotations,
  });
}

export interface Effects {
  restartedAt: string | undefined;
  replicas: number | undefined;
  pods: string[];
}

/** What an action would change: the template annotation (rollout restart), the replica count, the pods' uids. */
export function effectsOn(sandbox: Sandbox, namespace: string, name: string): Effects {
  const d = sandbox.getObject('apps', 'deployments', namespace, name) as
    | { spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } } }
    | undefined;
  return {
    restartedAt: d?.spec?.template?.metadata?.annotations?.[RESTARTED_AT],
    replicas: d?.spec?.replicas,
    pods: podsOf(sandbox, namespace, name).map((p) => p.uid),
  };
}

export function podsOf(
  sandbox: Sandbox,
  namespace: string,
  app: string,
): { uid: string; waiting?: string; restarts: number }[] {
  return sandbox.store
    .list('pods', namespace)
    .map((p) => p as { metadata: { uid: string; labels?: Record<string, string> }; status?: Json })
    .filter((p) => p.metadata.labels?.app === app)
    .map((p) => {
      const c = (p.status?.containerStatuses as { restartCount?: number; state?: Json }[] | undefined)?.[0];
      const waiting = (c?.state?.waiting as { reason?: string } | undefined)?.reason;
      return { uid: p.metadata.uid, restarts: c?.restartCount ?? 0, ...(waiting ? { waiting } : {}) };
    })
    .sort((a, b) => a.uid.localeCompare(b.uid));
}

export interface EventView {
  reason: string;
  type: string;
  message: string;
  firstTimestamp: string;
  involvedObject: { kind: string; name: string; namespace?: string };
}

export function eventsIn(sandbox: Sandbox, namespace: string, reason?: string): EventView[] {
  return (sandbox.store.list('events', namespace) as unknown as EventView[]).filter(
    (e) => reason === undefined || e.reason === reason,
  );
}

export interface RecordView {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { targetRef: { name: string } };
  status?: {
    phase?: string;
    step?: string;
    actions?: { step: string; action: string; result: string; reason?: string }[];
  };
}

export function recordsIn(sandbox: Sandbox, namespace: string): RecordView[] {
  return sandbox.store.list('remediations.coordination-engine.io', namespace) as unknown as RecordView[];
}

export function pdb(name: string, app: string, minAvailable: number): Json {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name },
    spec: { minAvailable, selector: { matchLabels: { app } } },
  };
}

export function hpa(name: string, deploymentName: string): Json {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  };
}

/** One namespace of the e2e: what it holds, and the RemediationPolicy (if any) created once it has settled. */
export interface Scenario {
  namespace: string;
  namespaceLabels?: Record<string, string>;
  objects: { resource: string; body: Json }[];
  policy?: Json;
}

export const deployments = (...bodies: Json[]) =>
  bodies.map((body) => ({ resource: 'apps/v1/deployments', body }));

export const deploymentNames = (s: Scenario): string[] =>
  s.objects
    .filter((o) => o.resource === 'apps/v1/deployments')
    .map((o) => (o.body.metadata as { name: string }).name);

/** "apps/v1/deployments" in a namespace as an API path (every object here is in a named group). */
export const apiPath = (resource: string, namespace: string) => {
  const [group, version, plural] = resource.split('/');
  return `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
};

/**
 * Every crash-looping pod of the scenario is in CrashLoopBackOff after its second restart: a 20 s back-off, long
 * enough for the first evaluation to see the whole scenario anomalous at once.
 */
export function crashLoopsSettled(sandbox: Sandbox, s: Scenario): boolean {
  const crashing = s.objects.filter(
    (o) => o.resource === 'apps/v1/deployments' && JSON.stringify(o.body).includes('"crashloop"'),
  );
  return crashing.every((o) => {
    const pods = podsOf(sandbox, s.namespace, (o.body.metadata as { name: string }).name);
    return pods.length > 0 && pods.every((p) => p.waiting === 'CrashLoopBackOff' && p.restarts >= 2);
  });
}
