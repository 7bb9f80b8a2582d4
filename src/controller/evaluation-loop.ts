import type { Logger } from 'pino';
import type { PolicyAssessment } from '../detection/assessment.js';
import type { AssessmentStore } from '../detection/assessment-store.js';
import type { PolicyTargets } from '../detection/detection-cycle.js';
import type { RuleTracker } from '../detection/rule-tracker.js';
import { type TargetTransition, targetTransitions } from '../detection/target-transitions.js';
import type { KubeObject } from '../kube/kube-object.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import { type PolicyValidation, validatePolicySpec } from '../policy/validate.js';
import type { Clock } from '../time/clock.js';
import { keyOf } from './informer.js';
import { policyScopeOf } from './policy-scope.js';

export interface EvaluationLoopDeps {
  /** False until the informer caches have synced: a partial cache would judge a partial cluster. */
  ready: () => boolean;
  policies: () => readonly KubeObject[];
  targetsFor(policy: KubeObject, spec: PolicySpec): PolicyTargets['targets'];
  /**
   * The policy's validation by its kind; the loop looks at every policy in each pass, so the engine passes
   * one remembered per uid and generation (validated-policies.ts). The returned spec is not mutated.
   */
  validate?: (policy: KubeObject) => PolicyValidation;
  detection: {
    run(policies: readonly PolicyTargets[], nowMs: number): Promise<Map<string, PolicyAssessment>>;
  };
  store: AssessmentStore;
  rules: Pick<RuleTracker, 'forget'>;
  clock: Clock;
  /**
   * Longest wait between passes when nothing calls wake(): the engine wakes the loop when a policy appears, goes or
   * is edited, so this is a safety net (and the wait before retrying a failed pass). Due policies run at their
   * slot, not on this beat.
   */
  tickMs: number;
  /** Called with the keys of the policies just assessed, so the reconciler converges their status. */
  onEvaluated(keys: string[]): void;
  /** Called for each policy whose targets changed verdict (newly anomalous, or healthy again). */
  onTransitions?(policy: KubeObject, transitions: TargetTransition[]): Promise<void>;
  /** Called with each fresh assessment, after it is stored: remediation acts on it (only the leader runs this). */
  onAssessed?(policy: KubeObject, spec: PolicySpec, assessment: PolicyAssessment): Promise<void>;
  /** Shadow mode's agreement counts (src/server/shadow-metrics.ts), per evaluation; forgotten with the policy. */
  shadow?: {
    record(policy: string, tally: NonNullable<PolicyAssessment['shadow']>): void;
    forget(policy: string): void;
  };
  logger: Logger;
  /**
   * Called as a pass with due policies starts, and what it returns as that pass ends: the event-loop lag monitor
   * watches closely while the loop works (src/server/event-loop-lag.ts). The beat that finds nothing due is not
   * work.
   */
  attend?: () => () => void;
}

/**
 * A pass started at most this long after its slot takes the slot as its time (a timer fires a little late, more
 * under load); one started later (behind a cycle that overran) takes the time it actually started.
 */
const SLOT_LATENESS_MS = 1_000;

/** How often a pass is retried while the caches have not synced (at most; tickMs when that is shorter). */
const UNSYNCED_RETRY_MS = 1_000;

/** A policy a pass assesses. */
type DuePolicy = PolicyTargets & {
  generation: number | undefined;
  object: KubeObject;
  intervalMs: number;
  onGrid: boolean;
};

/** What an immediate evaluation of one policy produced (evaluateNow). */
export interface ImmediateEvaluation {
  key: string;
  /** False when the policy was not evaluated (deleted, being deleted, or its spec is invalid). */
  evaluated: boolean;
  assessment?: PolicyAssessment;
  /** Wall-clock times: the pass began, detection finished, remediation finished deciding. */
  startedAtMs: number;
  assessedAtMs?: number;
  decidedAtMs?: number;
  /** Set when remediation failed on this assessment (it is retried on the next cycle, as for any pass). */
  remediationError?: string;
}

/** evaluateNow on a loop that is not running: this replica is not the leader (or is shutting down). */
export class EvaluationNotRunningError extends Error {
  override readonly name = 'EvaluationNotRunningError';
}

