import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { ApiError, badRequest, conflict, notFound } from './api-error.js';
import { parseDeleteOptions } from './delete-options.js';
import { meta } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { kubeTime, type ResourceService } from './resource-service.js';
import type { ResourceType } from './resource-type.js';
import { labelSelectorFromObject, matchesLabels } from './selectors.js';

/** The subresources of pods that are verbs rather than views: `binding` (the scheduler) and `eviction`. */
export const POD_ACTION_SUBRESOURCES = ['binding', 'eviction'] as const;
export type PodActionSubresource = (typeof POD_ACTION_SUBRESOURCES)[number];

export function isPodActionSubresource(type: ResourceType, sub: string | undefined): boolean {
  return (
    type.group === '' &&
    type.plural === 'pods' &&
    (POD_ACTION_SUBRESOURCES as readonly string[]).includes(sub ?? '')
  );
}

const obj = (v: JsonValue | undefined): JsonObject => (isJsonObject(v) ? v : {});

function success(code: number): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}

interface PodActionContext {
  store: ObjectStore;
  service: ResourceService;
  registry: ResourceRegistry;
  clock: () => Date;
  /** `?dryRun=All` on the request: validate and answer, change nothing. */
  dryRun?: boolean;
}

export interface PodActionAnswer {
  code: number;
  body: JsonObject;
}

/** POST pods/{name}/binding and pods/{name}/eviction; answers 201 with a Success Status like the apiserver. */
export function servePodAction(
  ctx: PodActionContext,
  podType: ResourceType,
  namespace: string,
  name: string,
  subresource: string,
  request: JsonObject,
): PodActionAnswer {
  const requestName = obj(request.metadata).name;
  if (requestName !== undefined && requestName !== name) {
    throw badRequest(
      `name in URL does not match name in ${subresource === 'binding' ? 'Binding' : 'Eviction'} object`,
    );
  }
  if (subresource === 'binding') {
    bind(ctx, podType, namespace, name, request);
    return { code: 201, body: success(201) };
  }
  return evict(ctx, podType, namespace, name, request);
}

/** The scheduler's write: sets spec.nodeName once, and the PodScheduled condition. */
function bind(
  ctx: PodActionContext,
  podType: ResourceType,
  namespace: string,
  name: string,
  binding: JsonObject,
) {
  const target = obj(binding.target);
  if (typeof target.name !== 'string' || target.name === '') {
    throw new ApiError(422, 'Invalid', `Binding.core "${name}" is invalid: target.name: Required value`);
  }
  const pod = ctx.store.get(podType.storageKey, namespace, name);
  if (!pod) throw notFound('pods', '', name);
  const spec = obj(pod.spec);
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    throw conflict('pods', '', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  }
  if (meta(pod).deletionTimestamp !== undefined) {
    throw conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  if (ctx.dryRun) return;
  spec.nodeName = target.name;
  pod.spec = spec;
  const status = obj(pod.status);
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  const scheduled = {
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: kubeTime(ctx.clock()),
  };
  status.conditions = [...conditions.filter((c) => c.type !== 'PodScheduled'), scheduled];
  pod.status = status;
  ctx.store.put(podType.storageKey, pod, 'MODIFIED');
}

function isReady(pod: JsonObject): boolean {
  const conditions = obj(pod.status).conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isJsonObject(c) && c.type === 'Ready' && c.status === 'True')
  );
}

/** errors.NewTooManyRequests with a DisruptionBudget cause, as the eviction subresource words it. */
function tooManyRequests(cause: string, retryAfterSeconds?: number): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      causes: [{ reason: 'DisruptionBudget', message: cause, field: '' }],
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    },
  );
}

function budgetForbidden(pdbName: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `poddisruptionbudget.policy "${pdbName}" is forbidden: ${why}`, {
    name: pdbName,
    group: 'policy',
    kind: 'poddisruptionbudget',
  });
}

/** Evictions approved but not yet seen by the disruption controller, beyond which the apiserver refuses more. */
const MAX_DISRUPTED_PODS = 2000;

/** Pods whose eviction needs no budget: finished, not yet running, or already being deleted. */
function canIgnoreBudget(pod: JsonObject): boolean {
  const phase = obj(pod.status).phase;
  return (
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    phase === 'Pending' ||
    meta(pod).deletionTimestamp !== undefined
  );
}

/** The budgets selecting the pod (policy/v1: an empty selector selects every pod, a missing one none). */
function budgetsOf(ctx: PodActionContext, namespace: string, pod: JsonObject): JsonObject[] {
  const labels = obj(meta(pod).labels) as Record<string, string>;
  return ctx.store.list('poddisruptionbudgets.policy', namespace).filter((pdb) => {
    const selector = obj(pdb.spec).selector;
    if (!isJsonObject(selector)) return false;
    try {
      return matchesLabels(labelSelectorFromObject(selector), labels);
    } catch {
      return false; // an invalid selector matches nothing
    }
  });
}

