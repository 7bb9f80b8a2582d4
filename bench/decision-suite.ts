/**
 * The labelled suite of `npm run bench:decisions`: incidents the engine should act on and benign look-alikes it
 * must leave alone, each one Deployment in its own namespace, built from the simulator's behaviours
 * (docs/simulator.md). Every namespace gets the same four policies (the shapes of examples/ and
 * docs/reference/remediationpolicy.md, in dry-run), so each look-alike faces every rule, not just its twin's.
 *
 * "Detectable" is defined per incident by the condition of the policy that should act, observed by the bench
 * itself (the pod's status in the API, or the engine's own PromQL in Prometheus), plus that rule's `for`.
 */

type Json = Record<string, unknown>;

export type CaseKind = 'incident' | 'benign' | 'missing-data';
export type PolicyName = 'crash-loop' | 'oom' | 'saturation' | 'stuck-rollout';

/** A pod as the API serves it, reduced to what the detectors read. */
export interface PodView {
  metadata: { deletionTimestamp?: string };
  status?: {
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>;
    containerStatuses?: Array<{
      state?: { waiting?: { reason?: string } };
      lastState?: { terminated?: { reason?: string } };
    }>;
  };
}

/** The condition that makes an incident detectable: read from pods, or from the engine's CPU feature. */
export type Detector =
  | { kind: 'pods'; what: string; holds(pods: readonly PodView[], nowMs: number): boolean }
  | { kind: 'cpu'; what: string; ratio: number };

export interface BenchCase {
  name: string;
  kind: CaseKind;
  /** What it is, for the table. */
  story: string;
  /** Created before the history is taken (it has a past), or at the trigger (its pods are young). */
  created: 'setup' | 'trigger';
  annotations: Record<string, string>;
  replicas: number;
  /** Incidents: the policy that should act, and when it can. */
  expected?: { policy: PolicyName; detector: Detector; forMs: number };
  /** Applied once the engine has evaluated every policy: what turns it into an incident (or a rollout). */
  trigger?: { annotate?: Record<string, string>; image?: string };
  /** The pod restarts once, after the history and before the engine starts. */
  restartOnceBeforeEngine?: boolean;
}

const SIM = 'sandbox.coordination-engine.io';
const sim = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [`${SIM}/${k}`, v]));

export const CPU_LIMIT_CORES = 0.5;
export const NOT_READY_SECONDS = 60;
export const SATURATION_RATIO = 0.9;
export const SATURATION_FOR_MS = 60_000;

const live = (pods: readonly PodView[]) => pods.filter((p) => p.metadata.deletionTimestamp === undefined);
const containers = (p: PodView) => p.status?.containerStatuses ?? [];

const crashLoopBackOff: Detector = {
  kind: 'pods',
  what: 'a container waits in CrashLoopBackOff',
  holds: (pods) =>
    live(pods).some((p) => containers(p).some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff')),
};

const oomKilled: Detector = {
  kind: 'pods',
  what: "a container's last termination is OOMKilled",
  holds: (pods) =>
    live(pods).some((p) => containers(p).some((c) => c.lastState?.terminated?.reason === 'OOMKilled')),
};

const notReady: Detector = {
  kind: 'pods',
  what: `a pod not Ready for more than ${NOT_READY_SECONDS}s`,
  holds: (pods, nowMs) =>
    live(pods).some((p) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return false;
      return nowMs - Date.parse(ready.lastTransitionTime) > NOT_READY_SECONDS * 1000;
    }),
};

/** The hour (UTC) nearest to now: a daily-peak workload is then at the top of its day. */
const peakHourNow = () => String(Math.round(new Date().getUTCHours() + new Date().getUTCMinutes() / 60) % 24);

