import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EvaluationLoop, type EvaluationLoopDeps } from '../../src/controller/evaluation-loop.js';
import type { PolicyAssessment } from '../../src/detection/assessment.js';
import { AssessmentStore } from '../../src/detection/assessment-store.js';
import type { PolicyTargets } from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { validatePolicySpec } from '../../src/policy/validate.js';
import { FakeClock } from '../support/fake-clock.js';
import { testPolicy } from '../support/policy-fixtures.js';

function policyObject(name: string, interval: string, generation = 1, invalid = false): KubeObject {
  const built = testPolicy(name)
    .inNamespace('shop')
    .withSpecField('evaluationInterval', invalid ? '1s' : interval)
    .build() as KubeObject;
  return { ...built, metadata: { ...built.metadata, name, namespace: 'shop', generation } };
}

function harness(policies: KubeObject[], extra: Partial<EvaluationLoopDeps> = {}) {
  const clock = new FakeClock();
  const runs: string[][] = [];
  const evaluated: string[][] = [];
  const store = new AssessmentStore();
  let ready = true;
  const loop = new EvaluationLoop({
    ready: () => ready,
    policies: () => policies,
    targetsFor: () => [],
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
    store,
    rules: new RuleTracker(),
    clock,
    tickMs: 1_000,
    onEvaluated: (keys) => evaluated.push(keys),
    logger: pino({ level: 'silent' }),
    ...extra,
  });
  return { loop, clock, runs, evaluated, store, setReady: (value: boolean) => (ready = value) };
}

describe('EvaluationLoop', () => {
  it('assesses all due policies in one cycle, then each again when its own interval elapses', async () => {
    const policies = [policyObject('fast', '10s'), policyObject('slow', '1m')];
    const { loop, clock, runs, evaluated } = harness(policies);
    expect(await loop.tick()).toEqual(['shop/fast', 'shop/slow']);
    expect(runs).toEqual([['shop/fast', 'shop/slow']]);
    expect(evaluated).toEqual([['shop/fast', 'shop/slow']]);
    clock.advance(5_000);
    expect(await loop.tick()).toEqual([]);
    clock.advance(5_000);
    expect(await loop.tick()).toEqual(['shop/fast']);
    clock.advance(50_000);
    expect(await loop.tick()).toEqual(['shop/fast', 'shop/slow']);
  });

  it('re-evaluates at once after a spec change (new generation)', async () => {
    const policies = [policyObject('p', '1m')];
    const { loop, clock } = harness(policies);
    await loop.tick();
    clock.advance(1_000);
    expect(await loop.tick()).toEqual([]);
    policies[0] = policyObject('p', '1m', 2);
    expect(await loop.tick()).toEqual(['shop/p']);
  });

  it('never assesses an invalid policy and forgets deleted ones', async () => {
    const policies = [policyObject('bad', '1m', 1, true), policyObject('gone', '1m')];
    const { loop, store } = harness(policies);
    expect(await loop.tick()).toEqual(['shop/gone']);
    expect(store.get('shop/bad')).toBeUndefined();
    policies.pop();
    await loop.tick();
    expect(store.keys()).toEqual([]);
  });

  it('validates each policy by its kind: a namespaceSelector is valid on a ClusterRemediationPolicy only', async () => {
    const prodOnly = { matchLabels: { env: 'prod' } };
    const cluster = testPolicy('same').clusterWide(prodOnly).build() as KubeObject;
    // A RemediationPolicy cannot carry one (its CRD prunes it; an object that bypassed the CRD still must not run).
    const namespaced = testPolicy('same').inNamespace('shop').clusterWide(prodOnly).build() as KubeObject;
    const namespacedWithSelector = {
      ...namespaced,
      kind: 'RemediationPolicy',
      metadata: { ...namespaced.metadata, namespace: 'shop' },
    } as KubeObject;
    const { loop, store } = harness([cluster, namespacedWithSelector]);
    // A cluster policy's key is its bare name, so it never shares a key with a namespaced one of the same name.
    expect(await loop.tick()).toEqual(['same']);
    expect(store.keys()).toEqual(['same']);
  });

  it('runs on its own schedule once started, and stops', async () => {
    const { loop, clock, runs } = harness([policyObject('p', '10s')]);
    loop.start();
    clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toHaveLength(1);
    await loop.stop();
    clock.advance(60_000);
    expect(runs).toHaveLength(1);
  });

  it('marks each pass with due policies as work in progress, from before detection until after it', async () => {
    const marks: string[] = [];
    let runs: string[][] = [];
    const attend = () => {
      marks.push(`start after ${runs.length} runs`);
      return () => marks.push(`end after ${runs.length} runs`);
    };
    const h = harness([policyObject('p', '10s')], { attend });
    runs = h.runs;
    h.loop.start();
    h.clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(marks).toEqual(['start after 0 runs', 'end after 1 runs']);
    // The beat that finds nothing due (every tickMs) is not work: marking it would keep the monitor fine forever.
    h.clock.advance(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.runs).toHaveLength(1);
    expect(marks).toHaveLength(2);
    for (let t = 1_000; t < 10_000; t += 1_000) {
      h.clock.advance(1_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(h.runs).toHaveLength(2);
    expect(marks).toEqual([
      'start after 0 runs',
      'end after 1 runs',
      'start after 1 runs',
      'end after 2 runs',
    ]);
    await h.loop.stop();
  });

  it('ends the mark of a pass whose detection failed', async () => {
    let open = 0;
    const h = harness([policyObject('p', '10s')], {
      attend: () => {
        open++;
        return () => open--;
      },
      detection: {
        run: async () => {
          expect(open).toBe(1);
          throw new Error('prometheus fell over');
        },
      },
    });
    expect(await h.loop.tick()).toEqual([]);
    expect(open).toBe(0);
  });

  it('judges validity through the injected validate (the engine remembers it per uid and generation)', async () => {
    const seen: string[] = [];
    const { loop } = harness([policyObject('a', '10s'), policyObject('b', '10s')], {
      validate: (policy) => {
        seen.push(policy.metadata.name);
        return policy.metadata.name === 'a'
          ? { valid: false, errors: [{ path: 'spec', message: 'refused by the injected validator' }] }
          : validatePolicySpec(policy.spec, 'Namespaced');
      },
    });
    expect(await loop.tick()).toEqual(['shop/b']);
    expect(seen).toEqual(['a', 'b']);
  });

  it('waits for the caches to sync before the first assessment', async () => {
    const { loop, setReady, runs } = harness([policyObject('p', '10s')]);
    setReady(false);
    expect(await loop.tick()).toEqual([]);
    expect(runs).toEqual([]);
    setReady(true);
    expect(await loop.tick()).toEqual(['shop/p']);
  });

  it('survives a failing pass and assesses again on the next tick', async () => {
    const policies = [policyObject('p', '10s')];
    const { loop } = harness(policies);
    const broken = { ...policies[0], metadata: undefined } as unknown as KubeObject;
    policies.push(broken);
    expect(await loop.tick()).toEqual([]);
    policies.pop();
    expect(await loop.tick()).toEqual(['shop/p']);
  });
});
