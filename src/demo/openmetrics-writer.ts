import { closeSync, openSync, writeSync } from 'node:fs';
import type { SampleSeries } from './cluster-metrics.js';

const COUNTER_SUFFIX = '_total';

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Writes series as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`. Families must be
 * contiguous, so series are grouped by metric name; `*_total` families are declared as counters (the family
 * name drops the suffix, as OpenMetrics requires), everything else as gauges.
 */
export function writeOpenMetrics(path: string, series: readonly SampleSeries[]): { samples: number } {
  const byName = new Map<string, SampleSeries[]>();
  for (const s of series) {
    const list = byName.get(s.name);
    if (list) list.push(s);
    else byName.set(s.name, [s]);
  }
  const fd = openSync(path, 'w');
  let buffer = '';
  let samples = 0;
  const flush = (force: boolean) => {
    if (force || buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  };
  try {
    for (const [name, list] of byName) {
      const counter = name.endsWith(COUNTER_SUFFIX);
      const family = counter ? name.slice(0, -COUNTER_SUFFIX.length) : name;
      buffer += `# TYPE ${family} ${counter ? 'counter' : 'gauge'}\n`;
      for (const s of list) {
        const labels = Object.entries(s.labels)
          .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
          .join(',');
        const prefix = `${name}{${labels}} `;
        for (let i = 0; i < s.times.length; i++) {
          buffer += `${prefix}${s.values[i]} ${(s.times[i] ?? 0) / 1000}\n`;
          samples++;
        }
        flush(false);
      }
    }
    buffer += '# EOF\n';
    flush(true);
  } finally {
    closeSync(fd);
  }
  return { samples };
}
