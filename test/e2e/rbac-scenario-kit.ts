import type { KubeRest } from '../../src/kube/rest-client.js';
import { draftRemediation } from '../../src/remediation/record-identity.js';
import { ADMIN_USER } from '../../src/sandbox/access-control.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type ChartCluster, describeRequest } from './rbac-cluster.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * The named scenarios the engine must carry out as the chart's ServiceAccount. Together they reach every rule the
 * chart grants (docs/chart.md, "Least privilege"): each lays out its namespace before the engine starts and then
 * asserts effects on the cluster and the records, never log lines. They share one engine, concurrently.
 */
export interface ScenarioContext {
  sandbox: Sandbox;
  admin: KubeRest;
  /** Finished episodes the mock ML service received as training examples. */
  feedback(): { target: { namespace: string; name: string } }[];
  /** How long a scenario waits for each effect. */
  deadline: { timeoutMs: number; intervalMs: number };
}

export interface RbacScenario {
  name: string;
  /** The namespaces its objects (and the engine's requests for it) are in, and cluster-scoped objects it owns. */
  namespaces: string[];
  clusterObjects?: string[];
  /** Needs only leader election, not the informer caches: it passes even when the engine cannot reconcile. */
  leaderElectionOnly?: boolean;
  setup(c: Pick<ScenarioContext, 'sandbox' | 'admin'>): Promise<void>;
  check(c: ScenarioContext): Promise<void>;
}

export const SIM = 'sandbox.coordination-engine.io';
export const GROUP = 'coordination-engine.io';
export type Json = Record<string, unknown>;
export interface Meta {
  name: string;
  uid: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RecordView {
  metadata: Meta;
  status?: {
    phase?: string;
    outcome?: string;
    completionTime?: string;
    actions?: { action: string; result: string; reason?: string; message?: string }[];
  };
}
interface EventView {
  reason: string;
  count?: number;
  involvedObject: { kind: string; name: string };
}

export const post = (admin: KubeRest, path: string, body: unknown) =>
  admin.request({ method: 'POST', path, body });
export const mergePatch = (admin: KubeRest, path: string, body: unknown) =>
  admin.request({ method: 'PATCH', path, body, contentType: 'application/merge-patch+json' });
export const namespace = (admin: KubeRest, name: string, labels: Record<string, string> = {}) =>
  post(admin, '/api/v1/namespaces', { metadata: { name, labels } });
export const apps = (ns: string, plural: string) => `/apis/apps/v1/namespaces/${ns}/${plural}`;
export const policies = (ns: string) => `/apis/${GROUP}/v1alpha1/namespaces/${ns}/remediationpolicies`;
export const CLUSTER_POLICIES = `/apis/${GROUP}/v1alpha1/clusterremediationpolicies`;

export const records = (s: Sandbox, ns: string) =>
  s.store.list(`remediations.${GROUP}`, ns) as unknown as RecordView[];
export const eventsIn = (s: Sandbox, ns: string, reason: string) =>
  (s.store.list('events', ns) as unknown as EventView[]).filter((e) => e.reason === reason);
export const object = (s: Sandbox, group: string, plural: string, ns: string | undefined, name: string) =>
  s.getObject(group, plural, ns, name) as (Json & { metadata: Meta; spec: Json; status?: Json }) | undefined;
export const podNames = (s: Sandbox, ns: string) =>
  s.store.list('pods', ns).map((p) => (p.metadata as unknown as Meta).name);
export const succeeded = (s: Sandbox, ns: string, action: string) =>
  records(s, ns).find((r) => r.status?.actions?.some((a) => a.action === action && a.result === 'Succeeded'));

/** A crash loop the status signal sees at once; keepFiringFor bridges the moments a container runs. */
export const CRASHING = {
  name: 'crashing',
  signal: 'CrashLoopBackOff',
  operator: '==',
  value: 1,
  for: '0s',
  keepFiringFor: '2m',
};
export const crashing = (name: string, ns: string, cure: string, extra: Json = {}) =>
  appDeployment({
    name,
    imagePrefix: ns,
    replicas: 1,
    annotations: {
      [`${SIM}/behaviour`]: 'crashloop',
      [`${SIM}/recovers-after`]: cure,
      [`${SIM}/crash-after`]: '1s',
    },
    ...extra,
  });
export const policy = (ns: string, app: string, ...actions: Json[]) =>
  testPolicy(ns)
    .inNamespace(ns)
    .targeting({ app })
    .withRule(CRASHING)
    .withActions(...actions)
    .withSafety({ dryRun: false, cooldown: '0s' })
    .withSpecField('evaluationInterval', '10s');

export function statefulSet(ns: string, name: string, annotations: Record<string, string> = {}) {
  return {
    metadata: { name, labels: { app: name }, annotations },
    spec: {
      replicas: 1,
      serviceName: name,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: `${ns}/${name}:1`, resources: { limits: { memory: '128Mi' } } }],
        },
      },
    },
  };
}

