import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/metrics/exposition-parser.js';
import { EngineMetrics, METRIC_PREFIX } from '../../src/server/engine-metrics.js';
import { EventLoopLagMonitor } from '../../src/server/event-loop-lag.js';
import { waitFor } from '../support/wait-for.js';

/** Holds the event loop, as a long synchronous step of a cycle would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

const started: Array<{ stop(): void }> = [];
function monitor(options: ConstructorParameters<typeof EventLoopLagMonitor>[0]): EventLoopLagMonitor {
  const m = new EventLoopLagMonitor(options);
  m.start();
  started.push(m);
  return m;
}
afterEach(() => {
  for (const m of started.splice(0)) m.stop();
});

describe('EventLoopLagMonitor', () => {
  it('idle and unattended, samples once per coarse period, not every fine one', async () => {
    const m = monitor({ coarseMs: 100 });
    const t0 = performance.now();
    await waitFor('five samples', () => m.pending >= 5, { intervalMs: 25 });
    // At the fine period (10 ms) five samples would take 50 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(490);
    expect(m.attentive).toBe(false);
  });

  it('bounds a block nobody announced from above, and watches closely after it', async () => {
    const m = monitor({ coarseMs: 200, lingerMs: 300 });
    await waitFor('a first sample', () => m.pending >= 1);
    m.snapshot();
    block(80);
    await waitFor('the window with the block to close', () => m.pending >= 1);
    const lag = m.snapshot();
    // The window's busy time bounds the block (a fine sample, had an earlier busy window started one, reads at
    // least 70 of it); the percentiles stay the timer's own delay, which the block did not touch.
    expect(lag.max).toBeGreaterThanOrEqual(0.07);
    expect(lag.p50).toBeLessThan(0.05);
    // A busy window starts fine sampling, which ends lingerMs later when nothing else happens.
    expect(m.attentive).toBe(true);
    await waitFor('fine sampling to end', () => !m.attentive, { timeoutMs: 3000 });
  });

  it('while attended, samples every fine period and measures a block as it was', async () => {
    const m = monitor({ coarseMs: 60_000, lingerMs: 0 });
    // attend() switches at once: with a one-minute coarse period nothing would be sampled otherwise.
    const release = m.attend();
    expect(m.attentive).toBe(true);
    await waitFor('fine samples', () => m.pending >= 5);
    m.snapshot();
    block(60);
    await waitFor('two samples after the block', () => m.pending >= 2);
    const lag = m.snapshot();
    expect(lag.max).toBeGreaterThanOrEqual(0.05);
    expect(lag.max).toBeLessThan(0.2);
    release();
    release(); // a second release does nothing: the count of attendants must not go below zero
    await waitFor('coarse sampling again', () => !m.attentive);
    const second = m.attend();
    expect(m.attentive).toBe(true);
    second();
  });

  it('counts work just before attend() and just after it as one stretch', async () => {
    const m = monitor({ coarseMs: 60_000, lingerMs: 0, busyMs: 10_000 });
    block(100);
    const release = m.attend();
    block(100);
    await waitFor('the first fine sample', () => m.pending >= 1);
    release();
    // A callback due just before attend() waited for both blocks.
    expect(m.snapshot().max).toBeGreaterThanOrEqual(0.2);
  });

  it('reports NaN figures for a period without samples, and starts a new period at each snapshot', async () => {
    const m = monitor({ coarseMs: 60_000 });
    const empty = m.snapshot();
    expect(empty.count).toBe(0);
    expect(empty.max).toBeNaN();
    const release = m.attend();
    await waitFor('a sample', () => m.pending >= 1);
    release();
    expect(m.snapshot().count).toBeGreaterThanOrEqual(1);
    expect(m.pending).toBe(0);
  });

  it('rejects periods that make no sense', () => {
    expect(() => new EventLoopLagMonitor({ fineMs: 0 })).toThrow(RangeError);
    expect(() => new EventLoopLagMonitor({ fineMs: 100, coarseMs: 10 })).toThrow(RangeError);
  });
});

/** Voluntary context switches of this thread: each time its event loop went to sleep and was woken. */
function wakeups(): number {
  const line = readFileSync('/proc/thread-self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('voluntary_ctxt_switches:'));
  return Number(line?.split(/\s+/)[1]);
}

describe("the engine's lag figures", () => {
  it("come from the monitor, and prom-client's 10 ms monitor does not wake an idle engine", async () => {
    const metrics = new EngineMetrics();
    try {
      const before = wakeups();
      // The measurement window itself: one second of an idle loop.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // prom-client's monitor at its default precision would wake the loop about 100 times.
      expect(wakeups() - before).toBeLessThan(40);

      const names = parseExposition(await metrics.registry.metrics()).map((s) => s.name);
      for (const figure of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'])
        expect(
          names.filter((n) => n === `${METRIC_PREFIX}nodejs_eventloop_lag_${figure}_seconds`),
        ).toHaveLength(1);

      metrics.eventLoopLag.snapshot();
      block(70);
      await waitFor('the window with the block to close', () => metrics.eventLoopLag.pending >= 1, {
        timeoutMs: 3000,
      });
      const scraped = parseExposition(await metrics.registry.metrics());
      const max = scraped.find((s) => s.name === `${METRIC_PREFIX}nodejs_eventloop_lag_max_seconds`);
      expect(max?.value).toBeGreaterThanOrEqual(0.06);
      // Each scrape starts a new period, as prom-client's did; one with no sample yet says NaN, and still parses.
      expect(metrics.eventLoopLag.pending).toBe(0);
      const empty = parseExposition(await metrics.registry.metrics());
      const min = empty.find((s) => s.name === `${METRIC_PREFIX}nodejs_eventloop_lag_min_seconds`);
      expect(min?.value).toBeNaN();
    } finally {
      metrics.close();
    }
  });
});
