import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PolicyAssessment, TargetAssessment } from '../detection/assessment.js';
import type { KubeObject } from '../kube/kube-object.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type { PolicyStatus } from '../policy/status-types.js';
import {
  type EpisodeNote,
  type EpisodePlan,
  type EpisodeStatus,
  type ExecutionResult,
  type GateVerdict,
  type Intent,
  type LadderStep,
  planEpisode,
  settleIntent,
} from '../remediation/episode.js';
import type { PolicyRecordDelta } from '../remediation/policy-record.js';
import type { Clock } from '../time/clock.js';
import type { TermContext } from './leadership.js';

/** The leadership term a pass runs in: actions check it right before every mutation. */
export type Leadership = TermContext;

/** A durable episode record as the runner needs it (src/kube/remediation-store.ts persists it). */
export interface EpisodeRecord {
  name: string;
  namespace: string;
  resourceVersion?: string;
  targetUid: string;
  target: { kind: string; namespace: string; name: string };
  open: boolean;
  dryRun: boolean;
  resetRequested: boolean;
  status: EpisodeStatus;
}

export interface EpisodeStore {
  /** Every record of the policy (open and closed), fresh from the API: the durable per-target state. */
  list(policy: KubeObject, leadership: Leadership): Promise<EpisodeRecord[]>;
  /** Creates the record (idempotent by its deterministic name) carrying its first status. */
  create(
    policy: KubeObject,
    target: KubeObject,
    status: EpisodeStatus,
    extra: { dryRun: boolean; decision: unknown },
    leadership: Leadership,
  ): Promise<EpisodeRecord>;
  /** Writes the status with the record's resourceVersion as precondition; `open: false` closes it. */
  update(
    record: EpisodeRecord,
    status: EpisodeStatus,
    open: boolean,
    leadership: Leadership,
  ): Promise<EpisodeRecord>;
  /** Deletes closed records completed longer than `retentionMs` ago. */
  collect(
    policy: KubeObject,
    records: readonly EpisodeRecord[],
    retentionMs: number,
    leadership: Leadership,
  ): Promise<number>;
}

/** Performs (or recognises as already performed) one step on one target. */
export interface StepExecutor {
  /** Fills the intent's target-specific details (pods to evict, expected state) before it is persisted. */
  prepare(
    intent: Intent,
    step: PolicySpec['actions'][number],
    target: KubeObject,
    assessed: TargetAssessment,
  ): Intent;
  /** True when the cluster shows the intent already happened (a predecessor acted before it could record it). */
  happened(intent: Intent, target: KubeObject): Promise<boolean>;
  execute(
    intent: Intent,
    step: PolicySpec['actions'][number],
    target: KubeObject,
    leadership: Leadership,
  ): Promise<ExecutionResult>;
}

export interface GateContext {
  policy: KubeObject;
  spec: PolicySpec;
  assessment: PolicyAssessment;
  target: KubeObject;
  targetKey: string;
  records: readonly EpisodeRecord[];
  nowMs: number;
}

export interface RemediationRunnerDeps {
  store: EpisodeStore;
  executor: StepExecutor;
  /** The workload object behind an assessed target, from the informer cache. */
  workload(target: TargetAssessment['target']): KubeObject | undefined;
  /** The safety gates in their documented order (src/remediation/gates.ts), bound to the cluster's state. */
  gates(context: GateContext, step: LadderStep, episode: EpisodeStatus): GateVerdict;
  /** Storm state for the policy this pass; also reported on its status. */
  storm(
    policy: KubeObject,
    spec: PolicySpec,
    assessment: PolicyAssessment,
    nowMs: number,
  ): { active: boolean; message: string };
  events: {
    record(
      object: KubeObject,
      type: 'Normal' | 'Warning',
      reason: string,
      message: string,
      options?: { key?: string },
    ): Promise<void>;
  };
  /** Applies this pass to the policy's status (history, lastAction, counters, StormActive, Escalated). */
  writePolicyStatus(policy: KubeObject, delta: PolicyRecordDelta): Promise<void>;
  metrics?: {
    acted(action: string, result: string): void;
    skipped(reason: string): void;
    escalated(): void;
    timeToRemediate(seconds: number): void;
  };
  /** A record was just closed: its episode is finished (feedback reads it back). Must not block or throw. */
  finished?(record: EpisodeRecord): void;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}

export const ladderOf = (spec: PolicySpec): LadderStep[] =>
  spec.actions.map((a) => ({
    name: a.name,
    type: a.type,
    verificationWindowMs: parseDuration(a.verificationWindow),
  }));

const describe = (t: { kind: string; namespace: string; name: string }) =>
  `${t.kind} ${t.namespace}/${t.name}`;

