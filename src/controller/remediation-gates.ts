import type { PolicyAssessment } from '../detection/assessment.js';
import type { KubeObject } from '../kube/kube-object.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type { EpisodeStatus, GateVerdict, LadderStep } from '../remediation/episode.js';
import { type ActionType, checkGates, type GateConfig } from '../remediation/gates.js';
import { type AutoscalerLike, classifyOwnership } from '../remediation/ownership.js';
import { nextStormState, type StormConfig, type StormState, stormMessage } from '../remediation/storm.js';
import type { EpisodeRecord, GateContext } from './remediation-runner.js';

/** A workload or namespace labelled so is never acted on. */
export const OPT_OUT_LABEL = 'coordination-engine.io/remediation';
export const OPT_OUT_VALUE = 'disabled';

export const DEFAULT_PROTECTED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;

export interface ClusterView {
  /** Labels of a namespace, from the informer cache. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  /** HorizontalPodAutoscalers in a namespace (KEDA creates one too). */
  autoscalers(namespace: string): readonly AutoscalerLike[];
}

export function gateConfigOf(spec: PolicySpec): GateConfig {
  const s = spec.safety;
  return {
    dryRun: s.dryRun,
    paused: s.paused,
    ...(s.pausedReason ? { pausedReason: s.pausedReason } : {}),
    cooldownMs: parseDuration(s.cooldown),
    maxActionsPerHour: s.maxActionsPerHour,
    maxConcurrent: s.maxConcurrent,
    maxUnhealthy: s.maxUnhealthy,
    storm: stormConfigOf(spec),
    maxAttempts: s.maxAttempts,
    ownership: s.ownership,
  };
}

export function stormConfigOf(spec: PolicySpec): StormConfig {
  const storm = spec.safety.storm;
  return {
    threshold: storm.threshold,
    minTargets: storm.minTargets,
    cooldownMs: parseDuration(storm.cooldown),
  };
}

const HOUR_MS = 60 * 60_000;
const targetKey = (t: { kind: string; namespace: string; name: string }) =>
  `${t.kind}/${t.namespace}/${t.name}`;

/** Actions that mutated something (or tried to), across all of the policy's records: the rolling rate window. */
function actionTimes(records: readonly EpisodeRecord[], nowMs: number): number[] {
  const times: number[] = [];
  for (const r of records)
    for (const a of r.status.actions) {
      if (a.result !== 'Succeeded' && a.result !== 'Failed') continue;
      const at = Date.parse(a.time);
      if (Number.isFinite(at) && nowMs - at < HOUR_MS) times.push(at);
    }
  return times;
}

function lastActionOn(records: readonly EpisodeRecord[], targetUid: string): number | undefined {
  let last: number | undefined;
  for (const r of records) {
    if (r.targetUid !== targetUid || !r.status.lastActionTime) continue;
    const at = Date.parse(r.status.lastActionTime);
    if (Number.isFinite(at) && (last === undefined || at > last)) last = at;
  }
  return last;
}

const acting = (r: EpisodeRecord) =>
  r.open && (r.status.phase === 'Acting' || r.status.phase === 'Verifying');

/**
 * Binds the pure gates (src/remediation/gates.ts) to the cluster: what is protected or opted out, who manages
 * the workload, the storm, the blast radius over the policy's assessment, and the per-target and per-policy
 * history kept in the durable records.
 */
export class RemediationGates {
  private readonly storms = new Map<string, StormState>();

  constructor(
    private readonly cluster: ClusterView,
    private readonly protectedNamespaces: ReadonlySet<string>,
  ) {}

  /** A new leadership term starts without another term's storm memory (the policy status shows the last one). */
  reset(): void {
    this.storms.clear();
  }

  storm(policy: KubeObject, spec: PolicySpec, assessment: PolicyAssessment, nowMs: number) {
    const key = policy.metadata.uid ?? `${policy.metadata.namespace}/${policy.metadata.name}`;
    const config = stormConfigOf(spec);
    const state = nextStormState(
      this.storms.get(key),
      { anomalous: assessment.summary.anomalous, total: assessment.summary.total },
      config,
      nowMs,
    );
    this.storms.set(key, state);
    return { active: state.active, message: stormMessage(state, config, nowMs), state };
  }

  check(context: GateContext, step: LadderStep, episode: EpisodeStatus): GateVerdict {
    const { spec, target, assessment, records, nowMs, policy } = context;
    const namespace = target.metadata.namespace ?? 'default';
    const ref = { kind: target.kind ?? '', namespace, name: target.metadata.name };
    const nsLabels = this.cluster.namespaceLabels(namespace);
    const optedOut =
      target.metadata.labels?.[OPT_OUT_LABEL] === OPT_OUT_VALUE
        ? 'workload'
        : nsLabels?.[OPT_OUT_LABEL] === OPT_OUT_VALUE
          ? 'namespace'
          : undefined;
    const notHealthy = new Set(
      assessment.targets.filter((t) => t.state !== 'healthy').map((t) => targetKey(t.target)),
    );
    const underRemediation = new Set(records.filter(acting).map((r) => targetKey(r.target)));
    const stormKey = policy.metadata.uid ?? `${policy.metadata.namespace}/${policy.metadata.name}`;
    const verdict = checkGates({
      config: gateConfigOf(spec),
      target: ref,
      action: { type: step.type as ActionType },
      protection: {
        ...(this.protectedNamespaces.has(namespace) ? { protectedNamespace: namespace } : {}),
        ...(optedOut ? { optedOut } : {}),
      },
      ownership: classifyOwnership(
        {
          ...ref,
          ...(target.metadata.labels ? { labels: target.metadata.labels } : {}),
          ...(target.metadata.annotations ? { annotations: target.metadata.annotations } : {}),
          ...(target.metadata.ownerReferences ? { ownerReferences: target.metadata.ownerReferences } : {}),
        },
        this.cluster.autoscalers(namespace),
      ),
      storm: this.storms.get(stormKey),
      blastRadius: {
        total: assessment.summary.total,
        notHealthy,
        underRemediation,
        candidate: targetKey(ref),
      },
      ...(lastActionOn(records, context.targetKey) !== undefined
        ? { lastActionAtMs: lastActionOn(records, context.targetKey) }
        : {}),
      actionTimesInLastHour: actionTimes(records, nowMs),
      openEpisodesOfPolicy: records.filter((r) => acting(r) && r.targetUid !== context.targetKey).length,
      attempts: episode.attempts,
      nowMs,
    });
    return verdict.allowed ? verdict : { ...verdict, allowed: false };
  }
}
