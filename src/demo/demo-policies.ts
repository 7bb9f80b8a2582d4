import { POLICY_API_VERSION, POLICY_KIND } from '../policy/api-group.js';
import { PART_OF, SHOP_NAMESPACE } from './demo-cluster.js';

/**
 * The rule both policies share: a pod using more than 0.9 cores (its limit is 1). `for: 0s` fires at once; the
 * engine steps evaluation instants by the minute, so any longer `for` would keep a short demo quiet.
 */
const RUNNING_HOT = {
  name: 'running-hot',
  feature: 'pod_cpu_usage.value',
  operator: '>',
  value: 0.9,
  for: '0s',
};

/** Rules only: the web Deployment's pods, restarted when they run hot (dry-run: recorded, not done). */
export const RESTART_POLICY = 'restart-web';
/** The ML service judges every shop workload; rules and the local detector take over when it is down. */
export const ML_POLICY = 'ml-guided';

export function demoPolicies(evaluationInterval: string): object[] {
  const policy = (name: string, spec: object) => ({
    apiVersion: POLICY_API_VERSION,
    kind: POLICY_KIND,
    metadata: { name, namespace: SHOP_NAMESPACE },
    spec: { evaluationInterval, ...spec },
  });
  return [
    policy(RESTART_POLICY, {
      targets: { selector: { matchLabels: { app: 'web' } }, kinds: ['Deployment'] },
      detection: { mode: 'Rules', rules: [RUNNING_HOT] },
      actions: [
        { name: 'restart', type: 'RestartPod' },
        { name: 'tell-a-human', type: 'RecommendOnly' },
      ],
      safety: { dryRun: true },
    }),
    policy(ML_POLICY, {
      targets: { selector: { matchLabels: PART_OF } },
      detection: { mode: 'ML', rules: [RUNNING_HOT], ml: { endpoints: ['anomaly'], minConfidence: 0.8 } },
      actions: [{ name: 'tell-a-human', type: 'RecommendOnly' }],
      safety: { dryRun: true },
    }),
  ];
}