/** Waits for a Remediation record whose action succeeded; says where things stood if it never does. */
export const actionSucceeded = (
  { sandbox: s, deadline }: Pick<ScenarioContext, 'sandbox' | 'deadline'>,
  ns: string,
  action: string,
) =>
  waitFor(`a ${action} in ${ns} to succeed`, () => succeeded(s, ns, action), deadline).catch(
    (error: unknown) => {
      throw new Error(
        `${String(error)}\nrecords in ${ns}: ${JSON.stringify(records(s, ns).map((r) => r.status))}`,
      );
    },
  );

/** A closed record of an episode that completed `agoMs` ago, as an engine would have left it. */
export async function closedRecord(
  admin: KubeRest,
  policyMeta: Meta,
  ns: string,
  target: Meta,
  agoMs: number,
) {
  const started = Date.now() - agoMs - 60_000;
  const draft = draftRemediation({
    policy: { kind: 'RemediationPolicy', name: policyMeta.name, namespace: ns, uid: policyMeta.uid },
    target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: target.name, uid: target.uid },
    dryRun: false,
    episodeStartMs: started,
  });
  draft.metadata.labels = { ...draft.metadata.labels, [`${GROUP}/open`]: 'false' };
  const path = `/apis/${GROUP}/v1alpha1/namespaces/${ns}/remediations`;
  const created = (await post(admin, path, {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'Remediation',
    ...draft,
  })) as {
    metadata: Meta & { resourceVersion: string };
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  await admin.request({
    method: 'PUT',
    path: `${path}/${created.metadata.name}/status`,
    body: {
      ...created,
      status: {
        phase: 'Succeeded',
        outcome: 'resolved',
        step: 'roll',
        stepIndex: 0,
        attempts: 1,
        startTime: iso(started),
        completionTime: iso(Date.now() - agoMs),
        actions: [],
        conditions: [],
      },
    },
  });
  return created.metadata.name;
}

/**
 * The requests on a path only the engine sends, in the order the sandbox received them: [method, status]. Not
 * filtered by user: a fault is injected before authentication, so an injected answer names nobody.
 */
export const engineRequests = (s: Sandbox, path: RegExp) =>
  s.requests.filter((r) => r.user !== ADMIN_USER.name && path.test(r.path)).map((r) => [r.method, r.status]);

export const scenarioContext = (c: ChartCluster, timeoutMs: number): ScenarioContext => ({
  sandbox: c.sandbox,
  admin: c.admin,
  feedback: () => c.ml.feedback(),
  deadline: { timeoutMs, intervalMs: 200 },
});

/**
 * Runs a scenario's check, each of its waits bounded by `timeoutMs`; a failure says what the engine was refused
 * and what it warned about.
 */
export async function runScenario(c: ChartCluster, s: RbacScenario, timeoutMs: number): Promise<void> {
  try {
    await s.check(scenarioContext(c, timeoutMs));
  } catch (error) {
    const denied = [
      ...new Set(
        c
          .engineDecisions()
          .filter((d) => !d.decision.allowed)
          .map((d) => describeRequest(d.attributes)),
      ),
    ];
    const log = c.engine
      .output()
      .split('\n')
      .filter((l) => /"level":(40|50)/.test(l))
      .slice(-8)
      .join('\n');
    throw new Error(
      `${String(error)}\nthe engine was refused: ${denied.join('; ') || 'nothing'}\nengine warnings:\n${log}`,
    );
  }
}
