import { describe, expect, it } from 'vitest';
import { resolveBehaviour } from '../../src/simulator/behaviour-spec.js';
import {
  deploymentStatus,
  newRsReplicas,
  oldRsScaleDowns,
  type RsView,
} from '../../src/simulator/deployment-rollout.js';
import { resolveFenceposts } from '../../src/simulator/int-or-percent.js';
import { computeHash, normalized } from '../../src/simulator/pod-template-hash.js';
import { parseQuantity, parseSeconds } from '../../src/simulator/quantity.js';
import { TimerHeap } from '../../src/simulator/timer-heap.js';
import { isTroubled, TroubleLedger, type WorkloadFacts } from '../../src/simulator/trouble-ledger.js';

const P = 'sandbox.coordination-engine.io/';
const rs = (name: string, replicas: number, available = replicas, createdMs = 0): RsView => ({
  name,
  replicas,
  current: replicas,
  ready: available,
  available,
  createdMs,
});

describe('behaviour annotations', () => {
  it('takes each setting from the most specific layer, and defaults the cure per behaviour', () => {
    const r = resolveBehaviour([
      { [`${P}crash-after`]: '3s' },
      { [`${P}behaviour`]: 'crashloop', [`${P}crash-after`]: '1m' },
    ]);
    expect(r.behaviour).toBe('crashloop');
    expect(r.cure).toBe('restart');
    expect(r.params.crashAfter).toBe(3);
    expect(resolveBehaviour([{ [`${P}behaviour`]: 'cpu-saturation' }]).cure).toBe('scale');
    expect(resolveBehaviour([{ [`${P}behaviour`]: 'bad-rollout' }]).cure).toBe('rollback');
    expect(resolveBehaviour([]).behaviour).toBe('healthy');
  });

  it('ignores values it cannot use and names them', () => {
    const r = resolveBehaviour([
      {
        [`${P}behaviour`]: 'explode',
        [`${P}leak-rate`]: 'lots',
        [`${P}recovers-after`]: 'prayer',
        [`${P}peak-hour`]: '25',
      },
    ]);
    expect(r.behaviour).toBe('healthy');
    expect(r.problems).toEqual([
      `${P}behaviour: "explode" is not one of healthy, crashloop, memory-leak, cpu-saturation, noisy, daily-peak, bad-rollout`,
      `${P}recovers-after: "prayer" is not one of restart, rollout-restart, rollback, scale, never`,
      `${P}leak-rate: "lots" is not bytes per second, at least 1Ki (e.g. 2Mi)`,
      `${P}peak-hour: "25" is not an hour 0-23 (UTC)`,
    ]);
    expect(resolveBehaviour([{ [`${P}leak-rate`]: '2Mi' }]).params.leakRate).toBe(2 * 1024 * 1024);
    // A daily peak is a smooth wave unless it has a width, which is under a day.
    expect(resolveBehaviour([{ [`${P}behaviour`]: 'daily-peak' }]).params.peakWidth).toBeUndefined();
    expect(resolveBehaviour([{ [`${P}peak-width`]: '90m' }]).params.peakWidth).toBe(5400);
    expect(resolveBehaviour([{ [`${P}peak-width`]: '24h' }]).problems).toEqual([
      `${P}peak-width: "24h" is not a duration of at least 1m and under 24h (e.g. 90m)`,
    ]);
  });

  it('parses quantities and durations like Kubernetes does', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('12x')).toBeUndefined();
    expect(parseSeconds('2m')).toBe(120);
    expect(parseSeconds('500ms')).toBe(0.5);
    expect(parseSeconds('soon')).toBeUndefined();
  });
});

