import { formatIntOrPercent, type IntOrPercent, resolveIntOrPercent } from './int-or-percent.js';

/** A stable key for one target, e.g. its uid or `Deployment/shop/web`; the caller picks, consistently. */
export type TargetKey = string;

export interface BlastRadiusInput {
  /** spec.safety.maxUnhealthy: an integer or a percentage of `total` (rounded up, as a PDB does). */
  maxUnhealthy: IntOrPercent;
  /** Targets the policy selects. */
  total: number;
  /** Targets whose verdict is anomalous or insufficient_data: unknown is not healthy, as in a PDB. */
  notHealthy: ReadonlySet<TargetKey>;
  /** Targets with an open episode that is acting or verifying. */
  underRemediation: ReadonlySet<TargetKey>;
  /** The target about to be acted on; it counts even if it is in neither set. */
  candidate: TargetKey;
}

export type BlastRadiusResult =
  | { ok: true; affected: number; allowed: number }
  | { ok: false; reason: 'BlastRadius'; message: string; affected: number; allowed: number };

/**
 * Gate 5. The action may proceed iff |notHealthy ∪ underRemediation ∪ {candidate}| ≤ allowed, where allowed is
 * maxUnhealthy resolved against the number of selected targets. A one-target policy at the 50% default can act
 * (ceil(0.5) = 1); maxUnhealthy 0 means never.
 */
export function checkBlastRadius(input: BlastRadiusInput): BlastRadiusResult {
  const allowed = resolveIntOrPercent(input.maxUnhealthy, input.total);
  const affectedKeys = new Set<TargetKey>(input.notHealthy);
  for (const key of input.underRemediation) affectedKeys.add(key);
  affectedKeys.add(input.candidate);
  const affected = affectedKeys.size;
  if (affected <= allowed) return { ok: true, affected, allowed };
  return {
    ok: false,
    reason: 'BlastRadius',
    affected,
    allowed,
    message:
      `${affected} of ${input.total} targets unhealthy or under remediation, at most ${allowed} allowed ` +
      `(maxUnhealthy ${formatIntOrPercent(input.maxUnhealthy)})`,
  };
}

/** RestartPod's default restartPod.maxUnavailable. */
export const DEFAULT_RESTART_MAX_UNAVAILABLE = 1;

/**
 * How many pods of one workload RestartPod may evict now, so that at most `maxUnavailable` of its pods are down
 * at a time: maxUnavailable (int, or percent of `replicas` rounded up; default 1; 0 means none), capped at the
 * replica count, minus the pods already not ready or terminating (those are restarts in flight or outages that
 * already spend the budget). Never negative.
 *
 * The caller decides what counts in `podsNotReadyOrTerminating`. Evicting a pod that is itself not ready costs no
 * availability (Kubernetes' unhealthyPodEvictionPolicy: AlwaysAllow reasons the same way); if that pod is counted
 * here, a workload with maxUnavailable 1 and one crash-looping pod gets a budget of 0.
 */
export function restartBudget(
  maxUnavailable: IntOrPercent | undefined,
  replicas: number,
  podsNotReadyOrTerminating: number,
): number {
  if (!Number.isSafeInteger(podsNotReadyOrTerminating) || podsNotReadyOrTerminating < 0) {
    throw new Error(`invalid count of pods not ready or terminating: ${podsNotReadyOrTerminating}`);
  }
  const allowed = Math.min(
    resolveIntOrPercent(maxUnavailable ?? DEFAULT_RESTART_MAX_UNAVAILABLE, replicas),
    replicas,
  );
  return Math.max(0, allowed - podsNotReadyOrTerminating);
}