/** evaluateNow before the caches have synced: the leader cannot judge anything yet (retry shortly). */
export class EvaluationNotReadyError extends Error {
  override readonly name = 'EvaluationNotReadyError';
}

interface Waiter {
  resolve(result: ImmediateEvaluation): void;
  reject(error: unknown): void;
}

/**
 * Runs detection for every policy that is due, all in one DetectionCycle, then hands the keys to the
 * reconciler. Only the leader runs it. A cycle that fails is logged and retried on the next tick; it never
 * throws out of the loop.
 *
 * Evaluations follow a fixed grid: slot k of a policy is anchor + k * interval, one anchor for the whole loop, so
 * policies with the same interval share cycles (one query set) and a cycle's duration never pushes the next one
 * later. (Scheduling each cycle an interval after the previous one, less a slack, ran 30 s policies every 29.2 s.)
 * A new or changed policy is assessed at once and then joins the grid at its next slot; slots missed while a cycle
 * overran are skipped, not made up in a burst.
 */
export class EvaluationLoop {
  private cancel: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  /** The grid's origin: the first pass of this loop. */
  private anchorMs: number | undefined;
  /** Policy key -> the slot at which it is next due. */
  private readonly nextDueMs = new Map<string, number>();
  /** Immediate evaluations asked for and not yet claimed by a pass, by policy key. */
  private requested = new Map<string, Waiter[]>();
  private inPass = false;
  private wakeAfterPass = false;
  /** The last pass failed: the next one waits a beat, rather than retrying at once and failing again at once. */
  private passFailed = false;
  /** Policy key -> the uid it was assessed under: a policy recreated under the same name starts afresh. */
  private readonly uidOf = new Map<string, string | undefined>();

  private readonly validate: (policy: KubeObject) => PolicyValidation;

  constructor(private readonly deps: EvaluationLoopDeps) {
    // A namespaceSelector is valid on a ClusterRemediationPolicy only: the kind decides what may be judged.
    this.validate =
      deps.validate ?? ((policy) => validatePolicySpec(policy.spec, policyScopeOf(policy).scope));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Each run (a leadership term) lays its own grid from its first pass.
    this.anchorMs = undefined;
    this.nextDueMs.clear();
    this.uidOf.clear();
    this.schedule(0);
  }

  /** Stops scheduling and waits for a cycle in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    const pending = this.requested;
    this.requested = new Map();
    for (const waiters of pending.values())
      for (const w of waiters) w.reject(new EvaluationNotRunningError('the evaluation loop stopped'));
    await this.running;
  }

  /**
   * Evaluates these policies in a pass that starts at once (or right after the one in flight), whatever their
   * interval: the same pass, detection, transitions and remediation as a scheduled evaluation, so every gate
   * applies. Resolves per policy once remediation has decided on the fresh assessment. Only a running loop (the
   * leader's) takes requests.
   */
  evaluateNow(keys: readonly string[]): Promise<ImmediateEvaluation[]> {
    if (this.stopped) return Promise.reject(new EvaluationNotRunningError('this replica is not evaluating'));
    // Until the caches have synced no pass runs: refuse instead of keeping a waiter per alert and trigger meanwhile.
    if (!this.deps.ready())
      return Promise.reject(
        new EvaluationNotReadyError('the caches have not synced yet; nothing can be judged'),
      );
    const results = [...new Set(keys)].map(
      (key) =>
        new Promise<ImmediateEvaluation>((resolve, reject) => {
          const waiters = this.requested.get(key) ?? [];
          waiters.push({ resolve, reject });
          this.requested.set(key, waiters);
        }),
    );
    this.wake();
    return Promise.all(results);
  }

