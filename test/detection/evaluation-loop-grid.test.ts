import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EvaluationLoop } from '../../src/controller/evaluation-loop.js';
import type { PolicyAssessment } from '../../src/detection/assessment.js';
import { AssessmentStore } from '../../src/detection/assessment-store.js';
import type { PolicyTargets } from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { type Clock, sleep } from '../../src/time/clock.js';
import { FakeClock } from '../support/fake-clock.js';
import { testPolicy } from '../support/policy-fixtures.js';

const T0 = 1_800_000_005_000;

function policyObject(name: string, interval: string): KubeObject {
  const built = testPolicy(name).inNamespace('shop').withSpecField('evaluationInterval', interval).build();
  const object = built as KubeObject;
  return { ...object, metadata: { ...object.metadata, name, namespace: 'shop', generation: 1 } };
}

/**
 * The loop started on a fake clock whose cycles take `durationMs(cycle index)` of that clock, as a real cycle's
 * queries and ML call do; `runs` records when each cycle started (ms after T0) and which policies it assessed.
 */
function startedLoop(
  policies: KubeObject[],
  durationMs: (cycle: number) => number,
  timerLateMs = 0,
  tickMs = 1_000,
  fails: (cycle: number) => boolean = () => false,
) {
  const clock = new FakeClock(T0);
  // The loop's own timers fire timerLateMs late, as setTimeout does on a busy event loop.
  const lateClock: Clock = {
    now: () => clock.now(),
    schedule: (fn, ms) => clock.schedule(fn, ms + timerLateMs),
  };
  const runs: { at: number; keys: string[] }[] = [];
  // Every pass lists the policies once, whether or not one is due.
  const passes = { count: 0 };
  const loop = new EvaluationLoop({
    ready: () => true,
    policies: () => {
      passes.count++;
      return policies;
    },
    targetsFor: () => [],
    detection: {
      run: async (due: readonly PolicyTargets[], nowMs: number) => {
        runs.push({ at: nowMs - T0, keys: due.map((p) => p.key) });
        await sleep(clock, durationMs(runs.length - 1));
        if (fails(runs.length - 1)) throw new Error('Prometheus and everything else down');
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
    clock: lateClock,
    tickMs,
    onEvaluated: () => {},
    logger: pino({ level: 'silent' }),
  });
  loop.start();
  /** Moves the clock (end between cycles: stop() waits for one in flight, and only advance() moves this clock) in
   * 100 ms steps, letting each cycle's promises settle between steps. */
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += 100) {
      clock.advance(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { loop, runs, passes, advance };
}

describe('EvaluationLoop grid', () => {
  it('starts cycles exactly one interval apart, however long each cycle takes', async () => {
    // 0.7 s cycles: scheduling after each cycle's end (less a 1 s slack) started them every 29.2 s or so.
    const { loop, runs, advance } = startedLoop([policyObject('p', '30s')], () => 700);
    await advance(10 * 30_000 + 5_000);
    await loop.stop();
    expect(runs.map((r) => r.at)).toEqual(Array.from({ length: 11 }, (_, k) => k * 30_000));
  });

  it('gives each cycle its slot as its time, though timers fire late: `for` is measured in whole intervals', async () => {
    const { loop, runs, advance } = startedLoop([policyObject('p', '30s')], () => 700, 40);
    await advance(3 * 30_000 + 5_000);
    await loop.stop();
    // The first pass (40 ms late) anchors the grid; every later timer is 40 ms late too, but no cycle's time is.
    expect(runs.map((r) => r.at)).toEqual([40, 30_040, 60_040, 90_040]);
  });

  it('lets a new policy join the grid half an interval on at the earliest, then share cycles', async () => {
    const policies = [policyObject('a', '30s')];
    const { loop, runs, advance } = startedLoop(policies, () => 200);
    await advance(29_000);
    policies.push(policyObject('b', '30s'));
    await advance(66_000);
    await loop.stop();
    // b is assessed within a tick (1 s) of appearing; its next slot is a's, one query set for both from then on.
    expect(runs.map((r) => r.keys)).toEqual([
      ['shop/a'],
      ['shop/b'],
      ['shop/a'],
      ['shop/a', 'shop/b'],
      ['shop/a', 'shop/b'],
    ]);
    const [, b, ...grid] = runs.map((r) => r.at);
    expect(b).toBeGreaterThanOrEqual(29_000);
    expect(b).toBeLessThan(30_000);
    expect(grid).toEqual([30_000, 60_000, 90_000]);
  });

  it('assesses a new policy when woken, not at the next beat, and still keeps the grid with no beat at all', async () => {
    const policies = [policyObject('a', '30s')];
    const { loop, runs, advance } = startedLoop(policies, () => 200, 0, 3_600_000);
    await advance(10_000);
    policies.push(policyObject('b', '30s'));
    loop.wake();
    await advance(65_000);
    await loop.stop();
    expect(runs).toEqual([
      { at: 0, keys: ['shop/a'] },
      { at: 10_000, keys: ['shop/b'] },
      // b joins the grid at a's next slot (at least half an interval after its first assessment).
      { at: 30_000, keys: ['shop/a', 'shop/b'] },
      { at: 60_000, keys: ['shop/a', 'shop/b'] },
    ]);
  });

  it('retries a failed pass a beat later, not at once and again at once', async () => {
    const { loop, runs, passes, advance } = startedLoop(
      [policyObject('p', '30s')],
      () => 200,
      0,
      5_000,
      (i) => i >= 1 && i <= 3,
    );
    await advance(58_000);
    await loop.stop();
    // The slot at 30 s fails three times (each pass takes 200 ms), each retried a beat (5 s) later, and the fourth
    // try succeeds. Retrying at once made a pass every 200 ms while the failure lasted (its slot stayed due).
    expect(runs.map((r) => r.at)).toEqual([0, 30_000, 35_200, 40_400, 45_600]);
    expect(passes.count).toBeLessThan(15);
  });

  it('stops waking for a policy being deleted, and assesses one recreated under the same name afresh', async () => {
    const policies = [policyObject('p', '30s')];
    const { loop, runs, passes, advance } = startedLoop(policies, () => 200, 0, 3_600_000);
    await advance(10_000);
    // Recreated (events missed): same name and generation, another uid.
    const original = policies[0] as KubeObject;
    policies[0] = { ...original, metadata: { ...original.metadata, uid: 'recreated' } };
    loop.wake();
    await advance(10_000);
    // Being deleted (another controller's finalizer holds it) past its next slot.
    policies[0] = {
      ...(policies[0] as KubeObject),
      metadata: { ...(policies[0] as KubeObject).metadata, deletionTimestamp: '2027-01-15T08:00:20Z' },
    };
    loop.wake();
    const before = passes.count;
    await advance(120_000);
    await loop.stop();
    expect(runs.map((r) => [r.at, r.keys])).toEqual([
      [0, ['shop/p']],
      [10_000, ['shop/p']],
    ]);
    // One pass for the wake; a slot left behind for the deleted policy made a pass every few ms.
    expect(passes.count - before).toBeLessThanOrEqual(2);
  });

  it('runs one pass for a burst of wakes, and one more for a wake during a pass', async () => {
    const policies = [policyObject('a', '30s')];
    const { loop, runs, passes, advance } = startedLoop(policies, () => 1_000, 0, 3_600_000);
    await advance(5_000);
    expect(passes.count).toBe(1);
    // A relist delivering many policy events at once: one pass, which assesses the new policy.
    policies.push(policyObject('b', '30s'));
    for (let i = 0; i < 100; i++) loop.wake();
    await advance(300);
    expect(passes.count).toBe(2);
    // During that pass (it takes 1 s) another policy arrives: the pass after it picks it up at once.
    policies.push(policyObject('c', '30s'));
    loop.wake();
    loop.wake();
    await advance(5_000);
    await loop.stop();
    expect(passes.count).toBe(3);
    expect(runs.map((r) => [r.at, r.keys])).toEqual([
      [0, ['shop/a']],
      [5_000, ['shop/b']],
      [expect.closeTo(6_000, -3), ['shop/c']],
    ]);
  });

  it.each([1_000, 3_600_000])(
    'after a cycle that overran its interval, runs once at once and returns to the grid (beat %i ms)',
    async (beatMs) => {
      const { loop, runs, advance } = startedLoop(
        [policyObject('p', '30s')],
        (i) => (i === 0 ? 45_000 : 500),
        0,
        beatMs,
      );
      await advance(125_000);
      await loop.stop();
      // The slot at 30 s was missed: one late cycle when the long one ended (45.0-45.1 s), none in a burst. Its time
      // is when it started, not the missed slot's, however long the loop's beat.
      expect(runs.map((r) => r.at)).toEqual([0, expect.closeTo(45_000, -3), 60_000, 90_000, 120_000]);
    },
  );
});
