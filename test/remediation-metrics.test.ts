import { describe, expect, it } from 'vitest';
import { EngineMetrics } from '../src/server/engine-metrics.js';

/** The value of one sample line in the text exposition, or undefined when the series is absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('remediation metrics on the engine registry', () => {
  it('exposes every remediation metric with bounded labels', async () => {
    const metrics = new EngineMetrics();
    const remediation = metrics.remediation();
    remediation.acted('RestartPod', 'succeeded');
    remediation.acted('RestartPod', 'succeeded');
    remediation.acted('Rollback', 'dry_run');
    remediation.acted('rm -rf /', 'recommended');
    remediation.skipped('Cooldown');
    remediation.skipped('the ML model said "maybe" at 03:12');
    remediation.skipped('BlastRadius');
    remediation.timeToRemediate(45);
    remediation.timeToRemediate(4_000);
    remediation.timeToRemediate(Number.NaN);
    remediation.timeToRemediate(-1);
    remediation.escalated();
    remediation.eventsDropped();
    remediation.eventsDropped();
    const text = await metrics.registry.metrics();
    const acted = (action: string, result: string) =>
      sample(text, `coordination_engine_remediations_total{action="${action}",result="${result}"}`);
    const skipped = (reason: string) =>
      sample(text, `coordination_engine_remediation_skips_total{reason="${reason}"}`);

    for (const [name, type] of [
      ['coordination_engine_remediations_total', 'counter'],
      ['coordination_engine_remediation_skips_total', 'counter'],
      ['coordination_engine_time_to_remediate_seconds', 'histogram'],
      ['coordination_engine_escalations_total', 'counter'],
      ['coordination_engine_events_dropped_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(acted('RestartPod', 'succeeded')).toBe(2);
    expect(acted('Rollback', 'dry_run')).toBe(1);
    expect(acted('other', 'recommended')).toBe(1);
    // Known series exist at 0 before anything happens, so rate() works from the first action.
    expect(acted('Scale', 'failed')).toBe(0);
    expect(skipped('Cooldown')).toBe(1);
    expect(skipped('BlastRadius')).toBe(1);
    expect(skipped('StormActive')).toBe(0);
    expect(skipped('other')).toBe(1);
    expect(text).not.toContain('rm -rf');
    expect(text).not.toContain('maybe');
    expect(sample(text, 'coordination_engine_time_to_remediate_seconds_count')).toBe(2);
    expect(sample(text, 'coordination_engine_time_to_remediate_seconds_bucket{le="30"}')).toBe(0);
    expect(sample(text, 'coordination_engine_time_to_remediate_seconds_bucket{le="60"}')).toBe(1);
    expect(sample(text, 'coordination_engine_time_to_remediate_seconds_bucket{le="3600"}')).toBe(1);
    expect(sample(text, 'coordination_engine_time_to_remediate_seconds_bucket{le="7200"}')).toBe(2);
    expect(sample(text, 'coordination_engine_escalations_total')).toBe(1);
    expect(sample(text, 'coordination_engine_events_dropped_total')).toBe(2);
  });

  it('two engines in one process keep separate registries', async () => {
    const a = new EngineMetrics();
    const b = new EngineMetrics();
    a.remediation().escalated();
    expect(sample(await b.registry.metrics(), 'coordination_engine_escalations_total')).toBe(0);
  });
});
