/**
 * Scores one bench:decisions run: per case, what the engine decided (from the Remediation records) against what
 * the label says, and for incidents how many evaluation cycles after becoming detectable it acted.
 */
import type { Observations } from './decision-observer.js';
import { type BenchCase, namespaceOf } from './decision-suite.js';

/** Results that mean the engine decided to do something (dry-run or not); Skipped entries are not actions. */
const ACTED = new Set(['DryRun', 'Succeeded', 'Recommended', 'Failed']);
export const GOAL_WITHIN_TWO = 0.95;

export interface Entry {
  policy: string;
  step: string;
  action: string;
  time: number;
  result: string;
  reason?: string;
}

/** The action entries of a namespace's Remediation records, with the policy that wrote them. */
export function entriesOf(records: readonly Record<string, unknown>[]): Entry[] {
  return records.flatMap((r) => {
    const policy = (r.metadata as { labels?: Record<string, string> }).labels?.[
      'coordination-engine.io/policy'
    ];
    const actions = (r.status as { actions?: Array<Record<string, unknown>> } | undefined)?.actions ?? [];
    return actions.map((a) => ({
      policy: policy ?? '?',
      step: String(a.step),
      action: String(a.action),
      time: Date.parse(String(a.time)),
      result: String(a.result),
      ...(typeof a.reason === 'string' ? { reason: a.reason } : {}),
    }));
  });
}

export interface CaseResult {
  c: BenchCase;
  acted: Entry[];
  skipped: Entry[];
  detectableAt?: number;
  /** The first action of the policy that should act (incidents). */
  action?: Entry;
  cycles?: number;
  evaluations: number;
}

export interface Summary {
  rows: CaseResult[];
  incidents: number;
  truePositives: number;
  benignActions: number;
  missingDataActions: number;
  withinTwo: number;
  precision: number;
  recall: number;
  withinTwoShare: number;
  goalsMet: boolean;
}

export function score(
  cases: readonly BenchCase[],
  observed: Observations,
  triggerAt: number,
  entries: (c: BenchCase) => Entry[],
): Summary {
  const rows = cases.map((c): CaseResult => {
    const all = entries(c).sort((a, b) => a.time - b.time);
    const acted = all.filter((e) => ACTED.has(e.result));
    const skipped = all.filter((e) => e.result === 'Skipped');
    const anyEvaluations = [...observed.evaluations.entries()]
      .filter(([k]) => k.startsWith(`${namespaceOf(c)}/`))
      .map(([, v]) => v.filter((t) => t >= triggerAt).length);
    const row: CaseResult = { c, acted, skipped, evaluations: Math.min(...anyEvaluations) };
    if (!c.expected) return row;
    const detectableAt = observed.condition.get(c.name)?.detectableAt;
    const action = acted.find((e) => e.policy === c.expected?.policy);
    const evaluations = observed.evaluations.get(`${namespaceOf(c)}/${c.expected.policy}`) ?? [];
    return {
      ...row,
      ...(detectableAt !== undefined ? { detectableAt } : {}),
      ...(action ? { action } : {}),
      ...(action && detectableAt !== undefined
        ? { cycles: evaluations.filter((t) => t >= detectableAt && t <= action.time).length }
        : {}),
    };
  });
  const incidents = rows.filter((r) => r.c.kind === 'incident');
  const truePositives = incidents.filter((r) => r.action).length;
  const benignActions = rows.filter((r) => r.c.kind === 'benign' && r.acted.length > 0).length;
  const missingDataActions = rows.filter((r) => r.c.kind === 'missing-data' && r.acted.length > 0).length;
  const withinTwo = incidents.filter((r) => r.cycles !== undefined && r.cycles <= 2).length;
  const falsePositives = benignActions + missingDataActions;
  const withinTwoShare = incidents.length === 0 ? 1 : withinTwo / incidents.length;
  return {
    rows,
    incidents: incidents.length,
    truePositives,
    benignActions,
    missingDataActions,
    withinTwo,
    precision: truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives),
    recall: incidents.length === 0 ? 1 : truePositives / incidents.length,
    withinTwoShare,
    goalsMet: benignActions === 0 && missingDataActions === 0 && withinTwoShare >= GOAL_WITHIN_TWO,
  };
}

const secondsAfter = (t: number | undefined, from: number) =>
  t === undefined ? '-' : `+${((t - from) / 1000).toFixed(1)}`;

export function printSummary(s: Summary, triggerAt: number, runtimeMs: number): void {
  const decisionsOf = (r: CaseResult) =>
    [...new Set(r.acted.map((e) => `${e.policy}:${e.step} ${e.result}`))].join(', ') || 'none';
  const width = Math.max(30, ...s.rows.map((r) => decisionsOf(r).length));
  const header = [
    'case'.padEnd(16),
    'label'.padEnd(12),
    'should act'.padEnd(14),
    'decisions (policy:step result)'.padEnd(width),
    'detectable s'.padStart(12),
    'acted s'.padStart(8),
    'cycles'.padStart(6),
    '  evals  skips',
  ].join(' ');
  console.log(`decision quality: ${s.rows.length} cases, times in seconds after the trigger`);
  console.log(header);
  for (const r of s.rows) {
    const skips = [...new Set(r.skipped.map((e) => `${e.policy}:${e.reason}`))].join(', ') || '-';
    console.log(
      [
        r.c.name.padEnd(16),
        r.c.kind.padEnd(12),
        (r.c.expected?.policy ?? 'nothing').padEnd(14),
        decisionsOf(r).padEnd(width),
        secondsAfter(r.detectableAt, triggerAt).padStart(12),
        secondsAfter(r.action?.time, triggerAt).padStart(8),
        (r.cycles === undefined ? '-' : String(r.cycles)).padStart(6),
        String(r.evaluations).padStart(7),
        ` ${skips}`,
      ].join(' '),
    );
  }
  const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
  console.log(
    `precision ${pct(s.precision)}, recall ${pct(s.recall)} (${s.truePositives}/${s.incidents}), benign actions ${s.benignActions}, missing-data actions ${s.missingDataActions}, acted within 2 cycles of detectable ${pct(s.withinTwoShare)} (${s.withinTwo}/${s.incidents}; goal ≥ ${pct(GOAL_WITHIN_TWO)}), run ${(runtimeMs / 1000).toFixed(0)}s: ${s.goalsMet ? 'goals met' : 'GOAL MISSED'}`,
  );
}
