import { FEATURE_COUNT, SIGNALS, type SignalName, STATISTICS } from '../metrics/feature-catalogue.js';
import { MAX_INSUFFICIENT_REASON_LENGTH, truncateText } from '../policy/status-types.js';
import type { PodAssessment } from './assessment.js';

/**
 * Why a target is *insufficient data*, in one line for its policy's status: a count says that something is
 * missing, this says what and the likely cause, e.g. "pod web-1: 5 of 45 features missing
 * (node_cpu_utilization.lag_5, …): less than 5 minutes of history". docs/troubleshooting.md explains each cause.
 */
/** Feature names quoted per pod; the count says how many there are in all. */
const NAMES_SHOWN = 3;

/** A whole signal missing: what usually causes it (docs/features.md, "Missing data is explicit"). */
const SIGNAL_CAUSES: Record<SignalName, string> = {
  node_cpu_utilization: "no node-exporter CPU series for the pod's node, or the node is unknown",
  node_memory_utilization: "no node-exporter memory series for the pod's node, or the node is unknown",
  pod_cpu_usage: 'no CPU series for the pod (a container not running, or scraped fewer than twice)',
  pod_memory_usage: 'no memory ratio for the pod (a container without a memory limit, or not running)',
  container_restart_count: 'no kube-state-metrics restart series for the pod',
};

/** Statistics that only need the window to be full: missing alone, they mean the pod's history is short. */
const HISTORY_STATISTICS = new Set(['lag_1', 'lag_5', 'diff', 'pct_change']);

/** The missing names, whole signals as `signal.*`, and the causes they point to. */
function describeMissing(missing: readonly string[]): { names: string[]; causes: string[] } {
  const bySignal = new Map<string, string[]>();
  for (const name of missing) {
    const [signal = name, statistic = ''] = name.split('.');
    bySignal.set(signal, [...(bySignal.get(signal) ?? []), statistic]);
  }
  const whole: string[] = [];
  const some: string[] = [];
  const causes = new Set<string>();
  let partial = false;
  for (const signal of SIGNALS) {
    const statistics = bySignal.get(signal);
    if (!statistics) continue;
    if (statistics.length === STATISTICS.length) {
      whole.push(`${signal}.*`);
      causes.add(SIGNAL_CAUSES[signal]);
    } else {
      some.push(...statistics.map((s) => `${signal}.${s}`));
      if (statistics.every((s) => HISTORY_STATISTICS.has(s))) partial = true;
      else causes.add(`${signal} has gaps or non-finite values in the last 5 minutes`);
    }
  }
  if (partial) causes.add('less than 5 minutes of history');
  // Whole signals first: they are the likelier cause and the shorter to read.
  return { names: [...whole, ...some], causes: [...causes] };
}

function describePod(pod: PodAssessment, metricsProblem: string | undefined): string {
  if (pod.missing.length === 0 || pod.missing.includes('*')) {
    return `pod ${pod.pod}: no feature vector (${metricsProblem ?? 'no metrics for it in Prometheus'})`;
  }
  if (pod.missing.length >= FEATURE_COUNT) {
    return `pod ${pod.pod}: all ${FEATURE_COUNT} features missing: nothing in Prometheus for it yet (not scraped yet, or scraped without its namespace and pod labels)`;
  }
  const { names, causes } = describeMissing(pod.missing);
  const shown = names.slice(0, NAMES_SHOWN).join(', ') + (names.length > NAMES_SHOWN ? ', …' : '');
  const count = `${pod.missing.length} of ${FEATURE_COUNT} features missing`;
  return `pod ${pod.pod}: ${count} (${shown})${causes.length > 0 ? `: ${causes.join('; ')}` : ''}`;
}

/**
 * The reason for a target whose state is insufficient_data. `metricsProblem` is why the cycle had no metrics at
 * all (Prometheus unavailable), when that was the case.
 */
export function insufficientDataReason(pods: readonly PodAssessment[], metricsProblem?: string): string {
  if (pods.length === 0)
    return 'no running pod to judge (scaled to zero, not created yet, or all terminating)';
  const lacking = pods.filter((p) => p.state === 'insufficient_data');
  const first = lacking[0];
  if (!first) return 'not judged';
  const more = lacking.length > 1 ? ` (and ${lacking.length - 1} more pod(s))` : '';
  return truncateText(`${describePod(first, metricsProblem)}${more}`, MAX_INSUFFICIENT_REASON_LENGTH);
}
