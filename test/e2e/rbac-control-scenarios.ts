import { expect } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { RELEASE } from './rbac-cluster.js';
import {
  actionSucceeded,
  apps,
  CLUSTER_POLICIES,
  closedRecord,
  crashing,
  engineRequests,
  eventsIn,
  GROUP,
  type Meta,
  mergePatch,
  namespace,
  object,
  policies,
  policy,
  post,
  type RbacScenario,
  records,
} from './rbac-scenario-kit.js';
import { appDeployment } from './workload-fixtures.js';

/** The scenarios about the engine's own bookkeeping: cluster policies, status conflicts, retention, Events, the Lease. */
export const CONTROL_SCENARIOS: RbacScenario[] = [
  {
    name: 'cluster-policy: a ClusterRemediationPolicy heals only in the namespaces its selector picks',
    namespaces: ['wide-in', 'wide-out'],
    clusterObjects: ['wide'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'wide-in', { 'rbac-e2e': 'wide' });
      await namespace(admin, 'wide-out');
      for (const ns of ['wide-in', 'wide-out'])
        await post(admin, apps(ns, 'deployments'), crashing('api', ns, 'rollout-restart'));
      const wide = policy('wide', 'api', { name: 'roll', type: 'RolloutRestart', verificationWindow: '10s' })
        .clusterWide({ matchLabels: { 'rbac-e2e': 'wide' } })
        .build();
      sandbox.create(GROUP, 'v1alpha1', 'clusterremediationpolicies', wide as never);
    },
    async check({ sandbox, deadline }) {
      await actionSucceeded({ sandbox, deadline }, 'wide-in', 'RolloutRestart');
      expect(records(sandbox, 'wide-out')).toEqual([]);
      await waitFor(
        'the cluster policy status',
        () => object(sandbox, GROUP, 'clusterremediationpolicies', undefined, 'wide')?.status?.lastAction,
        deadline,
      );
      // Events about a cluster-scoped object go to "default".
      await waitFor(
        'Remediated on the ClusterRemediationPolicy',
        () => eventsIn(sandbox, 'default', 'Remediated').some((e) => e.involvedObject.name === 'wide'),
        deadline,
      );
    },
  },
  {
    name: 'status-conflict: re-reads a policy whose status write conflicted, and writes it',
    namespaces: ['conflict'],
    clusterObjects: ['conflict-wide'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'conflict', { 'rbac-e2e': 'conflict' });
      // The first status write of each policy is answered 409, as when another writer got there first.
      for (const path of [
        /\/remediationpolicies\/conflict\/status$/,
        /\/clusterremediationpolicies\/conflict-wide\/status$/,
      ])
        sandbox.faults.failNext({ method: 'PATCH', path, count: 1, status: 409 });
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        policy('conflict', 'none', { name: 'roll', type: 'RolloutRestart' }).build() as never,
      );
      const wide = policy('conflict-wide', 'none', { name: 'roll', type: 'RolloutRestart' })
        .clusterWide({ matchLabels: { 'rbac-e2e': 'conflict' } })
        .build();
      sandbox.create(GROUP, 'v1alpha1', 'clusterremediationpolicies', wide as never);
    },
    async check({ sandbox, deadline }) {
      for (const [path, name] of [
        [policies('conflict'), 'conflict'],
        [CLUSTER_POLICIES, 'conflict-wide'],
      ] as const) {
        const at = new RegExp(`^${path}/${name}(/status)?$`);
        // 409 on the first status patch; then a GET of the policy (the re-read); then its status patch, accepted.
        const seen = await waitFor(
          `${name}: a status write after a re-read`,
          () => {
            const requests = engineRequests(sandbox, at);
            const reread = requests.findIndex(([m, s]) => m === 'GET' && s === 200);
            return (
              reread > 0 && requests.slice(reread).some(([m, s]) => m === 'PATCH' && s === 200) && requests
            );
          },
          deadline,
        ).catch((error: unknown) => {
          throw new Error(
            `${String(error)}; the engine's requests: ${JSON.stringify(engineRequests(sandbox, at))}`,
          );
        });
        expect(seen[0]).toEqual(['PATCH', 409]);
      }
    },
  },
  {
    name: 'retention: deletes Remediation records older than the policy recordRetention',
    namespaces: ['retention'],
    async setup({ admin }) {
      await namespace(admin, 'retention');
      const target = (await post(
        admin,
        apps('retention', 'deployments'),
        appDeployment({ name: 'api', imagePrefix: 'retention', replicas: 1 }),
      )) as { metadata: Meta };
      const p = policy('retention', 'api', { name: 'roll', type: 'RolloutRestart' })
        .withSpecField('recordRetention', '1h')
        .build();
      const created = (await post(admin, policies('retention'), p)) as { metadata: Meta };
      await closedRecord(admin, created.metadata, 'retention', target.metadata, 48 * 3_600_000);
      await closedRecord(admin, created.metadata, 'retention', target.metadata, 10 * 60_000);
    },
    async check({ sandbox, deadline }) {
      const completed = () =>
        records(sandbox, 'retention').map((r) => Date.parse(r.status?.completionTime ?? ''));
      await waitFor('the two-day-old record deleted', () => completed().length === 1, deadline);
      // The one completed ten minutes ago is within the hour's retention.
      expect(Date.now() - (completed()[0] ?? 0)).toBeLessThan(3_600_000);
    },
  },
  {
    name: 'events: aggregates a repeated Event into one series with a count, for both policy kinds',
    namespaces: ['events'],
    clusterObjects: ['events-wide'],
    async setup({ admin, sandbox }) {
      await namespace(admin, 'events', { 'rbac-e2e': 'events' });
      // recordRetention under a minute passes the CRD's pattern but not the engine's bounds: InvalidSpec.
      const invalid = (p: ReturnType<typeof policy>) => p.withSpecField('recordRetention', '30s');
      const roll = { name: 'roll', type: 'RolloutRestart' };
      sandbox.create(
        GROUP,
        'v1alpha1',
        'remediationpolicies',
        invalid(policy('events', 'none', roll)).build() as never,
      );
      const wide = invalid(policy('events-wide', 'none', roll)).clusterWide({
        matchLabels: { 'rbac-e2e': 'events' },
      });
      sandbox.create(GROUP, 'v1alpha1', 'clusterremediationpolicies', wide.build() as never);
    },
    async check({ sandbox, admin, deadline }) {
      // The namespaced policy's Events are in its namespace; the cluster policy's in "default".
      const flips: [string, string, string][] = [
        [`${policies('events')}/events`, 'events', 'events'],
        [`${CLUSTER_POLICIES}/events-wide`, 'default', 'events-wide'],
      ];
      const flip = async ([path, ns, name]: [string, string, string]) => {
        const events = (reason: string) =>
          eventsIn(sandbox, ns, reason).filter((e) => e.involvedObject.name === name);
        await waitFor(`${name}: InvalidSpec`, () => events('InvalidSpec').length === 1, deadline);
        await mergePatch(admin, path, { spec: { recordRetention: '1h' } });
        await waitFor(`${name}: SpecValid`, () => events('SpecValid').length === 1, deadline);
        await mergePatch(admin, path, { spec: { recordRetention: '30s' } });
        await waitFor(
          `${name}: InvalidSpec counted twice`,
          () => events('InvalidSpec')[0]?.count === 2,
          deadline,
        );
        expect(events('InvalidSpec')).toHaveLength(1);
      };
      await Promise.all(flips.map(flip));
    },
  },
  {
    name: 'leader: leads through the chart Lease, created and renewed by the engine',
    namespaces: [RELEASE.namespace],
    leaderElectionOnly: true,
    async setup() {},
    async check({ sandbox, deadline }) {
      const lease = () =>
        sandbox.getObject('coordination.k8s.io', 'leases', RELEASE.namespace, `${RELEASE.name}-leader`)
          ?.spec as { holderIdentity?: string; renewTime?: string } | undefined;
      const first = await waitFor(
        'the Lease held',
        () => (lease()?.holderIdentity ? lease() : undefined),
        deadline,
      );
      expect(first.holderIdentity).toMatch(/^coordination-engine-/);
      await waitFor('the Lease renewed', () => lease()?.renewTime !== first.renewTime, deadline);
    },
  },
];
