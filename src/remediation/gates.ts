import { type BlastRadiusInput, checkBlastRadius } from './blast-radius.js';
import type { IntOrPercent } from './int-or-percent.js';
import { formatSeconds } from './messages.js';
import { describeGitOps, describeHelm, describeOperator, type Ownership } from './ownership.js';
import { SkipReason, type SkipResult, skipResult } from './skip-reasons.js';
import { DEFAULT_STORM_CONFIG, type StormConfig, type StormState, stormMessage } from './storm.js';

export type ActionType = 'RestartPod' | 'RolloutRestart' | 'Scale' | 'Rollback' | 'RecommendOnly';
export type OwnershipHandling = 'Refuse' | 'Recommend' | 'AllowNonConflicting';

/** spec.safety, with durations already parsed to milliseconds. Mirrors the policy schema; kept separate on purpose. */
export interface GateConfig {
  dryRun: boolean;
  paused: boolean;
  pausedReason?: string;
  /** Per target, after each action. */
  cooldownMs: number;
  /** Per policy, rolling 60-minute window. */
  maxActionsPerHour: number;
  /** Episodes of the policy acting or verifying at once. */
  maxConcurrent: number;
  /** Blast radius: integer or percent of the selected targets (rounded up). */
  maxUnhealthy: IntOrPercent;
  storm: StormConfig;
  /** Actions per episode. */
  maxAttempts: number;
  ownership: { gitOps: OwnershipHandling; helm: OwnershipHandling; operator: OwnershipHandling };
}

export const DEFAULT_GATE_CONFIG: GateConfig = {
  dryRun: true,
  paused: false,
  cooldownMs: 10 * 60_000,
  maxActionsPerHour: 3,
  maxConcurrent: 1,
  maxUnhealthy: '50%',
  storm: DEFAULT_STORM_CONFIG,
  maxAttempts: 3,
  ownership: { gitOps: 'Recommend', helm: 'Recommend', operator: 'Refuse' },
};

export interface GateTarget {
  kind: string;
  namespace: string;
  name: string;
}

/** Everything the gates need, precomputed by the caller; the gates only compare. */
export interface GateInput {
  config: GateConfig;
  target: GateTarget;
  /** `detail` extends the dry-run and recommendation text, e.g. "to 4 replicas" or "(pod web-7d9f-abcde)". */
  action: { type: ActionType; detail?: string };
  protection: { protectedNamespace?: string; optedOut?: 'workload' | 'namespace' };
  ownership: Ownership;
  storm: StormState | undefined;
  blastRadius: Omit<BlastRadiusInput, 'maxUnhealthy'>;
  /** When this target was last acted on (any step, any episode). */
  lastActionAtMs?: number;
  /** When this policy acted; times older than 60 minutes are ignored. */
  actionTimesInLastHour: readonly number[];
  /** Episodes of this policy acting or verifying, not counting this target's. */
  openEpisodesOfPolicy: number;
  /** Actions already taken in this target's episode. */
  attempts: number;
  nowMs: number;
}

export type GateSkip = { allowed: false } & SkipResult;
export type GateResult = { allowed: true } | GateSkip;

const HOUR_MS = 60 * 60_000;

const VERBS: Readonly<Record<ActionType, string>> = {
  RestartPod: 'restart-pod',
  RolloutRestart: 'rollout-restart',
  Scale: 'scale',
  Rollback: 'rollback',
  RecommendOnly: 'recommend',
};

/** Actions that leave the declared spec alone, so a GitOps tool, Helm or an operator has nothing to revert. */
const NON_CONFLICTING: ReadonlySet<ActionType> = new Set<ActionType>(['RestartPod', 'RecommendOnly']);

/** "rollout-restart Deployment shop/web to …" — the action as a phrase for messages. */
export function describeAction(input: Pick<GateInput, 'action' | 'target'>): string {
  const { action, target } = input;
  const detail = action.detail ? ` ${action.detail}` : '';
  return `${VERBS[action.type]} ${target.kind} ${target.namespace}/${target.name}${detail}`;
}

type Gate = (input: GateInput) => SkipResult | undefined;

function paused({ config }: GateInput): SkipResult | undefined {
  if (!config.paused) return undefined;
  const why = config.pausedReason?.trim();
  return skipResult(SkipReason.Paused, why ? `policy paused: ${why}` : 'policy paused (spec.safety.paused)');
}

function protection({ protection, target }: GateInput): SkipResult | undefined {
  if (protection.protectedNamespace !== undefined) {
    return skipResult(
      SkipReason.ProtectedNamespace,
      `namespace ${protection.protectedNamespace} is protected (--protected-namespaces)`,
    );
  }
  if (protection.optedOut === 'workload') {
    return skipResult(
      SkipReason.OptedOut,
      `${target.kind} ${target.namespace}/${target.name} is labelled coordination-engine.io/remediation=disabled`,
    );
  }
  if (protection.optedOut === 'namespace') {
    return skipResult(
      SkipReason.OptedOut,
      `namespace ${target.namespace} is labelled coordination-engine.io/remediation=disabled`,
    );
  }
  return undefined;
}

/**
 * Gate 3. Refusals (Refuse handling, or an autoscaler against Scale) beat recommendations, whichever manager
 * they come from; among equals the order is GitOps, Helm, operator.
 */
