import type { JsonValue } from '../json/json-value.js';
import { FEATURE_NAMES, FEATURE_SCHEMA, SIGNALS, STATISTICS } from '../metrics/feature-catalogue.js';
import type { FeatureCycle, FeatureValue, PodFeatureVector } from '../metrics/feature-vector.js';

/**
 * Machine output: schema version and the 45 names once, then per pod its values in that order with `null` for a
 * missing feature and the reason in `missing` (name -> reason). Missing is never rendered as a number.
 */
export function cycleToJson(cycle: FeatureCycle): JsonValue {
  const head = {
    schemaVersion: FEATURE_SCHEMA.schemaVersion,
    featureNames: [...FEATURE_NAMES],
    evaluatedAt: new Date(cycle.evaluatedAtMs).toISOString(),
    evaluatedAtUnix: cycle.evaluatedAtMs / 1000,
    status: cycle.status,
    queries: cycle.queries,
  };
  if (cycle.status === 'unavailable')
    return { ...head, reason: cycle.reason, message: cycle.message, pods: [] };
  return {
    ...head,
    warnings: [...cycle.warnings],
    pods: cycle.vectors.map((v) => ({
      namespace: v.namespace,
      pod: v.pod,
      node: v.node ?? null,
      state: v.state,
      values: v.features.toNullable(),
      missing: Object.fromEntries(
        v.features.flatMap((f, i): [string, string][] =>
          f.ok ? [] : [[FEATURE_NAMES[i] ?? String(i), f.missing]],
        ),
      ),
    })),
  };
}

function cell(f: FeatureValue | undefined): string {
  if (!f) return '?';
  if (!f.ok) return '-';
  return Number.isInteger(f.value) ? String(f.value) : f.value.toPrecision(6);
}

function renderVector(v: PodFeatureVector): string[] {
  const header = ['signal \\ statistic', ...STATISTICS];
  const rows = SIGNALS.map((signal, s) => [
    signal,
    ...STATISTICS.map((_, k) => cell(v.features.at(s * STATISTICS.length + k))),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((x, c) => (c === 0 ? x.padEnd(widths[c] ?? 0) : x.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const title = `${v.namespace}/${v.pod}  node=${v.node ?? 'unknown'}  state=${v.state}${
    v.missing.length ? `  (${v.missing.length} of ${FEATURE_NAMES.length} missing)` : ''
  }`;
  return [title, line(header), ...rows.map(line), ...missingLegend(v), ''];
}

/** Why each '-' cell is missing; a signal whose 9 statistics share one reason is shown once as `signal.*`. */
function missingLegend(v: PodFeatureVector): string[] {
  const parts: string[] = [];
  SIGNALS.forEach((signal, s) => {
    const cells = STATISTICS.map((stat, k) => ({ stat, f: v.features.at(s * STATISTICS.length + k) }));
    const reasons = cells.flatMap(({ stat, f }) => (f && !f.ok ? [{ stat, reason: f.missing }] : []));
    const first = reasons[0];
    if (!first) return;
    if (reasons.length === STATISTICS.length && reasons.every((r) => r.reason === first.reason)) {
      parts.push(`${signal}.*=${first.reason}`);
    } else {
      parts.push(...reasons.map((r) => `${signal}.${r.stat}=${r.reason}`));
    }
  });
  return parts.length ? [`missing (-): ${parts.join(', ')}`] : [];
}

/** People output: one 5x9 block per pod (rows are signals, columns statistics: feature = row.column). */
export function cycleToTable(cycle: FeatureCycle): string {
  const at = new Date(cycle.evaluatedAtMs).toISOString();
  if (cycle.status === 'unavailable') {
    return `Prometheus unavailable at ${at} (${cycle.reason}): ${cycle.message}\nNo feature vectors: nothing may act on this cycle.\n`;
  }
  const lines = [
    `feature schema ${FEATURE_SCHEMA.schemaVersion}, evaluated at ${at}, ${cycle.vectors.length} pod(s), ${cycle.queries} PromQL queries`,
    ...cycle.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  for (const v of cycle.vectors) lines.push(...renderVector(v));
  if (cycle.vectors.length === 0)
    lines.push('no pods found (kube_pod_info has none for this selection at that instant)');
  return `${lines.join('\n')}\n`;
}
