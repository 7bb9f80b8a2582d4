import { describe, expect, it } from 'vitest';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { Rule } from '../../src/policy/spec-schema.js';
import { vector } from './vectors.js';

const restarts: Rule = {
  name: 'restarting',
  feature: 'container_restart_count.diff',
  operator: '>',
  value: 0,
  for: '2m',
};
const minute = 60_000;

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

  it('supports every operator', () => {
    const tracker = new RuleTracker();
    const v = vector('p', { 'pod_cpu_usage.value': 0.5 });
    const rule = (operator: Rule['operator'], value: number): Rule => ({
      name: `${operator}${value}`,
      feature: 'pod_cpu_usage.value',
      operator,
      value,
      for: '0s',
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
});