function ownership(input: GateInput): SkipResult | undefined {
  const { ownership: owned, config, action } = input;
  const managers: { key: keyof GateConfig['ownership']; reason: SkipReason; who: string }[] = [];
  if (owned.gitOps)
    managers.push({ key: 'gitOps', reason: SkipReason.OwnedByGitOps, who: describeGitOps(owned.gitOps) });
  if (owned.helm)
    managers.push({ key: 'helm', reason: SkipReason.OwnedByHelm, who: describeHelm(owned.helm) });
  if (owned.operator) {
    managers.push({
      key: 'operator',
      reason: SkipReason.OwnedByOperator,
      who: describeOperator(owned.operator),
    });
  }
  const target = `${input.target.kind} ${input.target.namespace}/${input.target.name}`;
  const refused = managers.find((m) => config.ownership[m.key] === 'Refuse');
  if (refused) {
    return skipResult(
      refused.reason,
      `owned by ${refused.who}; safety.ownership.${refused.key} is Refuse, so ${target} is left alone`,
    );
  }
  if (owned.autoscaler && action.type === 'Scale') {
    return skipResult(
      SkipReason.AutoscalerOwned,
      `${owned.autoscaler.kind} ${owned.autoscaler.name} scales ${target}; Scale never fights an autoscaler`,
    );
  }
  for (const m of managers) {
    const handling = config.ownership[m.key];
    if (handling === 'Recommend') {
      return skipResult(
        m.reason,
        `owned by ${m.who}; safety.ownership.${m.key} is Recommend: recommending to ${describeAction(input)} instead of acting`,
        { eventType: 'Normal', recommend: true },
      );
    }
    if (handling === 'AllowNonConflicting' && !NON_CONFLICTING.has(action.type)) {
      return skipResult(
        m.reason,
        `owned by ${m.who}; safety.ownership.${m.key} is AllowNonConflicting and ${action.type} changes the ` +
          `declared spec: recommending to ${describeAction(input)} instead of acting`,
        { eventType: 'Normal', recommend: true },
      );
    }
  }
  return undefined;
}

function storm({ storm, config, nowMs }: GateInput): SkipResult | undefined {
  if (!storm?.active) return undefined;
  return skipResult(SkipReason.StormActive, stormMessage(storm, config.storm, nowMs));
}

function blastRadius({ blastRadius, config }: GateInput): SkipResult | undefined {
  const result = checkBlastRadius({ ...blastRadius, maxUnhealthy: config.maxUnhealthy });
  return result.ok ? undefined : skipResult(SkipReason.BlastRadius, result.message);
}

function cooldown({ lastActionAtMs, config, nowMs }: GateInput): SkipResult | undefined {
  if (lastActionAtMs === undefined || lastActionAtMs + config.cooldownMs <= nowMs) return undefined;
  return skipResult(
    SkipReason.Cooldown,
    `cooldown: last action ${formatSeconds(nowMs - lastActionAtMs)} ago, cooldown ${formatSeconds(config.cooldownMs)}`,
  );
}

function rate({ actionTimesInLastHour, config, nowMs }: GateInput): SkipResult | undefined {
  // Times in the future (another replica's clock) still count: erring towards fewer actions is the safe side.
  const recent = actionTimesInLastHour.filter((t) => t > nowMs - HOUR_MS).length;
  if (recent < config.maxActionsPerHour) return undefined;
  return skipResult(
    SkipReason.RateLimited,
    `rate: ${recent} actions in the last hour, at most ${config.maxActionsPerHour}`,
  );
}

function concurrency({ openEpisodesOfPolicy, config }: GateInput): SkipResult | undefined {
  if (openEpisodesOfPolicy < config.maxConcurrent) return undefined;
  return skipResult(
    SkipReason.Concurrency,
    `concurrency: ${openEpisodesOfPolicy} episode(s) acting or verifying, at most ${config.maxConcurrent}`,
  );
}

function attempts({ attempts, config }: GateInput): SkipResult | undefined {
  if (attempts < config.maxAttempts) return undefined;
  return skipResult(SkipReason.MaxAttempts, `attempts: ${attempts} of ${config.maxAttempts} used`);
}

function dryRun(input: GateInput): SkipResult | undefined {
  if (!input.config.dryRun) return undefined;
  return skipResult(SkipReason.DryRun, `would ${describeAction(input)}`);
}

/** The documented order; docs/safety.md lists the same. First failing gate wins. */
export const GATE_ORDER: readonly { name: string; check: Gate }[] = [
  { name: 'Paused', check: paused },
  { name: 'Protection', check: protection },
  { name: 'Ownership', check: ownership },
  { name: 'StormActive', check: storm },
  { name: 'BlastRadius', check: blastRadius },
  { name: 'Cooldown', check: cooldown },
  { name: 'RateLimited', check: rate },
  { name: 'Concurrency', check: concurrency },
  { name: 'MaxAttempts', check: attempts },
  { name: 'DryRun', check: dryRun },
];

/** Evaluates the ten safety gates in order and returns the first skip, or that the action may run. */
export function checkGates(input: GateInput): GateResult {
  for (const gate of GATE_ORDER) {
    const skip = gate.check(input);
    if (skip) return { allowed: false, ...skip };
  }
  return { allowed: true };
}
