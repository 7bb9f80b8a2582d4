import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeManifest } from '../support/helm-chart.js';
import {
  type ChartCluster,
  describeRequest,
  describeRule,
  type RbacRule,
  RELEASE,
  rulesOf,
  startChartCluster,
} from './rbac-cluster.js';
import { deniedWithout, deniedWithoutVerb, scenariosOf, verbGrants } from './rbac-necessity.js';
import { runScenario } from './rbac-scenario-kit.js';
import { SCENARIOS } from './rbac-scenarios.js';

/**
 * Least privilege, proved (issue 11): the engine, started from the chart's rendered Deployment environment and
 * authenticated as the chart's ServiceAccount holding exactly the rendered ClusterRole, Roles and bindings, carries
 * out every named scenario on a sandbox with RBAC on, and is refused nothing; so it does installed for all
 * namespaces and for a namespace list (namespaced Roles). Then, from the sandbox's record of which rule authorised
 * each request, every rule (and every verb of it) is shown to be the only grant of a request some named scenario
 * needs. rbac-rule-removal.test.ts removes rules for real.
 */
const WATCHED = [...new Set(SCENARIOS.flatMap((s) => s.namespaces))].filter((n) => n !== RELEASE.namespace);
const MODES = [
  { name: 'installed for all namespaces', values: {} },
  { name: 'installed for a namespace list', values: { watchNamespaces: WATCHED } },
];
const clusters = new Map<string, Promise<ChartCluster>>();

beforeAll(async () => {
  for (const mode of MODES) {
    const cluster = startChartCluster({
      values: mode.values,
      prepare: async (admin, sandbox) => {
        for (const s of SCENARIOS) await s.setup({ sandbox, admin });
      },
    });
    cluster.catch(() => undefined); // Awaited below and by the mode's tests.
    clusters.set(mode.name, cluster);
  }
  await Promise.all(clusters.values());
}, 180_000);

afterAll(async () => {
  await Promise.all(
    [...clusters.values()].map((c) =>
      c.then(
        (x) => x.stop(),
        () => undefined,
      ),
    ),
  );
});

for (const mode of MODES) {
  describe(`the engine as the chart ServiceAccount, ${mode.name}`, () => {
    let cluster: ChartCluster;
    beforeAll(async () => {
      cluster = (await clusters.get(mode.name)) as ChartCluster;
    });

    for (const s of SCENARIOS) it.concurrent(s.name, () => runScenario(cluster, s, 100_000), 150_000);

    it('has rules without Secrets or wildcards, bound to the chart ServiceAccount only', () => {
      const rules: RbacRule[] = rulesOf(cluster.rbac).map((r) => r.rule);
      expect(rules.length).toBeGreaterThan(10);
      expect(JSON.stringify(cluster.rbac)).not.toMatch(/secret/i);
      for (const rule of rules) {
        for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
      }
      const bindings = cluster.rbac.filter((d) => d.kind.endsWith('Binding')) as (KubeManifest & {
        subjects: unknown[];
      })[];
      for (const b of bindings) {
        expect(b.subjects).toEqual([
          { kind: 'ServiceAccount', name: RELEASE.name, namespace: RELEASE.namespace },
        ]);
      }
    });

    it('the engine was refused nothing', () => {
      const decisions = cluster.engineDecisions();
      expect(decisions.length).toBeGreaterThan(100);
      const refused = decisions.filter((d) => !d.decision.allowed).map((d) => describeRequest(d.attributes));
      expect(refused).toEqual([]);
    });

    it('every rule alone authorised a request of a named scenario, denied without it', () => {
      const decisions = cluster.engineDecisions();
      const report: string[] = [];
      for (const { ref, rule } of rulesOf(cluster.rbac)) {
        const denied = deniedWithout(cluster.rbac, decisions, ref);
        const requests = [...new Set(denied.map((d) => describeRequest(d.attributes)))];
        const scenarios = [...new Set(denied.flatMap((d) => scenariosOf(SCENARIOS, d)))];
        report.push(
          `${describeRule(ref, rule)}\n  denied: ${requests.slice(0, 3).join('; ')}\n  needed by: ${scenarios.join(', ')}`,
        );
        expect(
          denied.length,
          `${describeRule(ref, rule)} authorised nothing the engine needed`,
        ).toBeGreaterThan(0);
      }
      console.log(`${mode.name}:\n${report.join('\n')}`);
    });

    it('every verb on every resource of every rule was needed by a named scenario', () => {
      const decisions = cluster.engineDecisions();
      const unused: string[] = [];
      const report: string[] = [];
      for (const g of verbGrants(cluster.rbac)) {
        const denied = deniedWithoutVerb(cluster.rbac, decisions, g);
        const name = `${g.verb} ${g.resource} (${g.ref.kind} ${g.ref.name}[${g.ref.index}])`;
        if (denied.length === 0) unused.push(name);
        report.push(`${name} → ${[...new Set(denied.flatMap((d) => scenariosOf(SCENARIOS, d)))].join(', ')}`);
      }
      console.log(`${mode.name}:\n${report.join('\n')}`);
      expect(unused).toEqual([]);
    });
  });
}
