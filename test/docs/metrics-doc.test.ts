import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineMetricFamilies, engineMetricsSnapshot } from '../../src/docs/engine-metric-families.js';
import { generatedSection, metricsTables } from '../../src/docs/reference-tables.js';

/**
 * docs/metrics.md lists exactly what a running engine's /metrics exposes: every family of its registry, with its
 * type, labels and help, with and without the ML service. The engine is the real one, started in-process against
 * a sandbox; `npm run docs:generate` rewrites the list.
 */
const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
const UNREACHABLE = 'http://127.0.0.1:9';

describe('docs/metrics.md', () => {
  it('/metrics exposes exactly the families of the registry the list is made from', async () => {
    const snapshot = await engineMetricsSnapshot({ prometheusUrl: UNREACHABLE, mlServiceUrl: UNREACHABLE });
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(snapshot.exposed.length).toBeGreaterThan(20);
    expect([...snapshot.exposed].sort(byName)).toEqual(
      snapshot.registry.map((f) => ({ name: f.name, type: f.type })).sort(byName),
    );
  });

  it('lists every metric family of a running engine, with its type, labels and meaning, and nothing else', async () => {
    const families = await engineMetricFamilies();
    const section = generatedSection(doc, 'metrics');
    expect(section, 'the generated metrics section is missing').toBeDefined();
    const listed = [...(section ?? '').matchAll(/^\| `(coordination_engine_[a-z0-9_]+)` \|/gm)].map(
      (m) => m[1],
    );
    expect([...listed].sort()).toEqual(families.map((f) => f.name).sort());
    expect(section).toBe(metricsTables(families));
    // The ones the README and the chart's alerts name are among them.
    for (const name of [
      'reconcile_total',
      'remediations_total',
      'ml_circuit_breaker_state',
      'escalations_total',
    ])
      expect(listed).toContain(`coordination_engine_${name}`);
  }, 60_000);
});
