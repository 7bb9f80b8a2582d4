import type { KubeRest } from '../kube/rest-client.js';
import { formatDuration } from '../policy/duration.js';
import type { RemediationRecord } from '../remediation/record.js';
import { isRunningReady, podsIn, workloadPath } from './demo-cluster.js';
import type { ScenarioProgress } from './demo-observer.js';
import type { Scenario } from './demo-scenarios.js';

/**
 * How the story ended, judged from the records the engine wrote AND from the cluster itself (a record saying
 * "Succeeded" is not enough: the template must carry the restart, the pod must be a new one, the image must be
 * the old one again, and the noisy workload must be exactly as it was).
 */
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const REVISION = 'deployment.kubernetes.io/revision';
/** The noisy workload must have been judged at least this often (one minute: at least one of its spikes). */
export const MIN_QUIET_EVALUATIONS = 6;

export interface SummaryRow {
  scenario: string;
  target: string;
  detected: string;
  done: string;
  verified: string;
  notDone: string;
}

export interface Judgement {
  rows: SummaryRow[];
  /** What did not happen; empty when the story completed. */
  failures: string[];
}

interface WorkloadView {
  metadata: { annotations?: Record<string, string> };
  spec: {
    replicas?: number;
    template: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: Array<{ image?: string }> };
    };
  };
}

/** What must not change about the workload the engine must leave alone. */
export interface Snapshot {
  pods: string[];
  template: string;
  replicas: number | undefined;
}

export async function snapshot(rest: KubeRest, s: Scenario): Promise<Snapshot> {
  const workload = await rest.request<WorkloadView>({ method: 'GET', path: workloadPath(s) });
  const pods = (await podsIn(rest, s.namespace)).filter((p) => !p.metadata.deletionTimestamp);
  return {
    pods: pods.map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort(),
    template: JSON.stringify(workload.spec.template),
    replicas: workload.spec.replicas,
  };
}

/** Whether a healing scenario's episode has ended, one way or the other. */
export function healingEnded(p: ScenarioProgress): boolean {
  return p.records.some((r) =>
    ['Succeeded', 'Failed', 'Escalated', 'Recommended'].includes(r.status.phase ?? ''),
  );
}

export function quietEnough(p: ScenarioProgress): boolean {
  return p.evaluations.length >= MIN_QUIET_EVALUATIONS || p.records.length > 0;
}

/** kubectl's short form: deploy/checkout, sts/cache (the namespace is the scenario's). */
const shortTarget = (s: Scenario) => `${s.kind === 'Deployment' ? 'deploy' : 'sts'}/${s.name}`;

function detectedText(r: RemediationRecord | undefined, p: ScenarioProgress): string {
  const d = r?.status.decision;
  const prediction = d?.prediction?.[0];
  if (prediction) {
    const due = formatDuration(Math.round(prediction.timeToOccurrenceSeconds) * 1000);
    return `predicted ${prediction.issue} in ${due} (p ${prediction.probability.toFixed(2)})`;
  }
  const rule = d?.rules[0];
  if (rule) {
    const input = rule.input?.replace(/^signal:/, '');
    const value =
      rule.value === 1 || rule.value === undefined || rule.value === null ? '' : ` ${+rule.value.toFixed(1)}`;
    return `rule ${rule.name}${input ? ` (${input}${value})` : ''}`;
  }
  const ml = d?.ml.find((m) => m.anomaly);
  if (ml) return `model anomaly (confidence ${ml.confidence?.toFixed(2) ?? '?'})`;
  return p.detected ?? 'nothing';
}

/** The cluster-side proof of a healing action, or why there is none. */
async function effect(
  rest: KubeRest,
  s: Scenario,
  r: RemediationRecord,
): Promise<{ ok: boolean; text: string }> {
  const workload = await rest.request<WorkloadView>({ method: 'GET', path: workloadPath(s) });
  const running = (await podsIn(rest, s.namespace)).filter(isRunningReady);
  switch (s.heals) {
    case 'RolloutRestart': {
      const at = workload.spec.template.metadata?.annotations?.[RESTARTED_AT];
      return at
        ? { ok: true, text: `template restarted, ${running.length} new pods Ready` }
        : { ok: false, text: `the pod template has no ${RESTARTED_AT}` };
    }
    case 'RestartPod': {
      const judged =
        r.status.decision?.features.flatMap((f) => (f.podUid ? [`${f.pod}/${f.podUid}`] : [])) ?? [];
      const now = running.map((p) => `${p.metadata.name}/${p.metadata.uid}`);
      const replaced = judged.length > 0 && judged.every((old) => !now.includes(old));
      const pod = running[0];
      const restarts = pod?.status?.containerStatuses?.reduce((n, c) => n + (c.restartCount ?? 0), 0) ?? 0;
      return replaced && pod
        ? {
            ok: true,
            text: `${pod.metadata.name} evicted before any OOM kill, its successor runs (${restarts} restarts)`,
          }
        : {
            ok: false,
            text: `the pod judged (${judged.join(', ') || 'unknown'}) is still running or nothing runs now`,
          };
    }
    case 'Rollback': {
      const image = workload.spec.template.spec.containers[0]?.image;
      const revision = workload.metadata.annotations?.[REVISION];
      const ok = image === `${s.namespace}/${s.name}:1`;
      return { ok, text: `${image} again (revision ${revision})` };
    }
    default:
      return { ok: false, text: 'no healing action expected' };
  }
}

