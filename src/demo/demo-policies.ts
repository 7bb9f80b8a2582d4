import { POLICY_API_VERSION, POLICY_KIND } from '../policy/api-group.js';
import { PART_OF, SHOP_NAMESPACE } from './demo-cluster.js';

/**
 * The restart rule both policies share: a container restarted in the last minute. `for: 0s` fires at once; the
 * engine steps evaluation instants by the minute, so any longer `for` would keep a short demo quiet.
 */
const RESTARTING = {
  name: 'restarting',
  feature: 'container_restart_count.diff',
  operator: '>',
  value: 0,
  for: '0s',
};

/** Rules only: the web Deployment's pods, restarted when they keep restarting (dry-run: recorded, not done). */
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
      detection: { mode: 'rules', rules: [RESTARTING] },
      actions: [{ type: 'restartPod' }, { type: 'recommendOnly' }],
      safety: { dryRun: true },
    }),
    policy(ML_POLICY, {
      targets: { selector: { matchLabels: PART_OF } },
      detection: { mode: 'ml', rules: [RESTARTING], ml: { endpoints: ['anomaly'], minConfidence: 0.8 } },
      actions: [{ type: 'recommendOnly' }],
      safety: { dryRun: true },
    }),
  ];
}
