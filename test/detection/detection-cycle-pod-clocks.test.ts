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
    expect(last).toBe(2 * minute);
  });
});
