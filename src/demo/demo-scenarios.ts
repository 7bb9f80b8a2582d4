import { POLICY_API_VERSION, POLICY_KIND } from '../policy/api-group.js';

/**
 * What the demo plays: four workloads, each in its own namespace with its own RemediationPolicy, misbehaving as
 * the simulator's failure annotations say (docs/simulator.md, "Failures on demand"). Three must be healed for
 * real (no dry run) and verified; the fourth is healthy but noisy and must be left alone. Timings are shortened
 * (10 s evaluations, short verification windows, fast crashes) so the story fits in about two minutes.
 */
export const SIM = 'sandbox.coordination-engine.io';
export const EVALUATION_INTERVAL = '10s';

export type ActionType = 'RestartPod' | 'RolloutRestart' | 'Rollback' | 'RecommendOnly';

export interface LadderStep {
  name: string;
  type: ActionType;
  verificationWindow?: string;
}

export interface Scenario {
  /** Column one of the final table. */
  title: string;
  namespace: string;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  replicas: number;
  policy: string;
  /** The action that heals it; undefined for the workload that must be left alone. */
  heals?: ActionType;
  /** Must be acted on because of an ML prediction, before any rule could fire. */
  predicted?: boolean;
  /** What it shows, for the narration. */
  story: string;
  annotations: Record<string, string>;
  detection: object;
  ladder: LadderStep[];
}

export const CRASH_LOOP: Scenario = {
  title: 'crash loop',
  namespace: 'checkout',
  kind: 'Deployment',
  name: 'checkout',
  replicas: 2,
  policy: 'crash-loop',
  heals: 'RolloutRestart',
  story: 'its containers exit 3 s after each start; only a new pod template cures it',
  annotations: {
    [`${SIM}/behaviour`]: 'crashloop',
    [`${SIM}/crash-after`]: '3s',
    [`${SIM}/recovers-after`]: 'rollout-restart',
  },
  detection: {
    mode: 'Rules',
    rules: [{ name: 'crashing', signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '0s' }],
  },
  ladder: [
    { name: 'roll', type: 'RolloutRestart', verificationWindow: '20s' },
    { name: 'tell-a-human', type: 'RecommendOnly' },
  ],
};

/**
 * 128Mi limit, 30 % baseline, 61Ki/s: 25 minutes from start to the OOM kill. The demo replays 10 minutes of
 * history, so the pod is at about 58 % and climbing, some 15 minutes before the kill: only a prediction can act
 * now (the OOMKilled rule cannot fire yet). A StatefulSet's pod keeps its name when restarted, so its feature
 * series carry on and the restarted pod is judged within a minute instead of after a 5-minute warm-up.
 */
export const MEMORY_LEAK: Scenario = {
  title: 'memory leak',
  namespace: 'cache',
  kind: 'StatefulSet',
  name: 'cache',
  replicas: 1,
  policy: 'oom-ahead',
  heals: 'RestartPod',
  predicted: true,
  story: 'its memory climbs towards the limit; the OOM kill is about 15 minutes away',
  annotations: {
    [`${SIM}/behaviour`]: 'memory-leak',
    [`${SIM}/leak-rate`]: '61Ki',
    [`${SIM}/memory-baseline`]: '0.3',
    [`${SIM}/recovers-after`]: 'restart',
  },
  detection: {
    mode: 'Hybrid',
    // Quiet until a pod is OOMKilled: the only way to act earlier is the prediction.
    rules: [{ name: 'oom-killed', signal: 'OOMKilled', operator: '==', value: 1, for: '0s' }],
    ml: { endpoints: ['prediction'], prediction: { horizon: '30m', minConfidence: 0.6 } },
  },
  // Features describe the minute before the evaluation: the window must outlast the minute in which the old
  // pod's samples are still the newest, or the verification would judge the pod that was just replaced.
  ladder: [
    { name: 'restart', type: 'RestartPod', verificationWindow: '75s' },
    { name: 'roll', type: 'RolloutRestart', verificationWindow: '75s' },
  ],
};

export const BAD_ROLLOUT: Scenario = {
  title: 'bad rollout',
  namespace: 'payments',
  kind: 'Deployment',
  name: 'payments',
  replicas: 2,
  policy: 'bad-rollout',
  heals: 'Rollback',
  story: 'revision 1 is healthy; the demo rolls out revision 2, whose pods crash before they are Ready',
  annotations: {},
  detection: {
    mode: 'Rules',
    // A healthy new pod is Ready within seconds; a pod of the bad revision never is.
    rules: [{ name: 'never-ready', signal: 'NotReadySeconds', operator: '>', value: 8, for: '0s' }],
  },
  ladder: [
    { name: 'undo', type: 'Rollback', verificationWindow: '15s' },
    { name: 'tell-a-human', type: 'RecommendOnly' },
  ],
};

export const NOISY: Scenario = {
  title: 'noisy service',
  namespace: 'catalog',
  kind: 'Deployment',
  name: 'catalog',
  replicas: 2,
  policy: 'noisy-but-fine',
  story: 'healthy, with a CPU spike every minute: remediation must leave it alone',
  annotations: { [`${SIM}/behaviour`]: 'noisy', [`${SIM}/spike-every`]: '60s' },
  detection: {
    mode: 'Hybrid',
    rules: [
      { name: 'memory-high', feature: 'pod_memory_usage.mean_5m', operator: '>=', value: 0.9, for: '30s' },
    ],
    ml: { endpoints: ['anomaly'], minConfidence: 0.85, for: '30s' },
  },
  ladder: [
    { name: 'restart', type: 'RestartPod', verificationWindow: '10s' },
    { name: 'roll', type: 'RolloutRestart', verificationWindow: '10s' },
  ],
};

export const SCENARIOS: readonly Scenario[] = [CRASH_LOOP, MEMORY_LEAK, BAD_ROLLOUT, NOISY];

/** The workload, as `kubectl apply` would send it: one container with requests and limits. */
export function workloadManifest(s: Scenario): object {
  const labels = { app: s.name, 'app.kubernetes.io/part-of': 'demo' };
  const template = {
    metadata: { labels },
    spec: {
      containers: [
        {
          name: 'app',
          image: `${s.namespace}/${s.name}:1`,
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        },
      ],
    },
  };
  const spec = { replicas: s.replicas, selector: { matchLabels: { app: s.name } }, template };
  return {
    apiVersion: 'apps/v1',
    kind: s.kind,
    metadata: { name: s.name, namespace: s.namespace, labels, annotations: s.annotations },
    spec: s.kind === 'StatefulSet' ? { ...spec, serviceName: s.name, podManagementPolicy: 'Parallel' } : spec,
  };
}

/** The scenario's RemediationPolicy: acting for real (dryRun false), on its one workload. */
export function policyManifest(s: Scenario): object {
  return {
    apiVersion: POLICY_API_VERSION,
    kind: POLICY_KIND,
    metadata: { name: s.policy, namespace: s.namespace },
    spec: {
      targets: { selector: { matchLabels: { app: s.name } }, kinds: [s.kind] },
      evaluationInterval: EVALUATION_INTERVAL,
      detection: s.detection,
      actions: s.ladder,
      safety: { dryRun: false },
    },
  };
}
