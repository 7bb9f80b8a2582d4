import { Reason } from './reasons.js';
import {
  type Condition,
  type ConditionType,
  MAX_CONDITION_MESSAGE_LENGTH,
  MAX_CONDITION_REASON_LENGTH,
  type Phase,
  truncateText,
} from './status-types.js';

export interface ConditionInput {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Sets a condition the Kubernetes way: lastTransitionTime changes only when status flips, so a steady state
 * produces an identical status (and therefore no write).
 */
export function setCondition(
  existing: readonly Condition[],
  input: ConditionInput,
  now: string,
  observedGeneration: number | undefined,
): Condition[] {
  const previous = existing.find((c) => c.type === input.type);
  const next: Condition = {
    ...input,
    // A status that exceeds its own schema would be dropped when read back: cut long texts instead.
    reason: truncateText(input.reason, MAX_CONDITION_REASON_LENGTH),
    message: truncateText(input.message, MAX_CONDITION_MESSAGE_LENGTH),
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : now,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
  const others = existing.filter((c) => c.type !== input.type);
  return [...others, next].sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type));
}

const ORDER: readonly string[] = ['Ready', 'Degraded', 'Paused', 'StormActive', 'Escalated'];
function conditionOrder(type: string): number {
  const i = ORDER.indexOf(type);
  return i < 0 ? ORDER.length : i;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The phase is derived from the conditions in exactly one place, most severe first. */
export function derivePhase(conditions: readonly Condition[]): Phase {
  const is = (type: ConditionType, status: string) => findCondition(conditions, type)?.status === status;
  const ready = findCondition(conditions, 'Ready');
  if (ready?.status === 'False' && ready.reason === Reason.InvalidSpec) return 'Invalid';
  if (is('Paused', 'True')) return 'Paused';
  if (is('StormActive', 'True')) return 'Storm';
  if (is('Escalated', 'True')) return 'Escalated';
  if (is('Degraded', 'True')) return 'Degraded';
  if (ready?.status === 'True') return 'Active';
  return 'Pending';
}
