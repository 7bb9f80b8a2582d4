import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STORM_CONFIG,
  nextStormState,
  type StormConfig,
  type StormState,
  stormMessage,
  stormTrigger,
} from '../../src/remediation/storm.js';

const MIN = 60_000;
const config = DEFAULT_STORM_CONFIG; // 50%, minTargets 4, cooldown 15m
const T0 = 1_800_000_000_000;

describe('stormTrigger and when a storm starts, per policy size (defaults: 50%, minTargets 4)', () => {
  // total, trigger: the docs/safety.md table shows the same numbers.
  it.each([
    [1, 4],
    [2, 4],
    [3, 4],
    [10, 5],
    [100, 50],
  ])('%i targets: trigger %i', (total, trigger) => {
    expect(stormTrigger(total, config)).toBe(trigger);
    if (trigger <= total) {
      expect(nextStormState(undefined, { anomalous: trigger - 1, total }, config, T0).active).toBe(false);
      expect(nextStormState(undefined, { anomalous: trigger, total }, config, T0)).toEqual({
        active: true,
        since: T0,
        anomalous: trigger,
        trigger,
      });
    }
  });

  it.each([1, 2, 3])('%i targets never storm at the defaults, even all anomalous', (total) => {
    expect(nextStormState(undefined, { anomalous: total, total }, config, T0)).toEqual({
      active: false,
      anomalous: total,
      trigger: 4,
    });
  });

  it('an integer threshold is a count, floored by minTargets', () => {
    expect(stormTrigger(100, { ...config, threshold: 7 })).toBe(7);
    expect(stormTrigger(100, { ...config, threshold: 2 })).toBe(4);
    expect(stormTrigger(100, { ...config, threshold: 2, minTargets: 2 })).toBe(2);
  });

  it('rejects minTargets below 2 and malformed thresholds', () => {
    expect(() => stormTrigger(10, { ...config, minTargets: 1 })).toThrow(/minTargets 1/);
    expect(() => stormTrigger(10, { ...config, threshold: '50' })).toThrow('"50"');
  });
});

describe('nextStormState: a storm ends only after the cooldown of calm', () => {
  const total = 10; // trigger 5
  const step = (prev: StormState | undefined, anomalous: number, atMs: number) =>
    nextStormState(prev, { anomalous, total }, config, atMs);

  it('stays active while calm is shorter than the cooldown, ends exactly at the cooldown', () => {
    const started = step(undefined, 6, T0);
    const calm = step(started, 2, T0 + 1 * MIN);
    expect(calm).toEqual({ active: true, since: T0, calmSince: T0 + MIN, anomalous: 2, trigger: 5 });
    const stillCalm = step(calm, 0, T0 + 1 * MIN + 15 * MIN - 1);
    expect(stillCalm).toMatchObject({ active: true, since: T0, calmSince: T0 + MIN });
    const ended = step(stillCalm, 0, T0 + 1 * MIN + 15 * MIN);
    expect(ended).toEqual({ active: false, anomalous: 0, trigger: 5 });
  });

  it('a flap back to the trigger during the cooldown resets the calm', () => {
    let s = step(undefined, 5, T0);
    s = step(s, 4, T0 + 1 * MIN); // calm from 1m
    s = step(s, 5, T0 + 10 * MIN); // flap: calm reset
    expect(s).toEqual({ active: true, since: T0, anomalous: 5, trigger: 5 });
    s = step(s, 4, T0 + 11 * MIN); // calm again from 11m
    s = step(s, 4, T0 + 16 * MIN); // 15m after the first calm: not over, calm restarted at 11m
    expect(s).toMatchObject({ active: true, calmSince: T0 + 11 * MIN });
    s = step(s, 4, T0 + 26 * MIN - 1);
    expect(s.active).toBe(true);
    s = step(s, 4, T0 + 26 * MIN);
    expect(s.active).toBe(false);
  });

  it('below the trigger without a storm stays quiet; a new storm gets a new start time', () => {
    let s = step(undefined, 4, T0);
    expect(s).toEqual({ active: false, anomalous: 4, trigger: 5 });
    s = step(s, 5, T0 + MIN);
    s = step(s, 0, T0 + 2 * MIN);
    s = step(s, 0, T0 + 17 * MIN);
    expect(s.active).toBe(false);
    s = step(s, 9, T0 + 20 * MIN);
    expect(s).toEqual({ active: true, since: T0 + 20 * MIN, anomalous: 9, trigger: 5 });
  });

  it('the trigger follows the current total (targets scaled down mid-storm)', () => {
    const s = step(undefined, 50, T0);
    const shrunk = nextStormState(s, { anomalous: 5, total: 10 }, config, T0 + MIN);
    expect(shrunk).toEqual({ active: true, since: T0, anomalous: 5, trigger: 5 });
  });

  it('a zero cooldown ends the storm at the first calm evaluation', () => {
    const zero: StormConfig = { ...config, cooldownMs: 0 };
    const s = nextStormState(undefined, { anomalous: 5, total }, zero, T0);
    expect(nextStormState(s, { anomalous: 4, total }, zero, T0 + 1).active).toBe(false);
  });
});

describe('stormMessage', () => {
  it('reports counts, duration and the calm so far', () => {
    const state: StormState = { active: true, since: T0, calmSince: T0 + 2 * MIN, anomalous: 3, trigger: 5 };
    expect(stormMessage(state, config, T0 + 5 * MIN + 12_345)).toBe(
      'storm active for 5m12s: 3 targets anomalous, storm trigger 5 (threshold 50%, minTargets 4); ' +
        'below the trigger for 3m12s of the 15m cooldown',
    );
    expect(stormMessage({ active: true, since: T0, anomalous: 7, trigger: 5 }, config, T0 + MIN)).toBe(
      'storm active for 1m: 7 targets anomalous, storm trigger 5 (threshold 50%, minTargets 4); ' +
        'ends after 15m below the trigger',
    );
  });
});