describe('cures', () => {
  const facts = (templates: string[], replicas = 3): WorkloadFacts => ({
    replicas,
    templatesByCreation: templates,
  });
  const crash = (cure: string) =>
    resolveBehaviour([{ [`${P}behaviour`]: 'crashloop', [`${P}recovers-after`]: cure }]);

  it('restart: pods created after a troubled pod was deleted are healthy, older ones are not', () => {
    const ledger = new TroubleLedger();
    const b = crash('restart');
    const e = ledger.episode('Deployment/ns/web', b, facts(['a']), 1_000);
    expect(isTroubled(b, e, facts(['a']), { templateHash: 'a', createdMs: 500 })).toBe(true);
    ledger.restarted('Deployment/ns/web', b.cure, 2_000);
    expect(isTroubled(b, e, facts(['a']), { templateHash: 'a', createdMs: 1_500 })).toBe(true);
    expect(isTroubled(b, e, facts(['a']), { templateHash: 'a', createdMs: 2_500 })).toBe(false);
  });

  it('rollout-restart: only a template that appeared after the trouble began is healthy', () => {
    const ledger = new TroubleLedger();
    const b = crash('rollout-restart');
    const e = ledger.episode('w', b, facts(['a']), 1_000);
    expect(isTroubled(b, e, facts(['a', 'b']), { templateHash: 'a', createdMs: 5_000 })).toBe(true);
    expect(isTroubled(b, e, facts(['a', 'b']), { templateHash: 'b', createdMs: 5_000 })).toBe(false);
  });

  it('scale: cured for good once the workload has more replicas than when it began', () => {
    const ledger = new TroubleLedger();
    const b = resolveBehaviour([{ [`${P}behaviour`]: 'cpu-saturation' }]);
    const e = ledger.episode('w', b, facts(['a'], 2), 1_000);
    expect(isTroubled(b, e, facts(['a'], 2), { templateHash: 'a', createdMs: 0 })).toBe(true);
    ledger.episode('w', b, facts(['a'], 3), 2_000);
    expect(isTroubled(b, e, facts(['a'], 2), { templateHash: 'a', createdMs: 0 })).toBe(false);
  });

  it('bad-rollout: the revisions that existed when it was set work; a newer newest one crashes', () => {
    const ledger = new TroubleLedger();
    const b = resolveBehaviour([{ [`${P}behaviour`]: 'bad-rollout' }]);
    const e = ledger.episode('w', b, facts(['v1']), 1_000);
    expect(isTroubled(b, e, facts(['v1']), { templateHash: 'v1', createdMs: 0 })).toBe(false);
    expect(isTroubled(b, e, facts(['v1', 'v2']), { templateHash: 'v2', createdMs: 0 })).toBe(true);
    // rollout undo reuses v1's ReplicaSet: v2 stays the newest created, v1 pods are fine.
    expect(isTroubled(b, e, facts(['v1', 'v2']), { templateHash: 'v1', createdMs: 9_000 })).toBe(false);
  });

  it('a changed behaviour or cure starts a new episode', () => {
    const ledger = new TroubleLedger();
    const first = ledger.episode('w', crash('restart'), facts(['a']), 1_000);
    ledger.restarted('w', 'restart', 2_000);
    expect(ledger.episode('w', crash('restart'), facts(['a']), 3_000).curedAt).toBe(2_000);
    const next = ledger.episode('w', crash('never'), facts(['a']), 4_000);
    expect(next).not.toBe(first);
    expect(next.curedAt).toBeUndefined();
  });
});

