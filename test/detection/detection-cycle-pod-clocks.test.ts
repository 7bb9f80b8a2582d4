import { describe, expect, it } from 'vitest';
import { DetectionCycle, type PolicyTargets } from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { FeatureCycle } from '../../src/metrics/feature-vector.js';
import { policySpecSchema } from '../../src/policy/spec-schema.js';
import { vector } from './vectors.js';

const minute = 60_000;

/** Every cycle web-0 restarts; the rule needs that for 2m (detection mode left at its default: rules). */
const features = {
  build: async (_selection: unknown, atMs: number): Promise<FeatureCycle> => ({
    status: 'ok',
    schemaVersion: 'v1',
    evaluatedAtMs: atMs,
    vectors: [vector('web-0', { 'container_restart_count.diff': 1 })],
    queries: 6,
    warnings: [],
  }),
};

const spec = policySpecSchema.parse({
  evaluationInterval: '1m',
  detection: {
    rules: [
      { name: 'restarting', feature: 'container_restart_count.diff', operator: '>', value: 0, for: '2m' },
    ],
  },
});

/** The StatefulSet `db` with its one pod web-0 (uid as the informer cache has it). */
const policy = (uid: string): PolicyTargets => ({
  key: 'shop/p',
  spec,
  targets: [
    {
      target: { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
      pods: [{ namespace: 'shop', name: 'web-0', uid }],
    },
  ],
});

const ruleOf = async (cycle: DetectionCycle, uid: string, atMs: number) => {
  const pod = (await cycle.run([policy(uid)], atMs)).get('shop/p')?.targets[0]?.pods[0];
  return { state: pod?.state, heldForMs: pod?.rules[0]?.heldForMs };
};

describe('DetectionCycle per-pod clocks', () => {
  it('does not let a pod recreated under the same name inherit its predecessor’s clocks', async () => {
    const cycle = new DetectionCycle({ features, rules: new RuleTracker() });
    await ruleOf(cycle, 'uid-1', 0);
    await ruleOf(cycle, 'uid-1', minute);
    expect(await ruleOf(cycle, 'uid-1', 2 * minute)).toEqual({ state: 'anomalous', heldForMs: 2 * minute });
    // web-0 deleted and recreated by its StatefulSet: a new uid, so `for` starts over.
    expect(await ruleOf(cycle, 'uid-2', 3 * minute)).toEqual({ state: 'healthy', heldForMs: 0 });
  });

  it('starts `for` over after evaluations paused for more than 1.5 evaluation intervals', async () => {
    const cycle = new DetectionCycle({ features, rules: new RuleTracker() });
    await ruleOf(cycle, 'uid-1', 0);
    expect(await ruleOf(cycle, 'uid-1', minute)).toEqual({ state: 'healthy', heldForMs: minute });
    // Two intervals without an evaluation: the held time is not assumed across the gap.
    expect(await ruleOf(cycle, 'uid-1', 3 * minute)).toEqual({ state: 'healthy', heldForMs: 0 });
  });

  it('reads features a query offset behind each cycle, every cycle at its own instant', async () => {
    const asked: number[] = [];
    const recording = {
      build: async (selection: unknown, atMs: number) => {
        asked.push(atMs);
        return features.build(selection, atMs);
      },
    };
    const t0 = Date.parse('2026-12-01T10:00:05Z');
    const byDefault = new DetectionCycle({ features: recording, rules: new RuleTracker() });
    const tuned = new DetectionCycle({
      features: recording,
      rules: new RuleTracker(),
      queryOffsetMs: 30_000,
    });
    const first = await byDefault.run([policy('uid-1')], t0);
    await byDefault.run([policy('uid-1')], t0 + 10_000);
    await tuned.run([policy('uid-1')], t0 + 30_000);
    // Cycles 10 s apart (an interval shorter than the 60 s step is honoured) read instants 10 s apart, 5 s back
    // by default: not the same minute twice.
    expect(asked).toEqual([t0 - 5_000, t0 + 5_000, t0]);
    expect(first.get('shop/p')?.evaluatedAtMs).toBe(t0 - 5_000);
  });

  it('measures gaps in real time, not by the cycle instant aligned down to the query step', async () => {
    // A 10 s policy whose cycle instants are aligned to a 60 s step: they jump a whole minute at once.
    const aligned = {
      build: async (selection: unknown, atMs: number) =>
        features.build(selection, Math.floor(atMs / minute) * minute),
    };
    const fast = policySpecSchema.parse({
      evaluationInterval: '10s',
      detection: {
        rules: [
          { name: 'restarting', feature: 'container_restart_count.diff', operator: '>', value: 0, for: '2m' },
        ],
      },
    });
    const cycle = new DetectionCycle({ features: aligned, rules: new RuleTracker() });
    let last: number | undefined;
    for (let t = 5_000; t <= 3 * minute; t += 10_000) {
      const result = await cycle.run([{ ...policy('uid-1'), spec: fast }], t);
      last = result.get('shop/p')?.targets[0]?.pods[0]?.rules[0]?.heldForMs;
    }
    // Held from the first evaluation (5 s) to the last (175 s), in real time.
    expect(last).toBe(170_000);
  });

  describe('status-signal rules on cycles aligned to a minute step', () => {
    const aligned = {
      build: async (_selection: unknown, atMs: number): Promise<FeatureCycle> => ({
        status: 'ok',
        schemaVersion: 'v1',
        evaluatedAtMs: Math.floor(atMs / minute) * minute,
        vectors: [],
        queries: 6,
        warnings: [],
      }),
    };
    const statusPolicy = (rule: Record<string, unknown>, notReadySinceMs?: number): PolicyTargets => ({
      key: 'shop/p',
      spec: policySpecSchema.parse({
        evaluationInterval: '10s',
        detection: { rules: [{ name: 'r', ...rule }] },
      }),
      targets: [
        {
          target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
          pods: [
            {
              namespace: 'shop',
              name: 'web-1',
              uid: 'u1',
              signals: {
                crashLoopBackOff: true,
                imagePullBackOff: false,
                oomKilled: false,
                restartCount: 3,
                notReadySinceMs,
                cpuLimitCores: 0.5,
              },
            },
          ],
        },
      ],
    });
    const rule = async (cycle: DetectionCycle, p: PolicyTargets, atMs: number) =>
      (await cycle.run([p], atMs)).get('shop/p')?.targets[0]?.pods[0]?.rules[0];

    it('holds `for` in real time: 10 s across a minute boundary is not 30 s', async () => {
      const cycle = new DetectionCycle({ features: aligned, rules: new RuleTracker() });
      const p = statusPolicy({ signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '30s' });
      await rule(cycle, p, 55_000);
      expect(await rule(cycle, p, 65_000)).toMatchObject({ heldForMs: 10_000, firing: false });
      await rule(cycle, p, 75_000);
      expect(await rule(cycle, p, 85_000)).toMatchObject({ heldForMs: 30_000, firing: true });
    });

    it('reads NotReadySeconds at the time of the evaluation, not at the aligned instant', async () => {
      const cycle = new DetectionCycle({ features: aligned, rules: new RuleTracker() });
      const p = statusPolicy({ signal: 'NotReadySeconds', operator: '>', value: 60, for: '0s' }, 60_000);
      // Not Ready since 60 s; evaluated at 125 s (aligned instant 120 s): 65 s, above the threshold.
      expect(await rule(cycle, p, 125_000)).toMatchObject({ observed: 65, firing: true });
    });
  });
});
