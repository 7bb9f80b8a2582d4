import { describe, expect, it } from 'vitest';
import { boundedHealthSource } from '../src/server/bounded-health-source.js';
import { type HealthReport, type HealthSource, summarize } from '../src/server/health.js';

/** A dependency whose check hangs until released; counts how many checks were started. */
function hangingSource(name: string) {
  let release: (report: HealthReport) => void = () => {};
  const source = {
    started: 0,
    name,
    critical: false,
    check: () => {
      source.started++;
      return new Promise<HealthReport>((resolve) => {
        release = resolve;
      });
    },
    release: (report: HealthReport) => release(report),
  };
  return source;
}

describe('boundedHealthSource', () => {
  it('answers by its timeout while the dependency hangs, and shares the hanging check instead of piling up', async () => {
    const ml = hangingSource('mlService');
    const bounded = boundedHealthSource(ml, 50, 'degraded');
    const started = performance.now();
    const [first, second] = await Promise.all([bounded.check(), bounded.check()]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(first).toEqual({ status: 'degraded', message: 'no answer within 50ms (still waiting)' });
    expect(second).toEqual(first);
    expect((await bounded.check()).status).toBe('degraded');
    expect(ml.started).toBe(1);
    // Once it answers, the answer is what counts, and the next check is a new one.
    ml.release({ status: 'ok', message: 'ready' });
    await expect(bounded.check()).resolves.toEqual({ status: 'ok', message: 'ready' });
    void bounded.check();
    expect(ml.started).toBe(2);
  });

  it('a check that throws is down, with the reason', async () => {
    const broken: HealthSource = {
      name: 'prometheus',
      critical: false,
      check: () => {
        throw new Error('boom');
      },
    };
    await expect(boundedHealthSource(broken, 1_000, 'down').check()).resolves.toEqual({
      status: 'down',
      message: 'health check failed: boom',
    });
  });

  it('summarize checks dependencies concurrently: two hanging ones cost one timeout, not two', async () => {
    const timeoutMs = 300;
    const sources = [
      boundedHealthSource(hangingSource('prometheus'), timeoutMs, 'down'),
      boundedHealthSource(hangingSource('mlService'), timeoutMs, 'degraded'),
    ];
    const started = performance.now();
    const summary = await summarize(sources);
    expect(performance.now() - started).toBeLessThan(2 * timeoutMs);
    expect(summary.dependencies.prometheus?.status).toBe('down');
    expect(summary.dependencies.mlService?.status).toBe('degraded');
  });
});
