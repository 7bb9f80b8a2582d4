import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { SelectorError } from './selector-error.js';
import { labelSelectorFromObject } from './selectors.js';

/** Defaulting and validation of the built-in kinds the sandbox serves (the apiserver's strategies, reduced). */
type Cause = { field: string; reason: string; message: string };

export function obj(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}
function arr(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}
export function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

const required = (field: string): Cause => ({
  field,
  reason: 'FieldValueRequired',
  message: 'Required value',
});

export function validatePodSpec(spec: JsonValue | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  const containers = obj(spec).containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push(required(`${path}.containers`));
    return causes;
  }
  containers.forEach((c, i) => {
    const container = obj(c);
    if (typeof container.name !== 'string' || container.name === '')
      causes.push(required(`${path}.containers[${i}].name`));
    if (typeof container.image !== 'string' || container.image === '')
      causes.push(required(`${path}.containers[${i}].image`));
  });
  return causes;
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
}

/** Workload controllers: a selector is required and must select the pod template's labels. */
export function validateWorkload(o: JsonObject, hasTemplate = true): Cause[] {
  const spec = obj(o.spec);
  const causes: Cause[] = [];
  const replicas = spec.replicas;
  if (
    replicas !== undefined &&
    (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
  ) {
    causes.push({
      field: 'spec.replicas',
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
    });
  }
  const selector = obj(spec.selector);
  const matchLabels = obj(selector.matchLabels);
  if (
    !isJsonObject(spec.selector) ||
    (Object.keys(matchLabels).length === 0 && arr(selector.matchExpressions).length === 0)
  ) {
    causes.push(required('spec.selector'));
  }
  if (!hasTemplate) return causes;
  const template = obj(spec.template);
  const labels = obj(obj(template.metadata).labels);
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) {
      causes.push({
        field: 'spec.template.metadata.labels',
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
      });
      break;
    }
  }
  causes.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  return causes;
}

/** policy/v1: exactly one of minAvailable and maxUnavailable, each an int >= 0 or a percentage. */
export function validatePodDisruptionBudget(o: JsonObject): Cause[] {
  const spec = obj(o.spec);
  const causes: Cause[] = [];
  if (spec.selector !== undefined && spec.selector !== null) {
    try {
      labelSelectorFromObject(spec.selector);
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      causes.push({
        field: 'spec.selector',
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${error.message}`,
      });
    }
  }
  const set = (['minAvailable', 'maxUnavailable'] as const).filter((f) => spec[f] !== undefined);
  if (set.length > 1) {
    causes.push({
      field: 'spec',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "": minAvailable and maxUnavailable cannot be both set',
    });
  }
  for (const field of set) {
    const value = spec[field];
    const ok =
      (typeof value === 'number' && Number.isInteger(value) && value >= 0) ||
      (typeof value === 'string' && /^\d+%$/.test(value) && Number.parseInt(value, 10) <= 100);
    if (!ok) {
      causes.push({
        field: `spec.${field}`,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(value)}: must be a non-negative integer or a percentage between 0% and 100%`,
      });
    }
  }
  return causes;
}

export function defaultWorkload(o: JsonObject): void {
  const spec = obj(o.spec);
  o.spec = spec;
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const template = obj(spec.template);
  if (isJsonObject(spec.template)) {
    const podSpec = obj(template.spec);
    template.spec = podSpec;
    defaultPodSpec(podSpec);
  }
}
