import type { z } from 'zod';
import { FEATURE_NAMES, isFeatureName } from '../metrics/feature-catalogue.js';
import type { PolicyScopeName } from './api-group.js';
import { formatDuration, parseDuration } from './duration.js';
import { type Action, type LabelSelector, type PolicySpec, policySpecSchema } from './spec-schema.js';

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
  predictionHorizon: { min: 60_000, max: 24 * 3_600_000 },
  cooldown: { min: 0, max: 24 * 3_600_000 },
  stormCooldown: { min: 0, max: 24 * 3_600_000 },
  recordRetention: { min: 60_000, max: 2160 * 3_600_000 },
  patternWindow: { min: 3_600_000, max: 720 * 3_600_000 },
} as const;

/** Each per-type option block and the one action type that may carry it. */
const OPTION_BLOCKS = {
  restartPod: 'RestartPod',
  scale: 'Scale',
  rollback: 'Rollback',
} as const satisfies Record<string, Action['type']>;

type Add = (path: string, message: string) => void;

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
 * Validates a policy spec: first the schema (the same rules as the CRDs, in case the object bypassed or predates
 * them), then the semantic rules (the CRDs carry most of them as CEL rules too). `scope` is the policy kind's:
 * only a ClusterRemediationPolicy may select namespaces. Returns every error, not just the first, so a user fixes
 * a policy in one round.
 */
export function validatePolicySpec(raw: unknown, scope: PolicyScopeName = 'Namespaced'): PolicyValidation {
  if (raw === undefined || raw === null) {
    return { valid: false, errors: [{ path: 'spec', message: 'is required' }] };
  }
  const parsed = policySpecSchema.safeParse(raw);
  if (!parsed.success) return { valid: false, errors: zodErrors(parsed.error) };
  const errors = semanticErrors(parsed.data, scope);
  return errors.length === 0 ? { valid: true, spec: parsed.data } : { valid: false, errors };
}

/** A one-line summary for a condition message or Event: names every bad field. */
export function describeErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

function semanticErrors(spec: PolicySpec, scope: PolicyScopeName): FieldError[] {
  const errors: FieldError[] = [];
  const add: Add = (path, message) => errors.push({ path, message });

  checkDuration(add, 'spec.evaluationInterval', spec.evaluationInterval, DURATION_BOUNDS.evaluationInterval);
  checkDuration(add, 'spec.safety.cooldown', spec.safety.cooldown, DURATION_BOUNDS.cooldown);
  checkDuration(add, 'spec.safety.storm.cooldown', spec.safety.storm.cooldown, DURATION_BOUNDS.stormCooldown);
  checkDuration(add, 'spec.recordRetention', spec.recordRetention, DURATION_BOUNDS.recordRetention);
  checkTargets(add, spec, scope);
  checkDetection(add, spec);
  checkActions(add, spec);
  return errors;
}

function checkTargets(add: Add, spec: PolicySpec, scope: PolicyScopeName): void {
  const { targets } = spec;
  checkSelector(add, 'spec.targets.selector', targets.selector);
  if (targets.namespaceSelector) {
    if (scope === 'Namespaced') {
      add(
        'spec.targets.namespaceSelector',
        'is only allowed on a ClusterRemediationPolicy: a RemediationPolicy covers its own namespace only',
      );
    } else {
      checkSelector(add, 'spec.targets.namespaceSelector', targets.namespaceSelector);
    }
  }
  targets.exclude.forEach((exclusion, i) => {
    const path = `spec.targets.exclude[${i}]`;
    if (!exclusion.kind && !exclusion.namespace && !exclusion.name && !exclusion.selector) {
      add(
        path,
        'must set at least one of kind, namespace, name or selector (an empty exclusion excludes everything)',
      );
    }
    if (exclusion.selector) checkSelector(add, `${path}.selector`, exclusion.selector);
  });
}

