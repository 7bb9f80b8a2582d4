import { type Cure, isTrouble, type ResolvedBehaviour } from './behaviour-spec.js';
import type { NormalShape, Regime, Trouble } from './container-sim.js';

/**
 * What cures a workload's trouble, remembered per workload (Deployment, StatefulSet, or a bare Pod) so that a cure
 * lasts. An episode begins when the workload's behaviour or recovers-after value changes; its cure is:
 * - restart: deleting (or evicting) a troubled pod; pods created after that are healthy;
 * - rollout-restart: a new pod template (a rollout of any kind); its pods are healthy;
 * - rollback: only pods of the newest ReplicaSet / revision misbehave;
 * - scale: scaling the workload above the replica count the episode began with; every pod is healthy after;
 * - never: nothing.
 * bad-rollout is trouble in the next rollout: pods of a revision created after the annotation appeared, while it
 * is the newest one, crash; the revisions that existed before keep working, so `rollout undo` cures it.
 * A pod that is restarted without the cure starts healthy and its trouble returns after the behaviour's delay.
 */
export interface Episode {
  readonly id: string;
  readonly since: number;
  readonly baselineReplicas: number;
  /** Pod-template hashes (or revision hashes) that existed when the episode began. */
  readonly knownTemplates: ReadonlySet<string>;
  curedAt: number | undefined;
}

export interface WorkloadFacts {
  replicas: number;
  /** Template hashes of the workload's ReplicaSets / ControllerRevisions, oldest created first. */
  templatesByCreation: readonly string[];
}

export interface PodFacts {
  templateHash: string | undefined;
  createdMs: number;
}

/** Bare pods' episodes outlive the pods (a pod re-created by hand is the same workload); this bounds them. */
const MAX_EPISODES = 20_000;

export class TroubleLedger {
  private readonly episodes = new Map<string, Episode>();

  /** The episode in force for `workload`, starting a new one when the behaviour or its cure changed. */
  episode(workload: string, behaviour: ResolvedBehaviour, facts: WorkloadFacts, nowMs: number): Episode {
    const id = `${behaviour.behaviour}|${behaviour.cure}`;
    const existing = this.episodes.get(workload);
    if (existing && existing.id === id) {
      if (
        behaviour.cure === 'scale' &&
        existing.curedAt === undefined &&
        facts.replicas > existing.baselineReplicas
      )
        existing.curedAt = nowMs;
      return existing;
    }
    const episode: Episode = {
      id,
      since: nowMs,
      baselineReplicas: facts.replicas,
      knownTemplates: new Set(facts.templatesByCreation),
      curedAt: undefined,
    };
    this.episodes.delete(workload);
    this.episodes.set(workload, episode);
    if (this.episodes.size > MAX_EPISODES) {
      const oldest = this.episodes.keys().next().value;
      if (oldest !== undefined) this.episodes.delete(oldest);
    }
    return episode;
  }

  /** A troubled pod of `workload` was deleted or evicted: the restart cure, if that is the cure. */
  restarted(workload: string, cure: Cure, nowMs: number): void {
    const episode = this.episodes.get(workload);
    if (episode && cure === 'restart' && episode.curedAt === undefined) episode.curedAt = nowMs;
  }

  forget(workload: string): void {
    this.episodes.delete(workload);
  }
}

/** Does this pod misbehave now? */
export function isTroubled(
  behaviour: ResolvedBehaviour,
  episode: Episode,
  workload: WorkloadFacts,
  pod: PodFacts,
): boolean {
  if (!isTrouble(behaviour.behaviour)) return false;
  const newest = workload.templatesByCreation[workload.templatesByCreation.length - 1];
  // A bad rollout is the next one: revisions that existed when the annotation appeared keep working.
  if (behaviour.behaviour === 'bad-rollout') {
    return (
      pod.templateHash !== undefined &&
      pod.templateHash === newest &&
      !episode.knownTemplates.has(pod.templateHash)
    );
  }
  if (behaviour.cure === 'rollback') {
    return pod.templateHash === undefined || newest === undefined || pod.templateHash === newest;
  }
  switch (behaviour.cure) {
    case 'restart':
      // Timestamps have whole seconds: a pod created in the second of the restart counts as its replacement.
      return episode.curedAt === undefined || pod.createdMs < Math.floor(episode.curedAt / 1000) * 1000;
    case 'rollout-restart':
      return pod.templateHash === undefined || episode.knownTemplates.has(pod.templateHash);
    case 'scale':
      return episode.curedAt === undefined;
    default:
      return true;
  }
}

const TROUBLE: Record<string, Trouble> = {
  crashloop: 'crash',
  'bad-rollout': 'crash',
  'memory-leak': 'leak',
  'cpu-saturation': 'saturate',
};

/** The regime of the misbehaving container (the others get the normal shape only). */
export function regimeFor(behaviour: ResolvedBehaviour, troubled: boolean, since: number): Regime {
  const normal: NormalShape =
    behaviour.behaviour === 'noisy'
      ? 'noisy'
      : behaviour.behaviour === 'daily-peak'
        ? 'daily-peak'
        : 'steady';
  return { normal, trouble: troubled ? (TROUBLE[behaviour.behaviour] ?? 'none') : 'none', since };
}
