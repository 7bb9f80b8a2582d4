import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/metrics/exposition-parser.js';
import { EngineMetrics, METRIC_PREFIX } from '../../src/server/engine-metrics.js';
import { waitFor } from '../support/wait-for.js';

// A full collection on demand, in this test's worker only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NAME = `${METRIC_PREFIX}nodejs_gc_duration_seconds`;
async function majorCount(metrics: EngineMetrics): Promise<number> {
  const samples = parseExposition(await metrics.registry.metrics());
  return samples.find((s) => s.name === `${NAME}_count` && s.labels.kind === 'major')?.value ?? 0;
}

describe('the garbage-collection pauses', () => {
  it('counts every pause of one synchronous stretch, where prom-client counted the first of each batch', async () => {
    const metrics = new EngineMetrics();
    try {
      const before = await majorCount(metrics);
      // Six full collections without the event loop turning in between: Node reports them in one batch (a probe
      // observer pins that down: it is what prom-client's collector gets wrong).
      let largestBatch = 0;
      const probe = new PerformanceObserver((list) => {
        largestBatch = Math.max(largestBatch, list.getEntries().length);
      });
      probe.observe({ entryTypes: ['gc'] });
      for (let i = 0; i < 6; i++) gc();
      await waitFor('six major pauses counted', async () => (await majorCount(metrics)) - before >= 6, {
        timeoutMs: 5000,
      });
      probe.disconnect();
      expect(largestBatch).toBeGreaterThanOrEqual(6);
      const samples = parseExposition(await metrics.registry.metrics());
      // One histogram of that name (prom-client's is replaced, not added to), with prom-client's buckets.
      const les = samples
        .filter((s) => s.name === `${NAME}_bucket` && s.labels.kind === 'major')
        .map((s) => s.labels.le);
      expect(les).toEqual(['0.001', '0.01', '0.1', '1', '2', '5', '+Inf']);
      expect(samples.filter((s) => s.name === `${NAME}_count` && s.labels.kind === 'major')).toHaveLength(1);
    } finally {
      metrics.close();
    }
    // Closed: the observer is gone and records nothing more. A probe observer sees the next pause delivered (to
    // every observer at once): by then a live one would have counted it.
    const after = await majorCount(metrics);
    let seen = 0;
    const probe = new PerformanceObserver((list) => {
      seen += list.getEntries().length;
    });
    probe.observe({ entryTypes: ['gc'] });
    try {
      gc();
      await waitFor('the probe to see the pause', () => seen > 0, { timeoutMs: 5000 });
    } finally {
      probe.disconnect();
    }
    expect(await majorCount(metrics)).toBe(after);
  });
});