async function judgeHealing(rest: KubeRest, p: ScenarioProgress, failures: string[]): Promise<SummaryRow> {
  const s = p.scenario;
  const record =
    p.records.find((r) => r.status.actions.some((a) => a.action === s.heals)) ?? p.records.at(-1);
  const row: SummaryRow = {
    scenario: s.title,
    target: shortTarget(s),
    detected: detectedText(record, p),
    done: 'nothing',
    verified: record?.status.phase ?? '-',
    notDone: '-',
  };
  if (!record) {
    failures.push(
      `${s.title}: the engine opened no Remediation for ${row.target} (detected: ${p.detected ?? 'nothing'})`,
    );
    return row;
  }
  const acted = record.status.actions.find((a) => a.action === s.heals && a.result === 'Succeeded');
  const proof = await effect(rest, s, record);
  row.done = acted ? `${acted.action}: ${proof.text}` : 'nothing';
  if (!acted)
    failures.push(
      `${s.title}: no ${s.heals} succeeded (actions: ${record.status.actions.map((a) => `${a.action} ${a.result}`).join(', ') || 'none'})`,
    );
  else if (!proof.ok) failures.push(`${s.title}: ${s.heals} recorded, but in the cluster ${proof.text}`);
  if (record.status.phase !== 'Succeeded') {
    failures.push(
      `${s.title}: Remediation ${record.metadata.name} is ${record.status.phase ?? 'without a phase'}, not verified Succeeded`,
    );
  } else if (record.status.lastActionTime && record.status.completionTime) {
    const ms = Date.parse(record.status.completionTime) - Date.parse(record.status.lastActionTime);
    row.verified = `Succeeded after ${formatDuration(Math.max(0, Math.round(ms / 1000)) * 1000)}`;
  }
  if (s.predicted && !record.status.decision?.prediction?.length)
    failures.push(`${s.title}: acted, but not on a prediction (decision: ${row.detected})`);
  // Caught before the failure: no rule (the OOMKilled signal) had fired when the engine decided.
  if (s.predicted && (record.status.decision?.rules.length ?? 0) > 0)
    failures.push(
      `${s.title}: a rule had already fired (${row.detected}): the failure came before the prediction`,
    );
  const used = s.ladder.findIndex((l) => l.name === acted?.step);
  const later = used >= 0 ? s.ladder.slice(used + 1).map((l) => `${l.name} (${l.type})`) : [];
  const skips = record.status.actions
    .filter((a) => a.result === 'Skipped')
    .map((a) => `${a.reason}: ${a.message}`);
  row.notDone =
    [
      ...(later.length > 0 && record.status.phase === 'Succeeded' ? [`${later.join(', ')}: not needed`] : []),
      ...skips,
    ].join('; ') || '-';
  return row;
}

async function judgeLeftAlone(
  rest: KubeRest,
  p: ScenarioProgress,
  before: Snapshot,
  failures: string[],
): Promise<SummaryRow> {
  const s = p.scenario;
  const n = p.evaluations.length;
  const healthy = p.evaluations.filter(
    (e) => e.healthy === 1 && e.anomalous === 0 && e.insufficient === 0,
  ).length;
  const ladder = s.ladder.map((l) => l.name).join(', ');
  const after = await snapshot(rest, s);
  if (p.records.length > 0)
    failures.push(
      `${s.title}: the engine opened ${p.records.length} Remediation(s) for a healthy workload: ${p.records.map((r) => `${r.metadata.name} ${r.status.phase}`).join(', ')}`,
    );
  if (JSON.stringify(after) !== JSON.stringify(before))
    failures.push(
      `${s.title}: ${s.kind} ${s.name} changed (pods, template or replicas) although nothing should have touched it`,
    );
  if (n < MIN_QUIET_EVALUATIONS)
    failures.push(`${s.title}: judged only ${n} time(s), fewer than ${MIN_QUIET_EVALUATIONS}`);
  if (healthy < n)
    failures.push(`${s.title}: judged healthy with complete data in only ${healthy} of ${n} evaluations`);
  return {
    scenario: s.title,
    target: shortTarget(s),
    detected: `nothing: healthy ${healthy} of ${n} times`,
    done: p.records.length === 0 ? 'nothing' : `${p.records.length} Remediation(s)!`,
    verified:
      after.pods.length === before.pods.length && JSON.stringify(after) === JSON.stringify(before)
        ? 'untouched'
        : 'CHANGED',
    notDone: `${ladder}: healthy, its spikes are normal for it`,
  };
}

export async function judge(
  rest: KubeRest,
  progress: Iterable<ScenarioProgress>,
  untouched: Snapshot,
): Promise<Judgement> {
  const failures: string[] = [];
  const rows: SummaryRow[] = [];
  for (const p of progress) {
    rows.push(
      p.scenario.heals
        ? await judgeHealing(rest, p, failures)
        : await judgeLeftAlone(rest, p, untouched, failures),
    );
  }
  return { rows, failures };
}

/** `kubectl get`-style columns, two spaces apart. */
export function formatSummary(rows: readonly SummaryRow[]): string[] {
  const header: SummaryRow = {
    scenario: 'SCENARIO',
    target: 'TARGET',
    detected: 'DETECTED',
    done: 'DONE',
    verified: 'VERIFIED',
    notDone: 'DELIBERATELY NOT DONE, AND WHY',
  };
  const keys = Object.keys(header) as Array<keyof SummaryRow>;
  const all = [header, ...rows];
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  return all.map((r) =>
    keys
      .map((k, i) => r[k].padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
