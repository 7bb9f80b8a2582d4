import { describe, expect, it } from 'vitest';
import { RuleTracker, trackedPodKey } from '../../src/detection/rule-tracker.js';
import type { Rule } from '../../src/policy/spec-schema.js';
import { vector } from './vectors.js';

const restarts: Rule = {
  name: 'restarting',
  feature: 'container_restart_count.diff',
  operator: '>',
  value: 0,
  for: '2m',
  keepFiringFor: '0s',
};
const minute = 60_000;
/** Evaluated at t (real time), for a policy evaluated every minute. */
const at = (t: number) => ({ intervalMs: minute, atMs: t });

describe('RuleTracker', () => {
  it('fires only after the condition has held for the whole `for` duration', () => {
    const tracker = new RuleTracker();
    const hot = vector('web-1', { 'container_restart_count.diff': 2 });
    expect(tracker.evaluate('shop/p', [restarts], hot, 0)).toMatchObject([
      { rule: 'restarting', observed: 2, heldForMs: 0, firing: false },
    ]);
    expect(tracker.evaluate('shop/p', [restarts], hot, minute)[0]?.firing).toBe(false);
    expect(tracker.evaluate('shop/p', [restarts], hot, 2 * minute)).toMatchObject([
      { heldForMs: 2 * minute, firing: true },
    ]);
  });

  it('restarts the clock when the condition stops holding', () => {
    const tracker = new RuleTracker();
    const hot = vector('web-1', { 'container_restart_count.diff': 1 });
    tracker.evaluate('shop/p', [restarts], hot, 0);
    expect(
      tracker.evaluate('shop/p', [restarts], vector('web-1', { 'container_restart_count.diff': 0 }), minute),
    ).toEqual([]);
    expect(tracker.evaluate('shop/p', [restarts], hot, 2 * minute)[0]).toMatchObject({
      heldForMs: 0,
      firing: false,
    });
  });

  it('never lets missing data satisfy a rule, and restarts the clock after it', () => {
    const tracker = new RuleTracker();
    tracker.evaluate('shop/p', [restarts], vector('web-1', { 'container_restart_count.diff': 1 }), 0);
    const gap = vector('web-1', { 'container_restart_count.diff': 1, 'node_cpu_utilization.value': null });
    expect(gap.state).toBe('insufficient_data');
    expect(tracker.evaluate('shop/p', [restarts], gap, minute)).toEqual([]);
    expect(
      tracker.evaluate(
        'shop/p',
        [restarts],
        vector('web-1', { 'container_restart_count.diff': 1 }),
        2 * minute,
      )[0]?.firing,
    ).toBe(false);
  });

  it('keeps separate clocks per policy and pod, and forgets pods no longer evaluated', () => {
    const tracker = new RuleTracker();
    const hot = (pod: string) => vector(pod, { 'container_restart_count.diff': 1 });
    tracker.evaluate('shop/a', [restarts], hot('web-1'), 0);
    tracker.evaluate('shop/b', [restarts], hot('web-1'), minute);
    tracker.evaluate('shop/a', [restarts], hot('web-2'), minute);
    expect(tracker.evaluate('shop/a', [restarts], hot('web-1'), 2 * minute)[0]?.firing).toBe(true);
    expect(tracker.evaluate('shop/b', [restarts], hot('web-1'), 2 * minute)[0]?.firing).toBe(false);
    tracker.retainOnly('shop/a', new Set(['shop/web-2']));
    expect(tracker.evaluate('shop/a', [restarts], hot('web-1'), 3 * minute)[0]?.heldForMs).toBe(0);
    expect(tracker.evaluate('shop/a', [restarts], hot('web-2'), 3 * minute)[0]?.heldForMs).toBe(2 * minute);
  });

  it("judges a kept identity with each cycle's vector apart as it judges them joined, and forgets by scope", () => {
    const tracker = new RuleTracker();
    // Detection keeps one identity per pod version and passes each cycle's vector beside it (evaluatePod).
    const identity = { namespace: 'shop', pod: 'web-1', uid: 'u-1' };
    const hot = () => vector('web-1', { 'container_restart_count.diff': 1 });
    expect(tracker.evaluatePod('shop/a', [restarts], identity, hot(), 0)[0]?.firing).toBe(false);
    tracker.evaluate('shop/b', [restarts], { ...hot(), uid: 'u-1' }, 0);
    // The joined subject and the identity apart are the same pod to the tracker.
    expect(tracker.evaluate('shop/a', [restarts], { ...hot(), uid: 'u-1' }, minute)[0]?.heldForMs).toBe(
      minute,
    );
    expect(tracker.evaluatePod('shop/a', [restarts], identity, hot(), 2 * minute)[0]?.firing).toBe(true);
    // Without a vector (no metrics) a feature rule is not judged, and the pod's clock is dropped.
    expect(tracker.evaluatePod('shop/a', [restarts], identity, undefined, 3 * minute)).toEqual([]);
    expect(tracker.evaluatePod('shop/a', [restarts], identity, hot(), 4 * minute)[0]?.heldForMs).toBe(0);
    tracker.forget('shop/a');
    expect(tracker.evaluatePod('shop/a', [restarts], identity, hot(), 5 * minute)[0]?.heldForMs).toBe(0);
    // Another policy's clocks for the same pod stay.
    expect(tracker.evaluatePod('shop/b', [restarts], identity, hot(), minute)[0]?.heldForMs).toBe(minute);
    tracker.retainOnly('shop/b', new Set([trackedPodKey(identity)]));
    expect(tracker.evaluatePod('shop/b', [restarts], identity, hot(), 2 * minute)[0]?.firing).toBe(true);
    tracker.retainOnly('shop/b', new Set());
    expect(tracker.evaluatePod('shop/b', [restarts], identity, hot(), 3 * minute)[0]?.heldForMs).toBe(0);
  });

  it('supports every operator', () => {
    const tracker = new RuleTracker();
    const v = vector('p', { 'pod_cpu_usage.value': 0.5 });
    const rule = (operator: Rule['operator'], value: number): Rule => ({
      name: `${operator}${value}`,
      feature: 'pod_cpu_usage.value',
      operator,
      value,
      for: '0s',
      keepFiringFor: '0s',
    });
    const fired = tracker
      .evaluate(
        's',
        [rule('>', 0.4), rule('>=', 0.5), rule('<', 0.5), rule('<=', 0.5), rule('==', 0.5), rule('!=', 0.5)],
        v,
        0,
      )
      .filter((f) => f.firing)
      .map((f) => f.rule);
    expect(fired).toEqual(['>0.4', '>=0.5', '<=0.5', '==0.5']);
  });

  it("starts an edited rule afresh instead of inheriting the old definition's clock", () => {
    const tracker = new RuleTracker();
    const hot = vector('web-1', { 'container_restart_count.diff': 5, 'pod_cpu_usage.value': 0.9 });
    tracker.evaluate('shop/p', [restarts], hot, 0);
    expect(tracker.evaluate('shop/p', [restarts], hot, 10 * minute)[0]?.firing).toBe(true);
    const edited: Rule = { ...restarts, feature: 'pod_cpu_usage.value', value: 0.5 };
    expect(tracker.evaluate('shop/p', [edited], hot, 11 * minute)[0]).toMatchObject({
      heldForMs: 0,
      firing: false,
    });
  });

  it('keeps a firing rule firing for keepFiringFor after its condition stops holding, then lets go', () => {
    const tracker = new RuleTracker();
    const rule: Rule = { ...restarts, for: '0s', keepFiringFor: '5m' };
    tracker.evaluate('s', [rule], vector('p', { 'container_restart_count.diff': 1 }), 0);
    const quiet = vector('p', { 'container_restart_count.diff': 0 });
    expect(tracker.evaluate('s', [rule], quiet, 4 * minute)).toMatchObject([
      { firing: true, kept: true, observed: 1 },
    ]);
    expect(tracker.evaluate('s', [rule], quiet, 5 * minute)).toEqual([]);
    // A rule that never fired is not kept.
    const slow: Rule = { ...rule, name: 'slow', for: '10m' };
    tracker.evaluate('s', [slow], vector('p', { 'container_restart_count.diff': 1 }), 6 * minute);
    expect(tracker.evaluate('s', [slow], quiet, 7 * minute)).toEqual([]);
  });

  it('measures NotReadySeconds at the real instant, not at the step-aligned metrics instant', () => {
    const tracker = new RuleTracker();
    const notReady: Rule = {
      name: 'not-ready',
      signal: 'NotReadySeconds',
      operator: '>',
      value: 8,
      for: '0s',
      keepFiringFor: '0s',
    };
    // Metrics aligned down to the minute (t = 1 min); the cycle runs at 1 min 45 s; the pod has not been Ready
    // since 1 min 10 s: 35 s, although it did not exist yet at the aligned instant.
    const signals = {
      crashLoopBackOff: false,
      imagePullBackOff: false,
      oomKilled: false,
      restartCount: 2,
      notReadySinceMs: minute + 10_000,
      cpuLimitCores: undefined,
    };
    const pod = { namespace: 'shop', pod: 'web-2' };
    expect(
      tracker.evaluate('s', [notReady], pod, minute, signals, { intervalMs: 10_000, atMs: minute + 45_000 }),
    ).toMatchObject([{ rule: 'not-ready', observed: 35, firing: true }]);
  });

  it('reads status signals without metrics, and CPULimitRatio from the CPU feature and the limits', () => {
    const tracker = new RuleTracker();
    const crashing: Rule = {
      name: 'crashing',
      signal: 'CrashLoopBackOff',
      operator: '==',
      value: 1,
      for: '0s',
      keepFiringFor: '5m',
    };
    const notReady: Rule = {
      name: 'not-ready',
      signal: 'NotReadySeconds',
      operator: '>',
      value: 60,
      for: '0s',
      keepFiringFor: '0s',
    };
    const pinned: Rule = {
      name: 'pinned',
      signal: 'CPULimitRatio',
      operator: '>',
      value: 0.9,
      for: '0s',
      keepFiringFor: '0s',
    };
    const signals = {
      crashLoopBackOff: true,
      imagePullBackOff: false,
      oomKilled: false,
      restartCount: 4,
      notReadySinceMs: 0,
      cpuLimitCores: 0.5,
    };
    const pod = { namespace: 'shop', pod: 'web-1' };
    expect(
      tracker
        .evaluate('s', [crashing, notReady, pinned], pod, 2 * minute, signals)
        .map((f) => [f.rule, f.observed]),
    ).toEqual([
      ['crashing', 1],
      ['not-ready', 120],
    ]);
    // Between two restarts it runs and is Ready: still firing (kept), not a recovery.
    const running = { ...signals, crashLoopBackOff: false, notReadySinceMs: undefined };
    expect(tracker.evaluate('s', [crashing], pod, 3 * minute, running)).toMatchObject([
      { rule: 'crashing', kept: true },
    ]);
    const hot = vector('web-1', { 'pod_cpu_usage.value': 0.48 });
    expect(tracker.evaluate('s', [pinned], hot, 4 * minute, signals)).toMatchObject([
      { rule: 'pinned', feature: 'signal:CPULimitRatio', observed: 0.96, firing: true },
    ]);
    expect(
      tracker.evaluate('s', [pinned], hot, 5 * minute, { ...signals, cpuLimitCores: undefined }),
    ).toEqual([]);
  });

  it('starts `for` over when evaluations stopped for longer than 1.5 evaluation intervals', () => {
    const hot = vector('web-1', { 'container_restart_count.diff': 1 });
    // Watched without a gap: the condition held for 2m and fires.
    const steady = new RuleTracker();
    for (const t of [0, 1, 2]) steady.evaluate('s', [restarts], hot, t * minute, undefined, at(t * minute));
    expect(steady.evaluate('s', [restarts], hot, 2 * minute, undefined, at(2 * minute))[0]?.firing).toBe(
      true,
    );
    // 1.5 intervals apart is still continuous.
    const late = new RuleTracker();
    late.evaluate('s', [restarts], hot, 0, undefined, at(0));
    expect(late.evaluate('s', [restarts], hot, 1.5 * minute, undefined, at(1.5 * minute))[0]?.heldForMs).toBe(
      1.5 * minute,
    );
    // A gap of two intervals: nobody saw the condition hold in between, so `for` counts from now.
    const gapped = new RuleTracker();
    gapped.evaluate('s', [restarts], hot, 0, undefined, at(0));
    gapped.evaluate('s', [restarts], hot, minute, undefined, at(minute));
    expect(gapped.evaluate('s', [restarts], hot, 3 * minute, undefined, at(3 * minute))[0]).toMatchObject({
      heldForMs: 0,
      firing: false,
    });
    expect(gapped.evaluate('s', [restarts], hot, 4 * minute, undefined, at(4 * minute))[0]?.heldForMs).toBe(
      minute,
    );
  });

  it('drops a keepFiringFor hold and an ML hold after an evaluation gap', () => {
    const tracker = new RuleTracker();
    const rule: Rule = { ...restarts, for: '0s', keepFiringFor: '10m' };
    const quiet = vector('p', { 'container_restart_count.diff': 0 });
    tracker.evaluate('s', [rule], vector('p', { 'container_restart_count.diff': 1 }), 0, undefined, at(0));
    expect(tracker.evaluate('s', [rule], quiet, minute, undefined, at(minute))).toMatchObject([
      { kept: true },
    ]);
    // Without the gap check this would still be kept (3m < 10m).
    expect(tracker.evaluate('s', [rule], quiet, 3 * minute, undefined, at(3 * minute))).toEqual([]);

    const pod = { namespace: 'shop', pod: 'web-1', uid: 'u1' };
    expect(tracker.hold('s', pod, 'ml', true, 0, at(0))).toBe(0);
    expect(tracker.hold('s', pod, 'ml', true, minute, at(minute))).toBe(minute);
    expect(tracker.hold('s', pod, 'ml', true, 3 * minute, at(3 * minute))).toBe(0);
  });

  it('keys clocks by pod uid: a pod recreated under the same name starts afresh', () => {
    const tracker = new RuleTracker();
    const rule: Rule = { ...restarts, keepFiringFor: '10m' };
    const hot = vector('web-0', { 'container_restart_count.diff': 1 });
    const first = { ...hot, uid: 'uid-1' };
    const second = { ...hot, uid: 'uid-2' };
    tracker.evaluate('s', [rule], first, 0);
    expect(tracker.evaluate('s', [rule], first, 2 * minute)[0]?.firing).toBe(true);
    // The StatefulSet recreated web-0: same name, new uid; its predecessor's clock is not inherited.
    expect(tracker.evaluate('s', [rule], second, 3 * minute)[0]).toMatchObject({
      heldForMs: 0,
      firing: false,
    });
    const identity = (uid: string) => ({ namespace: 'shop', pod: 'web-0', uid });
    expect(tracker.hold('s', identity('uid-1'), 'ml', true, 0)).toBe(0);
    expect(tracker.hold('s', identity('uid-1'), 'ml', true, 2 * minute)).toBe(2 * minute);
    expect(tracker.hold('s', identity('uid-2'), 'ml', true, 3 * minute)).toBe(0);
    // Only the live uid is kept; the predecessor's clocks go, with its keepFiringFor hold.
    tracker.retainOnly('s', new Set([trackedPodKey(identity('uid-2'))]));
    const quiet = { ...vector('web-0', { 'container_restart_count.diff': 0 }), uid: 'uid-1' };
    expect(tracker.evaluate('s', [rule], quiet, 4 * minute)).toEqual([]);
    expect(tracker.evaluate('s', [rule], second, 5 * minute)[0]?.heldForMs).toBe(2 * minute);
  });

  it('clear() forgets every clock (a new leadership term starts from its own observations)', () => {
    const tracker = new RuleTracker();
    const hot = vector('web-1', { 'container_restart_count.diff': 1 });
    tracker.evaluate('s', [restarts], hot, 0);
    tracker.clear();
    expect(tracker.evaluate('s', [restarts], hot, 5 * minute)[0]).toMatchObject({
      heldForMs: 0,
      firing: false,
    });
  });
});