function checkDetection(add: Add, spec: PolicySpec): void {
  const { mode, rules, ml } = spec.detection;
  const usesRules = mode === 'Rules' || mode === 'Hybrid';
  const usesMl = mode === 'ML' || mode === 'Hybrid';
  if (usesRules && rules.length === 0) {
    add('spec.detection.rules', `must list at least one rule when detection.mode is ${mode}`);
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
  checkDuration(add, 'spec.detection.ml.pattern.window', ml.pattern.window, DURATION_BOUNDS.patternWindow);
  // Shadow ML must never drive an action. In ML or Hybrid mode the model already decides, so "shadow" there would
  // either be a no-op or silently take the model's say away: refuse it rather than guess which was meant.
  if (ml.shadow && mode !== 'Rules') {
    add(
      'spec.detection.ml.shadow',
      `is only allowed when detection.mode is Rules (the rules act, the model is only compared), not ${mode}`,
    );
  }
  if (ml.shadow && !ml.endpoints.includes('anomaly')) {
    add(
      'spec.detection.ml.endpoints',
      'must include anomaly when detection.ml.shadow is set (that is what is compared)',
    );
  }
  // A pattern stand-down is the model deciding not to act on what the rules found: never in shadow mode.
  if (ml.shadow && ml.endpoints.includes('pattern')) {
    add(
      'spec.detection.ml.endpoints',
      'may not include pattern when detection.ml.shadow is set (a pattern stand-down would let the model hold back the rules, which shadow mode never does)',
    );
  }
  if ((usesMl || ml.shadow) && ml.backend === 'kserve' && !ml.model) {
    add('spec.detection.ml.model', 'is required when detection.ml.backend is "kserve"');
  }
  checkDuration(
    add,
    'spec.detection.ml.prediction.horizon',
    ml.prediction.horizon,
    DURATION_BOUNDS.predictionHorizon,
  );
  // A prediction makes a pod anomalous: only where the model has a say (ML, Hybrid), never in Rules or shadow mode.
  if (ml.endpoints.includes('prediction') && mode === 'Rules') {
    add(
      'spec.detection.ml.endpoints',
      'may include prediction only when detection.mode is ML or Hybrid (a prediction makes a target at risk)',
    );
  }
  if (new Set(ml.endpoints).size !== ml.endpoints.length) {
    add('spec.detection.ml.endpoints', 'lists an endpoint more than once');
  }
}

function checkActions(add: Add, spec: PolicySpec): void {
  if (spec.detection.mode === 'Rules' && spec.actions.length === 0) {
    add('spec.actions', 'must list at least one action when detection.mode is Rules');
  }
  const stepNames = new Set<string>();
  spec.actions.forEach((action, i) => {
    const path = `spec.actions[${i}]`;
    if (stepNames.has(action.name)) add(`${path}.name`, `duplicate step name "${action.name}"`);
    stepNames.add(action.name);
    checkDuration(
      add,
      `${path}.verificationWindow`,
      action.verificationWindow,
      DURATION_BOUNDS.verificationWindow,
    );
    for (const [block, type] of Object.entries(OPTION_BLOCKS) as [
      keyof typeof OPTION_BLOCKS,
      Action['type'],
    ][]) {
      if (action[block] !== undefined && action.type !== type) {
        add(`${path}.${block}`, `is only allowed when type is ${type}, not ${action.type}`);
      }
    }
    if (action.type === 'Scale' && !action.scale) {
      add(`${path}.scale`, 'is required when type is Scale (set minReplicas and maxReplicas)');
    }
    if (action.scale && action.scale.minReplicas > action.scale.maxReplicas) {
      add(
        `${path}.scale.minReplicas`,
        `must not exceed maxReplicas (${action.scale.minReplicas} > ${action.scale.maxReplicas})`,
      );
    }
  });
  if (spec.actions.some((a) => a.type === 'Scale') && !spec.targets.kinds.some((k) => k !== 'Pod')) {
    add('spec.actions', 'a Scale step needs Deployment or StatefulSet in spec.targets.kinds');
  }
}

function checkDuration(add: Add, path: string, text: string, bounds: { min: number; max: number }): void {
  const ms = parseDuration(text);
  if (ms < bounds.min || ms > bounds.max) {
    add(path, `must be between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}, got ${text}`);
  }
}

function checkSelector(add: Add, path: string, selector: LabelSelector): void {
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
