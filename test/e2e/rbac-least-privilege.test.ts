import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChartCluster,
  describeRequest,
  describeRule,
  type RbacRule,
  rulesOf,
  startChartCluster,
} from './rbac-cluster.js';
import { deniedWithout, deniedWithoutVerb, scenariosOf, verbGrants } from './rbac-necessity.js';
import { runScenario } from './rbac-scenario-kit.js';
import { SCENARIOS } from './rbac-scenarios.js';

/**
 * Least privilege, proved (issue 11): the engine, started from the chart's rendered Deployment environment and
 * authenticated as the chart's ServiceAccount holding exactly the rendered ClusterRole, Role and bindings, carries
 * out every named scenario on a sandbox with RBAC on, and is refused nothing. Then, from the sandbox's record of
 * which rule authorised each request, every rule (and every verb of it) is shown to be the only grant of a request
 * some named scenario needs. `npm run test:rbac-matrix` removes each rule for real and names the failing test.
 */
let cluster: ChartCluster;

beforeAll(async () => {
  cluster = await startChartCluster({
    prepare: async (admin, sandbox) => {
      for (const s of SCENARIOS) await s.setup({ sandbox, admin });
    },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('the engine as the chart ServiceAccount, with exactly the rendered RBAC', () => {
  for (const s of SCENARIOS) it.concurrent(s.name, () => runScenario(cluster, s, 100_000), 150_000);
});

describe('least privilege of the rendered RBAC', () => {
  it('mentions no Secrets and no wildcards, and binds only the chart ServiceAccount', () => {
    const rules = rulesOf(cluster.rbac).map((r) => r.rule);
    expect(rules.length).toBeGreaterThan(10);
    expect(JSON.stringify(cluster.rbac)).not.toMatch(/secret/i);
    for (const rule of rules as RbacRule[]) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
    }
  });

  it('the engine was refused nothing', () => {
    const decisions = cluster.engineDecisions();
    expect(decisions.length).toBeGreaterThan(100);
    expect(decisions.filter((d) => !d.decision.allowed).map((d) => describeRequest(d.attributes))).toEqual(
      [],
    );
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
    console.log(report.join('\n'));
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
    console.log(report.join('\n'));
    expect(unused).toEqual([]);
  });
});
