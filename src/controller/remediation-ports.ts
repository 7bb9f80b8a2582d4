import type { Logger } from 'pino';
import type { PolicyAssessment, TargetAssessment } from '../detection/assessment.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type {
  EpisodeStatus,
  ExecutionResult,
  GateVerdict,
  Intent,
  LadderStep,
} from '../remediation/episode.js';
import type { PolicyRecordDelta } from '../remediation/policy-record.js';
import type { Clock } from '../time/clock.js';
import type { ObjectEvents } from './event-recorder.js';
import type { TermContext } from './leadership.js';

/** What the remediation runner needs from the rest of the engine, as small interfaces (the composition root wires them). */

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

export interface PatternVerdict {
  expected: boolean;
  message: string;
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
  events: ObjectEvents;
  /** Applies this pass to the policy's status (history, lastAction, counters, StormActive, Escalated). */
  writePolicyStatus(policy: KubeObject, delta: PolicyRecordDelta): Promise<void>;
  metrics?: {
    acted(action: string, result: string): void;
    skipped(reason: string): void;
    escalated(): void;
    timeToRemediate(seconds: number): void;
  };
  /**
   * Whether a recurring pattern explains the target's anomaly (ML pattern analysis): asked only for a fresh
   * action the gates allowed, right before it is persisted. `expected` skips it (ExpectedPattern); otherwise the
   * message (e.g. the analysis was unavailable) is added to the action's record. Undefined: no opinion.
   */
  expected?(
    policy: KubeObject,
    spec: PolicySpec,
    target: KubeObject,
    assessed: TargetAssessment,
  ): Promise<PatternVerdict | undefined>;
  /** A record was just closed: its episode is finished (feedback reads it back). Must not block or throw. */
  finished?(record: EpisodeRecord): void;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}
