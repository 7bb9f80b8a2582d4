import { describe, expect, it } from 'vitest';
import { checkBlastRadius, restartBudget } from '../../src/remediation/blast-radius.js';
import type { IntOrPercent } from '../../src/remediation/int-or-percent.js';

const keys = (prefix: string, n: number) => new Set(Array.from({ length: n }, (_, i) => `${prefix}${i}`));

/**
 * `affected` targets: the candidate plus affected-1 other unhealthy ones. The docs/safety.md table shows the same
 * allowed numbers.
 */
function check(maxUnhealthy: IntOrPercent, total: number, affected: number) {
  const others = keys('other-', affected - 1);
  return checkBlastRadius({
    maxUnhealthy,
    total,
    notHealthy: others,
    underRemediation: new Set(),
    candidate: 'candidate',
  });
}

describe('checkBlastRadius: allowed per policy size', () => {
  const table: [IntOrPercent, number, number][] = [
    // default 50%
    ['50%', 1, 1],
    ['50%', 2, 1],
    ['50%', 3, 2],
    ['50%', 10, 5],
    ['50%', 100, 50],
    // integer 1
    [1, 1, 1],
    [1, 2, 1],
    [1, 3, 1],
    [1, 10, 1],
    [1, 100, 1],
    // 25%
    ['25%', 1, 1],
    ['25%', 2, 1],
    ['25%', 3, 1],
    ['25%', 10, 3],
    ['25%', 100, 25],
  ];

  it.each(table)('maxUnhealthy %s, %i targets: %i may be affected', (maxUnhealthy, total, allowed) => {
    const atLimit = check(maxUnhealthy, total, allowed);
    expect(atLimit).toEqual({ ok: true, affected: allowed, allowed });
    if (allowed + 1 <= total) {
      const over = check(maxUnhealthy, total, allowed + 1);
      expect(over).toMatchObject({ ok: false, reason: 'BlastRadius', affected: allowed + 1, allowed });
    }
  });

  it('a one-target policy at the default can act on its only target', () => {
    expect(check('50%', 1, 1).ok).toBe(true);
  });

  it('maxUnhealthy 0 never lets anything act', () => {
    expect(check(0, 10, 1)).toMatchObject({ ok: false, allowed: 0, affected: 1 });
  });

  it('the message carries the real numbers', () => {
    const result = check('20%', 10, 3);
    expect(result).toMatchObject({
      ok: false,
      message: '3 of 10 targets unhealthy or under remediation, at most 2 allowed (maxUnhealthy 20%)',
    });
  });
});

describe('checkBlastRadius: what counts as affected', () => {
  const base = { maxUnhealthy: 3, total: 10, candidate: 'c' };

  it('counts the candidate even when it is in neither set', () => {
    const r = checkBlastRadius({ ...base, notHealthy: new Set(['a', 'b']), underRemediation: new Set() });
    expect(r.affected).toBe(3);
  });

  it('counts targets under remediation that are healthy again (verifying)', () => {
    const r = checkBlastRadius({
      ...base,
      notHealthy: new Set(['a']),
      underRemediation: new Set(['b', 'd']),
    });
    expect(r).toMatchObject({ ok: false, affected: 4 });
  });

  it('counts a target once when it is unhealthy, under remediation and the candidate', () => {
    const r = checkBlastRadius({
      ...base,
      notHealthy: new Set(['c', 'a']),
      underRemediation: new Set(['c', 'a']),
    });
    expect(r).toEqual({ ok: true, affected: 2, allowed: 3 });
  });
});

describe('restartBudget: pods of one workload RestartPod may evict now', () => {
  it.each([
    // maxUnavailable, replicas, not ready or terminating, budget
    [undefined, 3, 0, 1],
    [undefined, 3, 1, 0],
    [1, 1, 0, 1],
    [0, 5, 0, 0],
    ['0%', 5, 0, 0],
    [2, 5, 1, 1],
    ['25%', 10, 0, 3],
    ['25%', 10, 1, 2],
    ['25%', 10, 5, 0],
    ['50%', 1, 0, 1],
    ['50%', 3, 0, 2],
    // Capped at the replica count.
    [5, 2, 0, 2],
    [undefined, 0, 0, 0],
  ] as const)('maxUnavailable %s of %i replicas with %i down → %i', (max, replicas, down, budget) => {
    expect(restartBudget(max, replicas, down)).toBe(budget);
  });

  it('rejects malformed values', () => {
    expect(() => restartBudget('1', 3, 0)).toThrow('"1"');
    expect(() => restartBudget(1, 3, -1)).toThrow(/-1/);
  });
});