/**
 * The Eviction API: a pod covered by a PodDisruptionBudget is deleted only if the budget's status (kept by the
 * disruption controller) allows one more disruption, which the eviction then uses up by recording the pod in
 * `status.disruptedPods`. Otherwise 429 with the apiserver's message; pods that are not running are exempt.
 * A dry run (query or deleteOptions) answers the same and changes neither the pod nor the budget.
 */
function evict(
  ctx: PodActionContext,
  podType: ResourceType,
  namespace: string,
  name: string,
  eviction: JsonObject,
): PodActionAnswer {
  const pod = ctx.store.get(podType.storageKey, namespace, name);
  if (!pod) throw notFound('pods', '', name);
  const requested = parseDeleteOptions(
    isJsonObject(eviction.deleteOptions) ? eviction.deleteOptions : undefined,
    new URLSearchParams(),
  );
  const options = {
    ...requested,
    dryRun: requested.dryRun || ctx.dryRun === true,
    preconditions: { uid: String(meta(pod).uid), ...stripUndefined(requested.preconditions) },
  };
  const remove = () => {
    ctx.service.delete(podType, 'v1', namespace, name, options);
    return { code: 201, body: success(201) };
  };
  if (canIgnoreBudget(pod)) return remove();
  const budgets = budgetsOf(ctx, namespace, pod);
  if (budgets.length > 1) {
    // The apiserver returns this Status as the result rather than as an error: no reason.
    const message =
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
    return {
      code: 500,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 },
    };
  }
  const budget = budgets[0];
  if (!budget) return remove();
  // The caller's preconditions are checked before the budget is spent on a pod that would not be deleted.
  ctx.service.delete(podType, 'v1', namespace, name, { ...options, dryRun: true });
  if (!isReady(pod) && unreadyPodExempt(budget)) return remove();
  useDisruption(ctx, budget, name, options.dryRun);
  return remove();
}

/** An unready pod does not count towards the budget: it may go when the policy says so or the budget is met. */
function unreadyPodExempt(budget: JsonObject): boolean {
  if (obj(budget.spec).unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const status = obj(budget.status);
  const desired = Number(status.desiredHealthy ?? 0);
  return Number(status.currentHealthy ?? 0) >= desired && desired > 0;
}

function stripUndefined(pre: { uid?: string; resourceVersion?: string } | undefined) {
  const out: { uid?: string; resourceVersion?: string } = {};
  if (pre?.uid) out.uid = pre.uid;
  if (pre?.resourceVersion) out.resourceVersion = pre.resourceVersion;
  return out;
}

/** checkAndDecrement: spends one disruption and records the pod, so the controller counts it out at once. */
function useDisruption(ctx: PodActionContext, budget: JsonObject, podName: string, dryRun: boolean): void {
  const pdbName = String(meta(budget).name);
  const status = obj(budget.status);
  if (Number(status.observedGeneration ?? 0) < Number(meta(budget).generation ?? 1)) {
    throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
  }
  const allowed = Number(status.disruptionsAllowed ?? 0);
  if (allowed < 0) throw budgetForbidden(pdbName, 'pdb disruptions allowed is negative');
  const disrupted = obj(status.disruptedPods);
  if (Object.keys(disrupted).length > MAX_DISRUPTED_PODS) {
    throw budgetForbidden(
      pdbName,
      'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
    );
  }
  if (allowed === 0) {
    throw tooManyRequests(
      `The disruption budget ${pdbName} needs ${Number(status.desiredHealthy ?? 0)} healthy pods and has ${Number(status.currentHealthy ?? 0)} currently`,
    );
  }
  if (dryRun) return;
  disrupted[podName] = kubeTime(ctx.clock());
  status.disruptedPods = disrupted;
  status.disruptionsAllowed = allowed - 1;
  if (allowed - 1 === 0) status.conditions = withDisruptionNotAllowed(status, kubeTime(ctx.clock()));
  budget.status = status;
  const pdbType = ctx.registry.find('policy', 'v1', 'poddisruptionbudgets');
  if (!pdbType) throw new ApiError(500, 'InternalError', 'poddisruptionbudgets are not served');
  // Optimistic concurrency: a concurrent eviction that spent the same disruption makes this one a 409 to retry.
  ctx.service.update(pdbType, 'v1', String(meta(budget).namespace), pdbName, budget, {
    subresource: 'status',
    requireResourceVersion: true,
  });
}

/** The DisruptionAllowed condition once the last allowed disruption is spent (False, InsufficientPods). */
function withDisruptionNotAllowed(status: JsonObject, now: string): JsonValue[] {
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  const previous = conditions.find((c) => c.type === 'DisruptionAllowed');
  const condition: JsonObject = {
    type: 'DisruptionAllowed',
    status: 'False',
    reason: 'InsufficientPods',
    message: previous?.status === 'False' ? (previous.message ?? '') : '',
    observedGeneration: status.observedGeneration ?? 0,
    lastTransitionTime: previous?.status === 'False' ? (previous.lastTransitionTime ?? now) : now,
  };
  return [...conditions.filter((c) => c !== previous), condition];
}
