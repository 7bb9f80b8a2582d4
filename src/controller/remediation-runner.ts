import { randomUUID } from 'node:crypto';
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
  type LadderStep,
  type PlanInput,
  planEpisode,
  settleIntent,
} from '../remediation/episode.js';
import type { PolicyRecordDelta } from '../remediation/policy-record.js';
import { SkipReason, skipResult } from '../remediation/skip-reasons.js';
import { standDownOverstayed } from '../remediation/stand-down.js';
import { planUnassessed } from '../remediation/unassessed-episode.js';
import { decisionOf, fallbackOnly, refusal } from './remediation-decision.js';
import { ladderOf, laddersByKind } from './remediation-ladder.js';
import type {
  EpisodeRecord,
  GateContext,
  Leadership,
  PatternVerdict,
  RemediationRunnerDeps,
} from './remediation-ports.js';

export type {
  EpisodeRecord,
  EpisodeStore,
  GateContext,
  Leadership,
  PatternVerdict,
  RemediationRunnerDeps,
  StepExecutor,
} from './remediation-ports.js';

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
    const storm = deps.storm(policy, spec, assessment, nowMs);
    const delta: PolicyRecordDelta = { entries: [], storm, escalated: [] };
    const partial = assessment.warnings.length > 0;

    // Per pass, not per target: a policy may select thousands of workloads.
    const ladderOfKind = laddersByKind(spec);
    const recoveryMs = parseDuration(spec.evaluationInterval);
    let records: EpisodeRecord[] | undefined;
    const currentRecords = () => {
      records ??= [...byName.values()];
      return records;
    };
    const remember = (r: EpisodeRecord) => {
      byName.set(r.name, r);
      records = undefined;
    };

    const seen = new Set(assessment.targets.map((t) => deps.workload(t.target)?.metadata.uid));
    // First the episodes of targets gone or deselected: closed, they stop holding a slot the others need.
    for (const r of open.values()) {
      if (seen.has(r.targetUid) || leadership.signal.aborted) continue;
      try {
        const still = await this.unassessed(policy, spec, r, leadership, delta, remember);
        // Escalated episodes of targets not assessed this pass (deselected) still count until closed.
        if (still.open && still.status.phase === 'Escalated') delta.escalated.push(describe(r.target));
      } catch (error) {
        if (leadership.signal.aborted) return;
        deps.logger.warn(
          { target: describe(r.target), err: String(error) },
          'could not close the episode of an unassessed target; retrying next cycle',
        );
      }
    }
    for (const assessed of assessment.targets) {
      if (leadership.signal.aborted) return;
      const target = deps.workload(assessed.target);
      const uid = target?.metadata.uid;
      if (!target || !uid) continue;
      const record = open.get(uid);
      const context: GateContext = {
        policy,
        spec,
        assessment,
        target,
        targetKey: uid,
        records: currentRecords(),
        nowMs,
      };
      // The step the gates let through, or would have but for dry run: a dry run previews a stand-down as well.
      let wouldAct: string | undefined;
      const input: PlanInput = {
        episode: record?.status,
        // What the decision rests on: detection's verdict (rules, status signals, ML anomaly, and a prediction that
        // made a pod at risk). Pattern analysis comes after the gates, below.
        observation: { state: assessed.state, partial, fallbackOnly: fallbackOnly(assessed) },
        config: {
          ladder: ladderOfKind(target.kind),
          actOnFallback: spec.detection.ml.actOnFallback,
          // Two healthy evaluations in a row, never one quiet cycle, make a recovery.
          recoveryMs,
        },
        gate: (step, episode) => {
          const v = deps.gates(context, step, episode);
          if (v.allowed || v.reason === SkipReason.DryRun) wouldAct = step.name;
          return v;
        },
        targetName: describe(assessed.target),
        targetKey: uid,
        resetRequested: record?.resetRequested ?? false,
        nowMs,
        newId: this.newId,
      };
      let plan = planEpisode(input);
      // Pattern analysis only for a fresh action the gates allowed (never per pod per cycle): an anomaly that a
      // recurring pattern explains is expected, and the step is skipped as ExpectedPattern by the same machinery.
      const fresh = record?.status.phase !== 'Acting' ? (plan.execute?.step ?? wouldAct) : undefined;
      const verdict = fresh ? await this.expectation(policy, spec, target, assessed) : undefined;
      // A pattern may hold an episode back for a bounded time only (src/remediation/stand-down.ts).
      const overstayed = verdict?.expected ? standDownOverstayed(record?.status.actions, nowMs) : undefined;
      const standsDown = verdict?.expected === true && overstayed === undefined;
      if (standsDown && verdict) {
        const expected = skipResult(SkipReason.ExpectedPattern, verdict.message);
        const allowed = input.gate;
        plan = planEpisode({
          ...input,
          gate: (step, episode) => {
            const v = allowed(step, episode);
            const passes = v.allowed || v.reason === SkipReason.DryRun;
            return passes && step.name === fresh ? { allowed: false, ...expected } : v;
          },
        });
      }
      // No episode and none to start (a healthy target: most of them, every cycle): nothing to write, no async step.
      if (!plan.status) continue;
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
          (step, episode) => deps.gates(context, step, episode),
          standsDown ? undefined : overstayed ? `${verdict?.message}; ${overstayed}` : verdict?.message,
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
    gate: (step: LadderStep, episode: EpisodeStatus) => GateVerdict,
    /** What pattern analysis said about a not-expected anomaly (e.g. unavailable): kept with the action. */
    guidance?: string,
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
    await this.note(policy, target, assessed.target, status, plan.notes, spec, delta);
    if (!intent) return current;

    const alreadyHappened: ExecutionResult = {
      result: 'done',
      message: `${intent.action} ${describe(assessed.target)} had already happened (intent ${intent.id} found carried out in the cluster)`,
    };
    // A predecessor persisted this intent and never carried it out; since then the policy may have been paused,
    // put in dry run (or the engine restarted with --dry-run), the namespace opted out: the gates of now decide.
    const refused = resumed ? refusal(gate, ladderOf(spec), intent.step, current.status) : undefined;
    let outcome: ExecutionResult;
    if (await deps.executor.happened(intent, target)) {
      outcome = alreadyHappened;
    } else if (!step) {
      // The policy changed while the intent was persisted: its step is gone from the ladder. Left unsettled, the
      // record would stay Acting forever (and count against maxConcurrent); settled as blocked, it costs no attempt.
      outcome = {
        result: 'blocked',
        reason: 'PreconditionFailed',
        message: `step ${intent.step} is no longer in the policy; intent ${intent.id} dropped without acting on ${describe(assessed.target)}`,
      };
    } else if (refused) {
      outcome = {
        result: 'blocked',
        reason: refused.reason,
        message: `${refused.message}; intent ${intent.id} dropped without acting`,
      };
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
      if (guidance) outcome = { ...outcome, message: `${outcome.message}; ${guidance}` };
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
    await this.note(policy, target, assessed.target, settled.status, [settled.note], spec, delta);
    return written;
  }

  /** The pattern hook's answer; a hook that throws is an outage: act as before, and say so. */
  private async expectation(
    policy: KubeObject,
    spec: PolicySpec,
    target: KubeObject,
    assessed: TargetAssessment,
  ): Promise<PatternVerdict | undefined> {
    if (!this.deps.expected) return undefined;
    try {
      return await this.deps.expected(policy, spec, target, assessed);
    } catch (error) {
      return {
        expected: false,
        message: `pattern analysis failed (${error instanceof Error ? error.message : String(error)}); acted on rules and anomaly`,
      };
    }
  }

  /** Closes the open episode of a target that was deleted or deselected (see planUnassessed). */
  private async unassessed(
    policy: KubeObject,
    spec: PolicySpec,
    record: EpisodeRecord,
    leadership: Leadership,
    delta: PolicyRecordDelta,
    remember: (written: EpisodeRecord) => void,
  ): Promise<EpisodeRecord> {
    // A record's kind is one of the target kinds it was created for; any other finds no workload (gone).
    const ref = record.target as TargetAssessment['target'];
    const workload = this.deps.workload(ref);
    const plan = planUnassessed({
      episode: record.status,
      gone: workload?.metadata.uid !== record.targetUid,
      resetRequested: record.resetRequested,
      targetName: describe(record.target),
      targetKey: record.targetUid,
      nowMs: this.deps.clock.now(),
    });
    if (!plan.changed || !plan.status) return record;
    const written = await this.deps.store.update(record, plan.status, !plan.closed, leadership);
    remember(written);
    if (plan.closed) this.deps.finished?.(written);
    const subject = workload?.metadata.uid === record.targetUid ? workload : undefined;
    await this.note(policy, subject, ref, plan.status, plan.notes, spec, delta);
    return written;
  }

  private async note(
    policy: KubeObject,
    target: KubeObject | undefined,
    ref: TargetAssessment['target'],
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
        target: ref,
        step: status.step,
        attempt: status.attempts || undefined,
        dryRun: spec.safety.dryRun,
        note: n,
      } as PolicyRecordDelta['entries'][number]);
      const options = { key: n.key };
      if (target) await deps.events.record(target, n.type, n.reason, n.message, options);
      await deps.events.record(policy, n.type, n.reason, `${describe(ref)}: ${n.message}`, options);
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

export type { PolicyStatus };
