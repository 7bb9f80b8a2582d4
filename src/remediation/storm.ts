import { formatIntOrPercent, type IntOrPercent, resolveIntOrPercent } from './int-or-percent.js';
import { formatSeconds } from './messages.js';

/**
 * A remediation storm: so many of a policy's targets are anomalous at once that the cause is probably shared
 * (a bad node, a broken dependency, a bad rollout), and acting on each target would only add churn. While a storm
 * is active every action of the policy is skipped (gate 4, StormActive).
 */
export interface StormState {
  active: boolean;
  /** When the current storm started (only while active). */
  since?: number;
  /** When the count last dropped below the trigger during an active storm (only while active and calm). */
  calmSince?: number;
  /** The counts of the latest evaluation, kept for messages and the StormActive condition. */
  anomalous: number;
  trigger: number;
}

export interface StormCounts {
  /** Targets whose verdict is anomalous (insufficient data does not feed a storm). */
  anomalous: number;
  /** Targets the policy selects. */
  total: number;
}

export interface StormConfig {
  /** Integer, or percentage of the selected targets rounded up. Default 50%. */
  threshold: IntOrPercent;
  /** Floor of the trigger, at least 2. Default 4, so policies of 1–3 targets never storm. */
  minTargets: number;
  /** How long the count must stay below the trigger before the storm ends. Default 15m. */
  cooldownMs: number;
}

export const DEFAULT_STORM_CONFIG: StormConfig = { threshold: '50%', minTargets: 4, cooldownMs: 15 * 60_000 };

/** trigger = max(minTargets, threshold resolved against total). */
export function stormTrigger(total: number, config: StormConfig): number {
  if (!Number.isSafeInteger(config.minTargets) || config.minTargets < 2) {
    throw new Error(`invalid storm.minTargets ${config.minTargets}: expected an integer ≥ 2`);
  }
  return Math.max(config.minTargets, resolveIntOrPercent(config.threshold, total));
}

/**
 * The storm state after one evaluation. A storm starts when anomalous ≥ trigger; once active it ends only after
 * anomalous < trigger has held for cooldownMs. Going back above the trigger during that calm resets it, so a
 * flapping fleet stays in storm.
 */
export function nextStormState(
  previous: StormState | undefined,
  counts: StormCounts,
  config: StormConfig,
  nowMs: number,
): StormState {
  if (!Number.isFinite(config.cooldownMs) || config.cooldownMs < 0) {
    throw new Error(`invalid storm cooldown ${config.cooldownMs} ms`);
  }
  const trigger = stormTrigger(counts.total, config);
  const anomalous = counts.anomalous;
  const storming = anomalous >= trigger;
  if (!previous?.active) {
    return storming
      ? { active: true, since: nowMs, anomalous, trigger }
      : { active: false, anomalous, trigger };
  }
  const since = previous.since ?? nowMs;
  if (storming) return { active: true, since, anomalous, trigger };
  const calmSince = previous.calmSince ?? nowMs;
  if (nowMs - calmSince >= config.cooldownMs) return { active: false, anomalous, trigger };
  return { active: true, since, calmSince, anomalous, trigger };
}

/** One line for the StormActive condition and the skip message, with the real numbers. */
export function stormMessage(state: StormState, config: StormConfig, nowMs: number): string {
  const counts =
    `${state.anomalous} targets anomalous, storm trigger ${state.trigger} ` +
    `(threshold ${formatIntOrPercent(config.threshold)}, minTargets ${config.minTargets})`;
  if (!state.active) return `no storm: ${counts}`;
  const forText = state.since === undefined ? '' : ` for ${formatSeconds(nowMs - state.since)}`;
  const calm =
    state.calmSince === undefined
      ? `; ends after ${formatSeconds(config.cooldownMs)} below the trigger`
      : `; below the trigger for ${formatSeconds(nowMs - state.calmSince)} of the ${formatSeconds(config.cooldownMs)} cooldown`;
  return `storm active${forText}: ${counts}${calm}`;
}