/**
 * Remediation for one policy after each detection cycle: for every target, load its durable episode, plan the next
 * step (pure), persist the plan (the intent before the act), act through the leadership fence, settle the outcome,
 * and record everything: the Remediation record, Events on the target and the policy, metrics and the policy's
 * status. It stops at the first sign that leadership is gone.
 */
export class RemediationRunner {
  private readonly newId: () => string;

  constructor(private readonly deps: RemediationRunnerDeps) {
    this.newId = deps.newId ?? randomUUID;
  }

  async run(
    policy: KubeObject,
    spec: PolicySpec,
    assessment: PolicyAssessment,
    leadership: Leadership,
  ): Promise<void> {
    const { deps } = this;
    const nowMs = deps.clock.now();
    leadership.fence();
    const listed = await deps.store.list(policy, leadership);
    const open = new Map(listed.filter((r) => r.open).map((r) => [r.targetUid, r]));
    // The gates of each target see what this pass already wrote for the targets before it: without that, two
    // targets in one pass both pass the rate limit, concurrency and blast radius that allow only one of them.
    const byName = new Map(listed.map((r) => [r.name, r]));
    const remember = (r: EpisodeRecord) => byName.set(r.name, r);
    const storm = deps.storm(policy, spec, assessment, nowMs);
    const delta: PolicyRecordDelta = { entries: [], storm, escalated: [] };
    const partial = assessment.warnings.length > 0;

    const seen = new Set<string>();
    for (const assessed of assessment.targets) {
      if (leadership.signal.aborted) return;
      const target = deps.workload(assessed.target);
      const uid = target?.metadata.uid;
      if (!target || !uid) continue;
      seen.add(uid);
      const record = open.get(uid);
      const records = [...byName.values()];
      const context: GateContext = { policy, spec, assessment, target, targetKey: uid, records, nowMs };
      const plan = planEpisode({
        episode: record?.status,
        // What the decision rests on: detection's verdict (rules, status signals, ML anomaly). The next issue adds
        // ML guidance here (prediction and pattern answers), as more fields of the observation.
        observation: { state: assessed.state, partial, fallbackOnly: fallbackOnly(assessed) },
        config: {
          ladder: ladderOf(spec),
          actOnFallback: spec.detection.ml.actOnFallback,
          // Two healthy evaluations in a row, never one quiet cycle, make a recovery.
          recoveryMs: parseDuration(spec.evaluationInterval),
        },
        gate: (step, episode) => deps.gates(context, step, episode),
        targetName: describe(assessed.target),
        targetKey: uid,
        resetRequested: record?.resetRequested ?? false,
        nowMs,
        newId: this.newId,
      });
      try {
        const settled = await this.apply(
          policy,
          spec,
          target,
          assessed,
          record,
          plan,
          leadership,
          delta,
          remember,
        );
        if (settled?.status.phase === 'Escalated' && settled.open)
          delta.escalated.push(describe(assessed.target));
      } catch (error) {
        if (leadership.signal.aborted) return;
        deps.logger.warn(
          { target: describe(assessed.target), err: String(error) },
          'remediation step not recorded; retrying next cycle',
        );
      }
    }
    // Escalated episodes of targets not assessed this pass (deselected, or gone) still count until closed.
    for (const r of open.values())
      if (!seen.has(r.targetUid) && r.status.phase === 'Escalated') delta.escalated.push(describe(r.target));
    if (leadership.signal.aborted) return;
    await deps.writePolicyStatus(policy, delta);
    const retention = parseDuration(spec.recordRetention);
    await deps.store.collect(policy, [...byName.values()], retention, leadership).catch((error: unknown) => {
      deps.logger.warn({ err: String(error) }, 'could not collect old Remediation records');
    });
  }

