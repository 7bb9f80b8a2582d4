import type { z } from 'zod';
import { FEATURE_NAMES, isFeatureName } from '../metrics/feature-catalogue.js';
import { formatDuration, parseDuration } from './duration.js';
import { type LabelSelector, type PolicySpec, policySpecSchema } from './spec-schema.js';

/** One problem with a policy, addressed by its field path as a user would write it: spec.detection.rules[0].feature */
export interface FieldError {
  path: string;
  message: string;
}

export type PolicyValidation = { valid: true; spec: PolicySpec } | { valid: false; errors: FieldError[] };

/** Limits the schema cannot express (durations are strings there). */
export const DURATION_BOUNDS = {
  evaluationInterval: { min: 10_000, max: 3_600_000 },
  verificationWindow: { min: 10_000, max: 6 * 3_600_000 },
  ruleFor: { min: 0, max: 24 * 3_600_000 },
  cooldown: { min: 0, max: 24 * 3_600_000 },
  stormCooldown: { min: 0, max: 24 * 3_600_000 },
} as const;

export function formatPath(path: readonly PropertyKey[], root = 'spec'): string {
  let out = root;
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  }
  return out;
}

function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * Validates a RemediationPolicy spec: first the schema (the same rules as the CRD, in case the object bypassed or
 * predates it), then the semantic rules the schema cannot express. Returns every error, not just the first, so a
 * user fixes a policy in one round.
 */
export function validatePolicySpec(raw: unknown): PolicyValidation {
  if (raw === undefined || raw === null) {
    return { valid: false, errors: [{ path: 'spec', message: 'is required' }] };
  }
  const parsed = policySpecSchema.safeParse(raw);
  if (!parsed.success) return { valid: false, errors: zodErrors(parsed.error) };
  const errors = semanticErrors(parsed.data);
  return errors.length === 0 ? { valid: true, spec: parsed.data } : { valid: false, errors };
}

/** A one-line summary for a condition message or Event: names every bad field. */
export function describeErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

function semanticErrors(spec: PolicySpec): FieldError[] {
  const errors: FieldError[] = [];
  const add = (path: string, message: string) => errors.push({ path, message });

  checkDuration(add, 'spec.evaluationInterval', spec.evaluationInterval, DURATION_BOUNDS.evaluationInterval);
  checkDuration(add, 'spec.safety.cooldown', spec.safety.cooldown, DURATION_BOUNDS.cooldown);
  checkDuration(add, 'spec.safety.stormCooldown', spec.safety.stormCooldown, DURATION_BOUNDS.stormCooldown);

  checkSelector(add, 'spec.targets.selector', spec.targets.selector);
  spec.targets.exclude.forEach((exclusion, i) => {
    const path = `spec.targets.exclude[${i}]`;
    if (!exclusion.kind && !exclusion.namespace && !exclusion.name && !exclusion.selector) {
      add(
        path,
        'must set at least one of kind, namespace, name or selector (an empty exclusion excludes everything)',
      );
    }
    if (exclusion.selector) checkSelector(add, `${path}.selector`, exclusion.selector);
  });

  const { mode, rules, ml } = spec.detection;
  const usesRules = mode === 'rules' || mode === 'hybrid';
  const usesMl = mode === 'ml' || mode === 'hybrid';
  if (usesRules && rules.length === 0) {
    add('spec.detection.rules', `must list at least one rule when detection.mode is "${mode}"`);
  }
  const ruleNames = new Set<string>();
  rules.forEach((rule, i) => {
    const path = `spec.detection.rules[${i}]`;
    if (rule.feature === undefined && rule.signal === undefined) {
      add(path, 'must name its input: set feature (a catalogue feature) or signal (a status signal)');
    } else if (rule.feature !== undefined && rule.signal !== undefined) {
      add(`${path}.signal`, 'must not be set together with feature: a rule reads one input');
    } else if (rule.feature !== undefined && !isFeatureName(rule.feature)) {
      add(
        `${path}.feature`,
        `unknown feature "${rule.feature}"; expected one of the ${FEATURE_NAMES.length} catalogue names ` +
          '(signal.statistic, e.g. container_restart_count.diff)',
      );
    }
    if (ruleNames.has(rule.name)) add(`${path}.name`, `duplicate rule name "${rule.name}"`);
    ruleNames.add(rule.name);
    checkDuration(add, `${path}.for`, rule.for, DURATION_BOUNDS.ruleFor);
    checkDuration(add, `${path}.keepFiringFor`, rule.keepFiringFor, DURATION_BOUNDS.ruleFor);
  });
  checkDuration(add, 'spec.detection.ml.for', ml.for, DURATION_BOUNDS.ruleFor);
  if (usesMl && ml.backend === 'kserve' && !ml.model) {
    add('spec.detection.ml.model', 'is required when detection.ml.backend is "kserve"');
  }
  if (new Set(ml.endpoints).size !== ml.endpoints.length) {
    add('spec.detection.ml.endpoints', 'lists an endpoint more than once');
  }

  if (mode === 'rules' && spec.actions.length === 0) {
    add('spec.actions', 'must list at least one action when detection.mode is "rules"');
  }
  spec.actions.forEach((action, i) => {
    const path = `spec.actions[${i}]`;
    checkDuration(
      add,
      `${path}.verificationWindow`,
      action.verificationWindow,
      DURATION_BOUNDS.verificationWindow,
    );
    if (action.type === 'scale' && !action.scale) {
      add(`${path}.scale`, 'is required when type is "scale" (set minReplicas and maxReplicas)');
    }
    if (action.type !== 'scale' && action.scale) {
      add(`${path}.scale`, `is only allowed when type is "scale", not "${action.type}"`);
    }
    if (action.scale && action.scale.minReplicas > action.scale.maxReplicas) {
      add(
        `${path}.scale.minReplicas`,
        `must not exceed maxReplicas (${action.scale.minReplicas} > ${action.scale.maxReplicas})`,
      );
    }
  });
  if (spec.actions.some((a) => a.type === 'scale') && !spec.targets.kinds.some((k) => k !== 'Pod')) {
    add('spec.actions', 'a scale step needs Deployment or StatefulSet in spec.targets.kinds');
  }
  return errors;
}

function checkDuration(
  add: (path: string, message: string) => void,
  path: string,
  text: string,
  bounds: { min: number; max: number },
): void {
  const ms = parseDuration(text);
  if (ms < bounds.min || ms > bounds.max) {
    add(path, `must be between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}, got ${text}`);
  }
}

function checkSelector(
  add: (path: string, message: string) => void,
  path: string,
  selector: LabelSelector,
): void {
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const hasValues = (req.values ?? []).length > 0;
    if ((req.operator === 'In' || req.operator === 'NotIn') && !hasValues) {
      add(`${path}.matchExpressions[${i}].values`, `must not be empty for operator ${req.operator}`);
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && hasValues) {
      add(`${path}.matchExpressions[${i}].values`, `must be empty for operator ${req.operator}`);
    }
  });
}