  /**
   * A policy was added, edited or deleted: look now, not at the next beat. A new or edited policy is then
   * assessed at once; a pass that finds nothing due is cheap. A burst of wakes makes one pass.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.inPass) this.wakeAfterPass = true;
    else this.schedule(0);
  }

  /**
   * The live, valid policies whose current targets include one that `matches` (by the target, or one of its
   * pods): the policies an alert about a workload concerns. Selection is the evaluation's own (targetsFor).
   */
  policiesSelecting(matches: (entry: PolicyTargets['targets'][number]) => boolean): KubeObject[] {
    return this.deps.policies().filter((policy) => {
      if (policy.metadata.deletionTimestamp) return false;
      const validation = this.validate(policy);
      return validation.valid && this.deps.targetsFor(policy, validation.spec).some(matches);
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.cancel?.();
    this.cancel = this.deps.clock.schedule(() => {
      this.inPass = true;
      const next = () => {
        this.inPass = false;
        const again = this.wakeAfterPass || this.requested.size > 0;
        const failed = this.passFailed;
        this.wakeAfterPass = false;
        this.passFailed = false;
        // Requests and wakes that arrived during the pass run next; unready caches are retried shortly; a failed
        // pass (its due policies still due) is retried a beat later.
        const delay = failed ? this.deps.tickMs : this.delayToNextPass();
        this.schedule(again && this.deps.ready() ? 0 : delay);
      };
      this.running = this.tick().then(next, next);
    }, delayMs);
  }

  /** Until the earliest slot, but no longer than tickMs (or the unsynced retry while the caches sync). */
  private delayToNextPass(): number {
    const now = this.deps.clock.now();
    let delay = this.deps.ready() ? this.deps.tickMs : Math.min(this.deps.tickMs, UNSYNCED_RETRY_MS);
    for (const due of this.nextDueMs.values()) delay = Math.min(delay, Math.max(0, due - now));
    return delay;
  }

  /** The first slot of the grid strictly after `atMs`. */
  private slotAfter(atMs: number, intervalMs: number): number {
    return this.slotAtOrBefore(atMs, intervalMs) + intervalMs;
  }

  /** The latest slot of the grid at or before `atMs`. */
  private slotAtOrBefore(atMs: number, intervalMs: number): number {
    const anchor = this.anchorMs ?? atMs;
    return anchor + Math.floor((atMs - anchor) / intervalMs) * intervalMs;
  }

  private forget(key: string): void {
    this.deps.store.delete(key);
    this.deps.rules.forget(key);
    this.deps.shadow?.forget(key);
    this.nextDueMs.delete(key);
    this.uidOf.delete(key);
  }

  /** One pass: assess the due policies. Exposed for tests. Never throws: a failed pass is retried a beat later. */
  async tick(): Promise<string[]> {
    if (!this.deps.ready()) return [];
    const claimed = this.requested;
    this.requested = new Map();
    try {
      return await this.assessDue(claimed);
    } catch (error) {
      this.passFailed = true;
      this.deps.logger.error({ err: error }, 'detection cycle failed; retrying on the next beat');
      for (const waiters of claimed.values()) for (const w of waiters) w.reject(error);
      return [];
    }
  }

  private async assessDue(claimed: ReadonlyMap<string, Waiter[]>): Promise<string[]> {
    const { deps } = this;
    const now = deps.clock.now();
    this.anchorMs ??= now;
    const settle = (key: string, result: Omit<ImmediateEvaluation, 'key' | 'startedAtMs'>) => {
      for (const w of claimed.get(key) ?? []) w.resolve({ key, startedAtMs: now, ...result });
    };
    const due: DuePolicy[] = [];
    const present = new Set<string>();
    for (const policy of deps.policies()) {
      const key = keyOf(policy);
      present.add(key);
      // Being deleted: nothing more to assess, and no slot to wake for.
      if (policy.metadata.deletionTimestamp) {
        this.forget(key);
        continue;
      }
      // Deleted and created again under the same name (events missed, or both within one pass): a new policy.
      const uid = policy.metadata.uid;
      if (this.uidOf.has(key) && this.uidOf.get(key) !== uid) this.forget(key);
      this.uidOf.set(key, uid);
      const validation = this.validate(policy);
      if (!validation.valid) {
        this.forget(key);
        continue;
      }
      if (!validation.spec.detection.ml.shadow) deps.shadow?.forget(key);
      const stored = deps.store.get(key);
      const generation = policy.metadata.generation;
      const interval = parseDuration(validation.spec.evaluationInterval);
      // Without an assessment for this generation it is due at once (new, edited, or a new leadership term).
      const onGrid = stored !== undefined && stored.generation === generation;
      // An immediate evaluation (evaluateNow) is due whatever the grid says; the grid itself stays.
      const notYet = now < (this.nextDueMs.get(key) ?? this.slotAfter(stored?.ranAtMs ?? now, interval));
      if (onGrid && notYet && !claimed.has(key)) continue;
      due.push({
        key,
        generation,
        intervalMs: interval,
        onGrid,
        object: policy,
        spec: validation.spec,
        targets: deps.targetsFor(policy, validation.spec),
      });
    }
    for (const key of [...deps.store.keys(), ...this.nextDueMs.keys(), ...this.uidOf.keys()]) {
      if (!present.has(key)) this.forget(key);
    }
    const dueKeys = new Set(due.map((p) => p.key));
    for (const key of claimed.keys()) if (!dueKeys.has(key)) settle(key, { evaluated: false });
    if (due.length === 0) return [];
    const release = deps.attend?.();
    try {
      return await this.assess(due, claimed, now, settle);
    } finally {
      release?.();
    }
  }

  /** Detection, transitions and remediation for the due policies, on the slot's time. */
  private async assess(
    due: DuePolicy[],
    claimed: ReadonlyMap<string, Waiter[]>,
    now: number,
    settle: (key: string, result: Omit<ImmediateEvaluation, 'key' | 'startedAtMs'>) => void,
  ): Promise<string[]> {
    const { deps } = this;
    // The cycle's time is its slot, not the moment the timer fired (a few ms later, more under load): rule clocks
    // then measure `for` in whole intervals, and `for: 30s` at a 30 s interval fires on the second evaluation that
    // holds, never on the third because a timer was 2 ms later the first time. A cycle started late, behind one
    // that overran, keeps its own time.
    const slots = due.filter((p) => p.onGrid).map((p) => this.slotAtOrBefore(now, p.intervalMs));
    const slot = slots.length > 0 ? Math.max(...slots) : now;
    // An immediate evaluation (an alert, a trigger) judges the data of now, never a slot's a moment ago.
    const immediate = due.some((p) => claimed.has(p.key));
    const at = !immediate && now - slot <= SLOT_LATENESS_MS ? slot : now;
    const results = await deps.detection.run(due, at);
    const assessedAtMs = deps.clock.now();
    for (const policy of due) {
      const assessment = results.get(policy.key);
      if (!assessment) {
        settle(policy.key, { evaluated: false });
        continue;
      }
      // An off-grid assessment joins the grid at a slot at least half an interval on, not a moment later.
      const from = policy.onGrid ? at : at + policy.intervalMs / 2;
      this.nextDueMs.set(policy.key, this.slotAfter(from, policy.intervalMs));
      const previous = deps.store.get(policy.key)?.assessment;
      deps.store.set(policy.key, { generation: policy.generation, ranAtMs: at, assessment });
      if (assessment.shadow) deps.shadow?.record(policy.key, assessment.shadow);
      const transitions = targetTransitions(previous, assessment);
      if (transitions.length > 0) await deps.onTransitions?.(policy.object, transitions);
      let remediationError: string | undefined;
      try {
        await deps.onAssessed?.(policy.object, policy.spec, assessment);
      } catch (error) {
        remediationError = error instanceof Error ? error.message : String(error);
        deps.logger.error({ err: error, policy: policy.key }, 'remediation pass failed; retrying next cycle');
      }
      settle(policy.key, {
        evaluated: true,
        assessment,
        assessedAtMs,
        decidedAtMs: deps.clock.now(),
        ...(remediationError ? { remediationError } : {}),
      });
    }
    const keys = due.map((p) => p.key);
    const warnings = [...new Set([...results.values()].flatMap((a) => a.warnings))];
    if (warnings.length > 0)
      deps.logger.warn({ warnings }, 'metrics came with warnings (e.g. a Thanos partial response)');
    deps.logger.debug({ policies: keys }, 'detection cycle done');
    deps.onEvaluated(keys);
    return keys;
  }
}