  /** Persists a plan, executes its intent once it is durable, settles the outcome. Returns the final record. */
  private async apply(
    policy: KubeObject,
    spec: PolicySpec,
    target: KubeObject,
    assessed: TargetAssessment,
    record: EpisodeRecord | undefined,
    plan: EpisodePlan,
    leadership: Leadership,
    delta: PolicyRecordDelta,
    remember: (written: EpisodeRecord) => void,
  ): Promise<EpisodeRecord | undefined> {
    const { deps } = this;
    if (!plan.status) return record;
    const step = plan.execute ? spec.actions.find((a) => a.name === plan.execute?.step) : undefined;
    let status = plan.status;
    let intent = plan.execute;
    const resumed = record?.status.phase === 'Acting';
    // A fresh intent gets its target-specific details (pods by uid, expected state) before it is written down;
    // a resumed one (the record was already Acting) is taken exactly as its predecessor persisted it.
    if (intent && step && !resumed) {
      intent = deps.executor.prepare(intent, step, target, assessed);
      status = { ...status, intent };
    }
    let current = record;
    if (plan.changed || !current) {
      current = current
        ? await deps.store.update(current, status, !plan.closed, leadership)
        : await deps.store.create(
            policy,
            target,
            status,
            { dryRun: spec.safety.dryRun, decision: decisionOf(assessed, deps.clock.now()) },
            leadership,
          );
      remember(current);
      if (plan.closed) deps.finished?.(current);
    }
    await this.note(policy, target, assessed, status, plan.notes, spec, delta);
    if (!intent || !step) return current;

    const alreadyHappened: ExecutionResult = {
      result: 'done',
      message: `${intent.action} ${describe(assessed.target)} had already happened (intent ${intent.id} found carried out in the cluster)`,
    };
    let outcome: ExecutionResult;
    if (await deps.executor.happened(intent, target)) {
      outcome = alreadyHappened;
    } else {
      leadership.fence();
      try {
        outcome = await deps.executor.execute(intent, step, target, leadership);
      } catch (error) {
        if (leadership.signal.aborted) throw error;
        outcome = {
          result: 'failed',
          message: `${intent.action} ${describe(assessed.target)} failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      // Refused or failed is not proof it did not happen: a predecessor's write of this same intent may have
      // landed after our read (our write then 409s on its resourceVersion, or finds the pod gone), and a failed
      // request may have been applied. The cluster decides; otherwise a next intent would act a second time.
      if (
        outcome.result !== 'done' &&
        (resumed || outcome.result === 'failed') &&
        (await deps.executor.happened(intent, target))
      )
        outcome = alreadyHappened;
    }
    const ladderStep = ladderOf(spec).find((s) => s.name === intent.step);
    const settled = settleIntent(
      current.status,
      intent,
      outcome,
      ladderStep,
      current.targetUid,
      deps.clock.now(),
    );
    const written = await deps.store.update(current, settled.status, true, leadership);
    remember(written);
    await this.note(policy, target, assessed, settled.status, [settled.note], spec, delta);
    return written;
  }

  private async note(
    policy: KubeObject,
    target: KubeObject,
    assessed: TargetAssessment,
    status: EpisodeStatus,
    notes: readonly EpisodeNote[],
    spec: PolicySpec,
    delta: PolicyRecordDelta,
  ): Promise<void> {
    const { deps } = this;
    const time = new Date(deps.clock.now()).toISOString();
    for (const n of notes) {
      delta.entries.push({
        time,
        target: assessed.target,
        step: status.step,
        attempt: status.attempts || undefined,
        dryRun: spec.safety.dryRun,
        note: n,
      } as PolicyRecordDelta['entries'][number]);
      const options = { key: n.key };
      await deps.events.record(target, n.type, n.reason, n.message, options);
      await deps.events.record(
        policy,
        n.type,
        n.reason,
        `${describe(assessed.target)}: ${n.message}`,
        options,
      );
      if (n.kind === 'skipped') deps.metrics?.skipped(n.reason);
      if (n.kind === 'acted') deps.metrics?.acted(n.action ?? 'unknown', 'succeeded');
      if (n.kind === 'failed') deps.metrics?.acted(n.action ?? 'unknown', 'failed');
      if (n.kind === 'recommended')
        deps.metrics?.acted(n.action ?? 'unknown', n.reason === 'DryRun' ? 'dry_run' : 'recommended');
      if (n.kind === 'escalated') deps.metrics?.escalated();
      if (n.kind === 'resolved' && n.reason === 'RemediationSucceeded') {
        const started = Date.parse(status.startTime);
        if (Number.isFinite(started)) deps.metrics?.timeToRemediate((deps.clock.now() - started) / 1000);
      }
    }
  }
}

/** Anomalous only by the fallback detector or a cached answer: no firing rule, no live model verdict. */
export function fallbackOnly(target: TargetAssessment): boolean {
  const anomalous = target.pods.filter((p) => p.state === 'anomalous');
  if (anomalous.length === 0) return false;
  return anomalous.every((p) => !p.rules.some((r) => r.firing) && p.ml !== undefined && p.ml.source !== 'ml');
}

/** What the decision rested on: the training example the next issue needs (rules, ML answers, the vectors). */
export function decisionOf(target: TargetAssessment, nowMs: number) {
  return {
    time: new Date(nowMs).toISOString(),
    state: target.state,
    rules: target.pods.flatMap((p) =>
      p.rules
        .filter((r) => r.firing)
        .map((r) => ({ pod: p.pod, name: r.rule, input: r.feature, value: r.observed })),
    ),
    ml: target.pods.flatMap((p) =>
      p.ml ? [{ pod: p.pod, source: p.ml.source, anomaly: p.ml.anomaly, confidence: p.ml.confidence }] : [],
    ),
    fallback: fallbackOnly(target),
    features: target.pods.flatMap((p) =>
      p.values ? [{ pod: p.pod, ...(p.uid ? { podUid: p.uid } : {}), values: [...p.values] }] : [],
    ),
  };
}

export type { PolicyStatus };