describe('the Deployment controller arithmetic', () => {
  it('resolves maxSurge up and maxUnavailable down, never both zero', () => {
    expect(resolveFenceposts('25%', '25%', 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(0, 0, 3)).toEqual({ surge: 0, unavailable: 1 });
  });

  it('rolls 3 replicas with 25%/25%: one surge pod at a time, an old pod goes only when a new one is available', () => {
    const d = { replicas: 3, maxSurge: '25%', maxUnavailable: '25%', strategy: 'RollingUpdate' as const };
    const old = rs('old', 3);
    expect(newRsReplicas(d, [old, rs('new', 0, 0)], rs('new', 0, 0))).toBe(1);
    // New pod not yet available: nothing old may go (minAvailable 3).
    expect(oldRsScaleDowns(d, [old, rs('new', 1, 0)], [old], rs('new', 1, 0)).size).toBe(0);
    // Available now: one old pod goes.
    expect(oldRsScaleDowns(d, [old, rs('new', 1, 1)], [old], rs('new', 1, 1))).toEqual(new Map([['old', 2]]));
  });

  it('scales crashing old pods away first, and Recreate empties the old ReplicaSets', () => {
    const d = { replicas: 4, maxSurge: 1, maxUnavailable: 2, strategy: 'RollingUpdate' as const };
    const sick = rs('sick', 2, 0, 1);
    const fine = rs('fine', 2, 2, 2);
    // Budget: 4 pods - minAvailable 2 = 2 may go; both unhealthy ones, and no available one (2 left = minimum).
    const downs = oldRsScaleDowns(d, [sick, fine, rs('new', 0, 0)], [sick, fine], rs('new', 0, 0));
    expect(downs).toEqual(new Map([['sick', 0]]));
    const recreate = { ...d, strategy: 'Recreate' as const };
    expect(oldRsScaleDowns(recreate, [fine], [fine], undefined)).toEqual(new Map([['fine', 0]]));
  });

  it('reports ProgressDeadlineExceeded only after the deadline passes without progress', () => {
    const base = {
      replicas: 3,
      unavailableBudget: 0,
      generation: 2,
      newRs: rs('web-new', 1, 0),
      all: [rs('web-old', 3), rs('web-new', 1, 0)],
      progressDeadlineSeconds: 60,
      paused: false,
      newRsEvent: 'found' as const,
    };
    const previous = {
      updatedReplicas: 1,
      readyReplicas: 3,
      availableReplicas: 3,
      oldReplicas: 3,
      conditions: [],
    };
    const first = deploymentStatus({
      ...base,
      previous,
      nowIso: '2026-01-01T00:00:00Z',
      nowMs: Date.parse('2026-01-01T00:00:00Z'),
    });
    const progressing = first.conditions.find((c) => c.type === 'Progressing');
    expect(progressing?.reason).toBe('FoundNewReplicaSet');
    const later = (iso: string) =>
      deploymentStatus({
        ...base,
        newRsEvent: undefined,
        previous: { ...previous, conditions: first.conditions },
        nowIso: iso,
        nowMs: Date.parse(iso),
      });
    expect(later('2026-01-01T00:00:59Z').conditions.find((c) => c.type === 'Progressing')?.reason).toBe(
      'FoundNewReplicaSet',
    );
    expect(later('2026-01-01T00:01:01Z').conditions.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "web-new" has timed out progressing.',
    });
  });
});

describe('small parts', () => {
  it('names templates with a stable hash in the safe alphabet, ignoring key order and null/empty fields', () => {
    const a = computeHash({
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'a', image: 'x' }] },
    });
    const b = computeHash({
      spec: { containers: [{ image: 'x', name: 'a' }] },
      metadata: { labels: { app: 'web' } },
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(computeHash({ x: 1 }, 1)).not.toBe(computeHash({ x: 1 }, 0));
    expect(
      normalized({ metadata: { creationTimestamp: null, labels: {} }, spec: { resources: {} } }),
    ).toEqual({});
  });

  it('hands out due keys in time order and forgets moved or removed ones', () => {
    const heap = new TimerHeap();
    heap.set('a', 30);
    heap.set('b', 10);
    heap.set('c', 20);
    heap.set('a', 5);
    heap.set('c', undefined);
    expect(heap.peek()).toBe(5);
    expect(heap.popDue(15)).toEqual(['a', 'b']);
    expect(heap.popDue(100)).toEqual([]);
    expect(heap.size).toBe(0);
  });
});

describe('the system clock', () => {
  it('chains delays longer than setTimeout allows instead of firing at once (no 1 ms busy loop)', async () => {
    const { systemClock } = await import('../../src/time/clock.js');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    let fired = false;
    const cancel = systemClock.schedule(() => {
      fired = true;
    }, 3_000_000_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancel();
    process.off('warning', onWarning);
    expect(fired).toBe(false);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});
