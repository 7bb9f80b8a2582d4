import { expect } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import {
  actionSucceeded,
  apps,
  crashing,
  eventsIn,
  GROUP,
  mergePatch,
  namespace,
  object,
  podNames,
  policy,
  post,
  type RbacScenario,
  records,
  SIM,
  statefulSet,
} from './rbac-scenario-kit.js';

/** The scenarios that act on workloads: each action type, and the autoscaler gate. */
export const WORKLOAD_SCENARIOS: RbacScenario[] = [
  {
    name: 'heal: rollout-restarts a crash-looping Deployment, records, closes and reports the episode',
    namespaces: ['heal'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'heal');
      await post(admin, apps('heal', 'deployments'), crashing('api', 'heal', 'rollout-restart'));
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('heal', 'api', {
          name: 'roll',
          type: 'RolloutRestart',
          verificationWindow: '10s',
        }).build() as never,
      );
    },
    async check({ sandbox, feedback, deadline }) {
      const done = await waitFor(
        'the heal episode to succeed',
        () => records(sandbox, 'heal').find((r) => r.status?.phase === 'Succeeded'),
        deadline,
      );
      expect(object(sandbox, 'apps', 'deployments', 'heal', 'api')?.spec.template).toMatchObject({
        metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': expect.any(String) } },
      });
      expect(done.status?.outcome).toBe('resolved');
      // Closed by a patch of its label (remediations patch), read back for the ML service (remediations get).
      await waitFor(
        'the record closed',
        () => records(sandbox, 'heal')[0]?.metadata.labels?.[`${GROUP}/open`] === 'false',
        deadline,
      );
      await waitFor(
        'the feedback example',
        () => feedback().some((f) => f.target.namespace === 'heal'),
        deadline,
      );
      await waitFor(
        'Remediated on the Deployment and the policy',
        () => {
          const kinds = eventsIn(sandbox, 'heal', 'Remediated').map((e) => e.involvedObject.kind);
          return kinds.includes('Deployment') && kinds.includes('RemediationPolicy');
        },
        deadline,
      );
      const status = object(sandbox, GROUP, 'remediationpolicies', 'heal', 'heal')?.status;
      expect(status).toMatchObject({ lastAction: { action: 'RolloutRestart' } });
    },
  },
  {
    name: 'evict: evicts a crash-looping pod through the Eviction API',
    namespaces: ['evict'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'evict');
      await post(admin, apps('evict', 'deployments'), crashing('api', 'evict', 'restart'));
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('evict', 'api', {
          name: 'restart',
          type: 'RestartPod',
          verificationWindow: '10s',
        }).build() as never,
      );
    },
    async check({ sandbox, deadline }) {
      const record = await actionSucceeded({ sandbox, deadline }, 'evict', 'RestartPod');
      const action = record.status?.actions?.find(
        (a) => a.action === 'RestartPod' && a.result === 'Succeeded',
      );
      const [, evicted] = /evicted pod\(s\) (\S+) of/.exec(action?.message ?? '') ?? [];
      expect(evicted, action?.message).toBeDefined();
      await waitFor(
        'the evicted pod replaced',
        () => {
          const names = podNames(sandbox, 'evict');
          return names.length > 0 && !names.includes(evicted ?? '');
        },
        deadline,
      );
      // A pod evicted, not a rollout: the template carries no restartedAt.
      expect(JSON.stringify(object(sandbox, 'apps', 'deployments', 'evict', 'api')?.spec)).not.toContain(
        'restartedAt',
      );
    },
  },
  {
    name: 'scale: scales a Deployment out through its /scale subresource',
    namespaces: ['scale'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'scale');
      await post(admin, apps('scale', 'deployments'), crashing('api', 'scale', 'scale'));
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('scale', 'api', {
          name: 'out',
          type: 'Scale',
          scale: { minReplicas: 1, maxReplicas: 3 },
        }).build() as never,
      );
    },
    async check({ sandbox, deadline }) {
      await actionSucceeded({ sandbox, deadline }, 'scale', 'Scale');
      expect(object(sandbox, 'apps', 'deployments', 'scale', 'api')?.spec.replicas).toBe(2);
    },
  },
  {
    name: 'sts-scale: scales a StatefulSet out through its /scale subresource',
    namespaces: ['sts-scale'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'sts-scale');
      const crash = {
        [`${SIM}/behaviour`]: 'crashloop',
        [`${SIM}/recovers-after`]: 'scale',
        [`${SIM}/crash-after`]: '1s',
      };
      await post(admin, apps('sts-scale', 'statefulsets'), statefulSet('sts-scale', 'db', crash));
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('sts-scale', 'db', {
          name: 'out',
          type: 'Scale',
          scale: { minReplicas: 1, maxReplicas: 3 },
        }).build() as never,
      );
    },
    async check({ sandbox, deadline }) {
      await actionSucceeded({ sandbox, deadline }, 'sts-scale', 'Scale');
      expect(object(sandbox, 'apps', 'statefulsets', 'sts-scale', 'db')?.spec.replicas).toBe(2);
    },
  },
  {
    name: 'sts-rollback: rolls a bad StatefulSet rollout back to its previous ControllerRevision',
    namespaces: ['sts-rollback'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'sts-rollback');
      await post(admin, apps('sts-rollback', 'statefulsets'), statefulSet('sts-rollback', 'db'));
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('sts-rollback', 'db', {
          name: 'undo',
          type: 'Rollback',
          verificationWindow: '10s',
        }).build() as never,
      );
    },
    async check({ sandbox, admin, deadline }) {
      const path = `${apps('sts-rollback', 'statefulsets')}/db`;
      await waitFor(
        'revision 1 running',
        () => {
          const sts = object(sandbox, 'apps', 'statefulsets', 'sts-rollback', 'db');
          return (sts?.status as { readyReplicas?: number } | undefined)?.readyReplicas === 1;
        },
        deadline,
      );
      const bad = { [`${SIM}/behaviour`]: 'bad-rollout', [`${SIM}/recovers-after`]: 'rollback' };
      await mergePatch(admin, path, { metadata: { annotations: bad } });
      await mergePatch(admin, path, {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'sts-rollback/db:2' }] } } },
      });
      await actionSucceeded({ sandbox, deadline }, 'sts-rollback', 'Rollback');
      const template = object(sandbox, 'apps', 'statefulsets', 'sts-rollback', 'db')?.spec.template;
      expect(template).toMatchObject({ spec: { containers: [{ image: 'sts-rollback/db:1' }] } });
    },
  },
  {
    name: 'autoscaled: never scales a Deployment a HorizontalPodAutoscaler owns, and says so',
    namespaces: ['autoscaled'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'autoscaled');
      await post(admin, apps('autoscaled', 'deployments'), crashing('api', 'autoscaled', 'never'));
      await post(admin, '/apis/autoscaling/v2/namespaces/autoscaled/horizontalpodautoscalers', {
        metadata: { name: 'api' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          minReplicas: 1,
          maxReplicas: 5,
        },
      });
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('autoscaled', 'api', {
          name: 'out',
          type: 'Scale',
          scale: { minReplicas: 1, maxReplicas: 3 },
        }).build() as never,
      );
    },
    async check({ sandbox, deadline }) {
      await waitFor(
        'AutoscalerOwned on the Deployment',
        () =>
          eventsIn(sandbox, 'autoscaled', 'AutoscalerOwned').some(
            (e) => e.involvedObject.kind === 'Deployment',
          ),
        deadline,
      );
      expect(object(sandbox, 'apps', 'deployments', 'autoscaled', 'api')?.spec.replicas).toBe(1);
    },
  },
];