export function suite(): BenchCase[] {
  return [
    {
      name: 'crashloop',
      kind: 'incident',
      story: 'starts crash-looping (cured by a rollout restart)',
      created: 'setup',
      annotations: {},
      replicas: 2,
      expected: { policy: 'crash-loop', detector: crashLoopBackOff, forMs: 0 },
      trigger: {
        annotate: sim({ behaviour: 'crashloop', 'recovers-after': 'rollout-restart', 'crash-after': '5s' }),
      },
    },
    {
      name: 'memory-leak',
      kind: 'incident',
      story: 'starts leaking memory until OOMKilled',
      created: 'setup',
      annotations: {},
      replicas: 2,
      expected: { policy: 'oom', detector: oomKilled, forMs: 0 },
      trigger: { annotate: sim({ behaviour: 'memory-leak', 'leak-rate': '4Mi' }) },
    },
    {
      name: 'cpu-saturation',
      kind: 'incident',
      story: 'pinned at its CPU limit for the whole history',
      created: 'setup',
      annotations: sim({ behaviour: 'cpu-saturation', 'recovers-after': 'scale' }),
      replicas: 2,
      expected: {
        policy: 'saturation',
        detector: { kind: 'cpu', what: `CPULimitRatio > ${SATURATION_RATIO}`, ratio: SATURATION_RATIO },
        forMs: SATURATION_FOR_MS,
      },
    },
    {
      name: 'bad-rollout',
      kind: 'incident',
      story: 'a new revision whose pods never become Ready',
      created: 'setup',
      annotations: {},
      replicas: 2,
      expected: { policy: 'stuck-rollout', detector: notReady, forMs: 0 },
      trigger: { annotate: sim({ behaviour: 'bad-rollout', 'recovers-after': 'rollback' }), image: '2' },
    },
    {
      name: 'noisy',
      kind: 'benign',
      story: 'CPU spikes to 95% of its limit every 30s',
      created: 'setup',
      annotations: sim({ behaviour: 'noisy', 'spike-every': '30s' }),
      replicas: 2,
    },
    {
      name: 'daily-peak',
      kind: 'benign',
      story: 'at the top of its daily CPU and memory peak',
      created: 'setup',
      annotations: sim({ behaviour: 'daily-peak', 'peak-hour': peakHourNow() }),
      replicas: 2,
    },
    {
      name: 'restarted-once',
      kind: 'benign',
      story: 'one container exited once (Error) before the engine started',
      created: 'setup',
      annotations: {},
      replicas: 1,
      restartOnceBeforeEngine: true,
    },
    {
      name: 'slow-starter',
      kind: 'benign',
      story: 'created live; Running after 15s, Ready 35s later',
      created: 'trigger',
      annotations: sim({ 'start-delay': '15s', 'ready-after': '35s' }),
      replicas: 2,
    },
    {
      name: 'healthy-rollout',
      kind: 'benign',
      story: 'rolls out a new revision whose pods take 20s to be Ready',
      created: 'setup',
      annotations: sim({ 'ready-after': '20s' }),
      replicas: 3,
      trigger: { image: '2' },
    },
    {
      name: 'young-saturated',
      kind: 'missing-data',
      story: 'created live, pinned at its CPU limit, no 5-minute history yet',
      created: 'trigger',
      annotations: sim({ behaviour: 'cpu-saturation', onset: '0s' }),
      replicas: 2,
    },
  ];
}

export const namespaceOf = (c: BenchCase) => `dq-${c.name}`;

export function deployment(c: BenchCase, image = '1'): Json {
  return {
    metadata: { name: c.name, labels: { app: c.name }, annotations: c.annotations },
    spec: {
      replicas: c.replicas,
      selector: { matchLabels: { app: c.name } },
      template: {
        metadata: { labels: { app: c.name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `bench/${c.name}:${image}`,
              resources: {
                requests: { cpu: '50m', memory: '64Mi' },
                limits: { cpu: `${CPU_LIMIT_CORES * 1000}m`, memory: '128Mi' },
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * The four policies every namespace gets: status-signal rules for crash loops and OOM kills, a metric rule on
 * CPULimitRatio for saturation, NotReadySeconds for stuck rollouts. Dry-run, so an action is a "would" entry
 * (result DryRun) in a Remediation record and nothing the bench measures is changed by the engine.
 */
export function policies(namespace: string): Json[] {
  const policy = (name: PolicyName, rule: Json, actions: Json[]): Json => ({
    apiVersion: 'coordination-engine.io/v1alpha1',
    kind: 'RemediationPolicy',
    metadata: { name, namespace },
    spec: {
      targets: { kinds: ['Deployment'] },
      evaluationInterval: '10s',
      detection: { mode: 'Rules', rules: [{ name, ...rule }] },
      actions: [...actions, { name: 'tell-a-human', type: 'RecommendOnly' }],
      safety: { dryRun: true },
    },
  });
  return [
    policy(
      'crash-loop',
      { signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '0s', keepFiringFor: '6m' },
      [
        { name: 'restart', type: 'RestartPod' },
        { name: 'roll', type: 'RolloutRestart' },
      ],
    ),
    policy('oom', { signal: 'OOMKilled', operator: '==', value: 1, for: '0s' }, [
      { name: 'restart', type: 'RestartPod' },
    ]),
    policy(
      'saturation',
      {
        signal: 'CPULimitRatio',
        operator: '>',
        value: SATURATION_RATIO,
        for: `${SATURATION_FOR_MS / 1000}s`,
      },
      [{ name: 'scale-out', type: 'Scale', scale: { minReplicas: 2, maxReplicas: 4 } }],
    ),
    policy(
      'stuck-rollout',
      { signal: 'NotReadySeconds', operator: '>', value: NOT_READY_SECONDS, for: '0s' },
      [{ name: 'undo', type: 'Rollback' }],
    ),
  ];
}
