import type { EpisodeRecord, EpisodeStore, Leadership } from '../controller/remediation-runner.js';
import type { EpisodeStatus } from '../remediation/episode.js';
import type {
  Decision,
  PolicyRef,
  RemediationRecord,
  RemediationStatus,
  TargetRef,
} from '../remediation/record.js';
import { draftRemediation } from '../remediation/record-identity.js';
import type { KubeObject } from './kube-object.js';
import { RemediationGc } from './remediation-gc.js';
import { ConflictError, type RemediationStore } from './remediation-store.js';

/** A person resets an escalated episode by annotating its record (docs/safety.md). */
export const RESET_ANNOTATION = 'coordination-engine.io/reset-escalation';

type Stored = EpisodeRecord & { raw: RemediationRecord };

export function policyRefOf(policy: KubeObject): PolicyRef {
  const cluster = policy.kind === 'ClusterRemediationPolicy';
  return {
    kind: cluster ? 'ClusterRemediationPolicy' : 'RemediationPolicy',
    name: policy.metadata.name,
    ...(cluster ? {} : { namespace: policy.metadata.namespace ?? 'default' }),
    uid: policy.metadata.uid ?? '',
  };
}

function targetRefOf(target: KubeObject): TargetRef {
  return {
    apiVersion: target.apiVersion ?? (target.kind === 'Pod' ? 'v1' : 'apps/v1'),
    kind: target.kind ?? '',
    namespace: target.metadata.namespace ?? 'default',
    name: target.metadata.name,
    uid: target.metadata.uid ?? '',
  };
}

/** The record's status as the pure episode machine reads it; a record written without a phase is Pending. */
function toEpisode(status: RemediationStatus): EpisodeStatus {
  return {
    phase: status.phase ?? 'Pending',
    stepIndex: status.stepIndex ?? 0,
    step: status.step ?? '',
    attempts: status.attempts ?? 0,
    startTime: status.startTime ?? new Date(0).toISOString(),
    actions: status.actions.map((a) => ({ ...a, message: a.message ?? '' })),
    ...(status.lastActionTime ? { lastActionTime: status.lastActionTime } : {}),
    ...(status.verifyDeadline ? { verifyDeadline: status.verifyDeadline } : {}),
    ...(status.completionTime ? { completionTime: status.completionTime } : {}),
    ...(status.intent ? { intent: status.intent } : {}),
    ...(status.outcome ? { outcome: status.outcome } : {}),
    ...(status.lastSkip ? { lastSkip: status.lastSkip } : {}),
    ...(status.healthySince ? { healthySince: status.healthySince } : {}),
  };
}

function toRecordStatus(
  episode: EpisodeStatus,
  previous: RemediationStatus | undefined,
  decision?: Decision,
): RemediationStatus {
  const escalated = episode.phase === 'Escalated';
  const time = episode.completionTime ?? episode.lastActionTime ?? episode.startTime;
  const hadEscalated = previous?.conditions.find((c) => c.type === 'Escalated');
  const conditions = escalated
    ? [
        {
          type: 'Escalated' as const,
          status: 'True' as const,
          reason: 'LadderExhausted',
          message: `escalated at step ${episode.step} after ${episode.attempts} attempt(s)`,
          lastTransitionTime: hadEscalated?.status === 'True' ? hadEscalated.lastTransitionTime : time,
        },
      ]
    : (previous?.conditions ?? []);
  return {
    ...episode,
    conditions,
    ...((decision ?? previous?.decision) ? { decision: decision ?? previous?.decision } : {}),
  } as RemediationStatus;
}

function toStored(raw: RemediationRecord): Stored {
  const target = raw.spec?.targetRef;
  return {
    name: raw.metadata.name,
    namespace: raw.metadata.namespace ?? '',
    ...(raw.metadata.resourceVersion ? { resourceVersion: raw.metadata.resourceVersion } : {}),
    targetUid: target?.uid ?? '',
    target: { kind: target?.kind ?? '', namespace: target?.namespace ?? '', name: target?.name ?? '' },
    open: raw.open,
    dryRun: raw.spec?.dryRun ?? false,
    resetRequested: raw.metadata.annotations?.[RESET_ANNOTATION] !== undefined,
    status: toEpisode(raw.status),
    raw,
  };
}

/** Remediation records (crds/remediation.yaml) as the runner's durable per-target episode state. */
export class KubeEpisodeStore implements EpisodeStore {
  private readonly gc: RemediationGc;

  constructor(
    private readonly store: RemediationStore,
    private readonly nowMs: () => number,
  ) {
    this.gc = new RemediationGc(store);
  }

  async list(policy: KubeObject, leadership: Leadership): Promise<EpisodeRecord[]> {
    const records = await this.store.listAll(policyRefOf(policy), leadership.signal);
    return records.filter((r) => r.spec !== undefined).map(toStored);
  }

  async create(
    policy: KubeObject,
    target: KubeObject,
    status: EpisodeStatus,
    extra: { dryRun: boolean; decision: unknown },
    leadership: Leadership,
  ): Promise<EpisodeRecord> {
    const wanted = toRecordStatus(status, undefined, extra.decision as Decision);
    const raw = await this.store.create(
      leadership,
      draftRemediation({
        policy: policyRefOf(policy),
        target: targetRefOf(target),
        dryRun: extra.dryRun,
        episodeStartMs: Date.parse(status.startTime),
        status: wanted,
      }),
    );
    // Joined an existing record instead (same deterministic name): never act on an intent we did not write.
    if (raw.status.intent?.id !== status.intent?.id || raw.status.phase !== status.phase) {
      throw new ConflictError(
        raw.metadata.namespace ?? '',
        raw.metadata.name,
        `Remediation ${raw.metadata.namespace}/${raw.metadata.name} exists already with another status`,
      );
    }
    return toStored(raw);
  }

  async update(
    record: EpisodeRecord,
    status: EpisodeStatus,
    open: boolean,
    leadership: Leadership,
  ): Promise<EpisodeRecord> {
    const { raw } = record as Stored;
    let written = await this.store.updateStatus(leadership, raw, toRecordStatus(status, raw.status));
    if (!open && written.open) written = await this.store.close(leadership, written);
    return toStored(written);
  }

  async collect(
    policy: KubeObject,
    _records: readonly EpisodeRecord[],
    retentionMs: number,
    leadership: Leadership,
  ): Promise<number> {
    const result = await this.gc.collect(leadership, policyRefOf(policy), retentionMs, this.nowMs());
    return result.deleted.length;
  }
}
