import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  EvaluationLoop,
  EvaluationNotReadyError,
  EvaluationNotRunningError,
} from '../../src/controller/evaluation-loop.js';
import type { PolicyAssessment } from '../../src/detection/assessment.js';
import { AssessmentStore } from '../../src/detection/assessment-store.js';
import type { PolicyTargets } from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { FakeClock } from '../support/fake-clock.js';
import { testPolicy } from '../support/policy-fixtures.js';

/** evaluateNow: an immediate evaluation (the webhook's and the trigger's) is a pass like any other. */

function policyObject(name: string, interval = '10m'): KubeObject {
  const built = testPolicy(name).inNamespace('shop').withSpecField('evaluationInterval', interval).build();
  return { ...(built as KubeObject), metadata: { name, namespace: 'shop', generation: 1 } };
}

function harness(policies: KubeObject[], ready = () => true) {
  const clock = new FakeClock();
  const runs: string[][] = [];
  const assessed: string[] = [];
  let failRemediation = false;
  const loop = new EvaluationLoop({
    ready,
    policies: () => policies,
    targetsFor: (policy) => [
      {
        target: { kind: 'Deployment', namespace: 'shop', name: `${policy.metadata.name}-app` },
        pods: [{ namespace: 'shop', name: `${policy.metadata.name}-app-1` }],
      },
    ],
    detection: {
      run: async (due: readonly PolicyTargets[], nowMs: number) => {
        runs.push(due.map((p) => p.key));
        return new Map(
          due.map((p): [string, PolicyAssessment] => [
            p.key,
            {
              policy: p.key,
              evaluatedAtMs: nowMs,
              targets: [],
              summary: { total: 0, healthy: 0, anomalous: 0, insufficientData: 0 },
              problems: [],
              warnings: [],
            },
          ]),
        );
      },
    },
    store: new AssessmentStore(),
    rules: new RuleTracker(),
    clock,
    tickMs: 1_000,
    onEvaluated: () => {},
    onAssessed: async (policy) => {
      assessed.push(policy.metadata.name);
      if (failRemediation) throw new Error('status write refused');
    },
    logger: pino({ level: 'silent' }),
  });
  return { loop, clock, runs, assessed, failNext: () => (failRemediation = true) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('EvaluationLoop.evaluateNow', () => {
  it('evaluates a policy that is not due, at once, through remediation, and says when', async () => {
    const { loop, clock, runs, assessed } = harness([policyObject('a'), policyObject('b')]);
    loop.start();
    clock.advance(0);
    await settle();
    expect(runs).toEqual([['shop/a', 'shop/b']]);
    clock.advance(30_000);
    await settle();
    // 10m interval: nothing is due for a long while.
    expect(runs).toHaveLength(1);
    const pending = loop.evaluateNow(['shop/b']);
    clock.advance(0);
    const [result] = await pending;
    expect(runs).toEqual([['shop/a', 'shop/b'], ['shop/b']]);
    expect(assessed).toEqual(['a', 'b', 'b']);
    expect(result).toMatchObject({ key: 'shop/b', evaluated: true, startedAtMs: clock.now() });
    expect(result?.assessment?.policy).toBe('shop/b');
    expect(result?.decidedAtMs).toBeGreaterThanOrEqual(result?.assessedAtMs ?? Number.NaN);
    await loop.stop();
  });

  it('judges the data of now, even just after a slot, and leaves the policy on its grid', async () => {
    const { loop, clock, runs } = harness([policyObject('a', '30s')]);
    const advance = async (ms: number) => {
      for (let left = ms; left > 0; left -= Math.min(100, left)) {
        clock.advance(Math.min(100, left));
        await settle();
      }
    };
    loop.start();
    clock.advance(0);
    await settle();
    const start = clock.now();
    await advance(30_000);
    expect(runs).toHaveLength(2);
    // 400 ms after the slot at +30 s: a scheduled pass there would take the slot's time, an alert must not.
    await advance(400);
    const pending = loop.evaluateNow(['shop/a']);
    clock.advance(0);
    const [result] = await pending;
    expect(result?.assessment?.evaluatedAtMs).toBe(start + 30_400);
    // The next scheduled pass is still the slot at +60 s, not 30 s after the alert.
    await advance(30_000 - 400 - 100);
    expect(runs).toHaveLength(3);
    await advance(100);
    expect(runs).toHaveLength(4);
  });

  it('answers evaluated: false for a policy that does not exist, and coalesces repeated keys', async () => {
    const { loop, clock, runs } = harness([policyObject('a')]);
    await loop.tick();
    loop.start();
    const pending = loop.evaluateNow(['shop/a', 'shop/a', 'shop/gone']);
    clock.advance(0);
    await expect(pending).resolves.toMatchObject([
      { key: 'shop/a', evaluated: true },
      { key: 'shop/gone', evaluated: false },
    ]);
    expect(runs).toEqual([['shop/a'], ['shop/a']]);
    await loop.stop();
  });

  it('reports a remediation failure with the evaluation instead of hiding it', async () => {
    const { loop, clock, failNext } = harness([policyObject('a')]);
    loop.start();
    failNext();
    const pending = loop.evaluateNow(['shop/a']);
    clock.advance(0);
    const [result] = await pending;
    expect(result).toMatchObject({ evaluated: true, remediationError: 'status write refused' });
    await loop.stop();
  });

  it('refuses when the loop is not running (not the leader), and fails requests pending at stop', async () => {
    const { loop } = harness([policyObject('a')]);
    await expect(loop.evaluateNow(['shop/a'])).rejects.toBeInstanceOf(EvaluationNotRunningError);
    loop.start();
    const pending = loop.evaluateNow(['shop/a']);
    await loop.stop();
    // The clock never moved, so no pass ran: stop() fails the request rather than leaving it hanging.
    await expect(pending).rejects.toBeInstanceOf(EvaluationNotRunningError);
  });

  it('refuses while the caches have not synced, instead of piling up waiters', async () => {
    let synced = false;
    const { loop, clock, runs } = harness([policyObject('a')], () => synced);
    loop.start();
    clock.advance(0);
    await expect(loop.evaluateNow(['shop/a'])).rejects.toBeInstanceOf(EvaluationNotReadyError);
    synced = true;
    const pending = loop.evaluateNow(['shop/a']);
    clock.advance(1_000);
    expect((await pending)[0]?.evaluated).toBe(true);
    expect(runs.length).toBeGreaterThan(0);
  });

  it('finds the policies whose targets (or their pods) match', () => {
    const { loop } = harness([policyObject('a'), policyObject('b')]);
    const names = (m: Parameters<typeof loop.policiesSelecting>[0]) =>
      loop.policiesSelecting(m).map((p) => p.metadata.name);
    expect(names((e) => e.target.name === 'b-app')).toEqual(['b']);
    expect(names((e) => e.pods.some((p) => p.name === 'a-app-1'))).toEqual(['a']);
    expect(names(() => false)).toEqual([]);
  });
});
