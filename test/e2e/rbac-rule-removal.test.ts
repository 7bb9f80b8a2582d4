import { beforeAll, describe, expect, it } from 'vitest';
import { describeRequest } from './rbac-cluster.js';
import { EVERY_SCENARIO } from './rbac-necessity.js';
import { matrixLine, type RemovalResult, renderedRules, runWithout, shortName } from './rbac-removal.js';
import { SCENARIOS } from './rbac-scenarios.js';

/**
 * Rules of the rendered RBAC removed for real, one at a time: the engine, as the chart's ServiceAccount without
 * that rule, runs every named scenario, and a named scenario fails on a 403 that the removed rule alone would
 * have allowed. Each removal has its own sandbox, simulator and engine process. CI removes three representative
 * rules at once (about 2 minutes, mostly waiting for deadlines); `npm run test:rbac-matrix` (RBAC_MATRIX=1)
 * removes every rule, RBAC_MATRIX_CONCURRENCY at a time, and prints the matrix recorded in docs/chart.md. Every
 * rule's necessity is also computed in CI from the full-rules run (rbac-least-privilege.test.ts).
 */
const MATRIX = process.env.RBAC_MATRIX === '1';
/** An action's rule (one scenario), a bookkeeping rule (several) and an informer's (the engine cannot start). */
const REPRESENTATIVE = [': create pods/eviction', ': create,patch events', ': list,watch namespaces'];
/** How long each wait of a scenario may take; with every rule, each scenario is done within about 45 s. */
const DEADLINE_MS = 60_000;
/** Clusters at once: two cores do not start and run many more engines in time. */
const CONCURRENCY = Number(process.env.RBAC_MATRIX_CONCURRENCY ?? 3);

const all = await renderedRules();
const rules = MATRIX ? all : all.filter((r) => REPRESENTATIVE.some((x) => r.label.endsWith(x)));
const results = new Map<string, Promise<RemovalResult>>();

beforeAll(() => {
  const lanes: Promise<unknown>[] = Array.from({ length: CONCURRENCY }, () => Promise.resolve());
  rules.forEach(({ ref, label }, i) => {
    const lane = i % CONCURRENCY;
    const result = (lanes[lane] as Promise<unknown>).then(() => runWithout(ref, DEADLINE_MS));
    lanes[lane] = result.catch(() => undefined); // A failure is reported by the rule's own test.
    results.set(label, result);
  });
});

describe('removing any one rule of the rendered RBAC makes a named scenario fail', () => {
  it('finds the rules it removes among the rendered ones', () => {
    expect(rules.length).toBe(MATRIX ? all.length : REPRESENTATIVE.length);
  });

  for (const { label } of rules) {
    it(`without ${label}`, { timeout: 30 * 60_000 }, async () => {
      const result = (await results.get(label)) as RemovalResult;
      console.log(matrixLine(label, result));
      // The engine was refused requests that, among the rendered rules, only this one allows...
      expect(result.deniedForTheRule.length, `${label}: nothing refused`).toBeGreaterThan(0);
      const refusals = result.deniedForTheRule.map((d) => describeRequest(d.attributes));
      // ...and a scenario those requests serve failed, its failure naming such a refusal. Without an informer's
      // rule the caches never sync, so the engine never campaigns nor reconciles: every scenario fails, the Lease's too.
      const everything = result.refusedScenarios.includes(EVERY_SCENARIO);
      const named = [...result.failed].filter(
        ([name, message]) =>
          (everything || result.refusedScenarios.includes(name)) && refusals.some((r) => message.includes(r)),
      );
      expect(
        named.map(([name]) => name),
        matrixLine(label, result),
      ).not.toEqual([]);
      if (everything) {
        const leaderOnly = SCENARIOS.filter((s) => s.leaderElectionOnly).map((s) => shortName(s.name));
        expect(result.passed.filter((p) => !leaderOnly.includes(p))).toEqual([]);
      }
      expect(result.failed.size + result.passed.length).toBe(SCENARIOS.length);
    });
  }
});
