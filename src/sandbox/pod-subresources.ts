import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { ApiError, badRequest, conflict, notFound } from './api-error.js';
import { parseDeleteOptions } from './delete-options.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { kubeTime, meta, type ResourceService } from './resource-service.js';
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
}

/** POST pods/{name}/binding and pods/{name}/eviction; answers 201 with a Success Status like the apiserver. */
export function servePodAction(
  ctx: PodActionContext,
  podType: ResourceType,
  namespace: string,
  name: string,
  subresource: string,
  request: JsonObject,
): { code: number; body: JsonObject } {
  const requestName = obj(request.metadata).name;
  if (requestName !== undefined && requestName !== name) {
    throw badRequest(
      `name in URL does not match name in ${subresource === 'binding' ? 'Binding' : 'Eviction'} object`,
    );
  }
  if (subresource === 'binding') bind(ctx, podType, namespace, name, request);
  else evict(ctx, podType, namespace, name, request);
  return { code: 201, body: success(201) };
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

function tooManyRequests(cause: string): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      causes: [{ reason: 'DisruptionBudget', message: cause, field: '' }],
    },
  );
}

/**
 * The Eviction API: a pod covered by a PodDisruptionBudget is deleted only if the budget's status (kept by the
 * disruption controller) allows one more disruption, which the eviction then uses up by recording the pod in
 * `status.disruptedPods`. Otherwise 429 with the apiserver's message; pods that are not running are exempt.
 */
function evict(
  ctx: PodActionContext,
  podType: ResourceType,
  namespace: string,
  name: string,
  eviction: JsonObject,
) {
  const pod = ctx.store.get(podType.storageKey, namespace, name);
  if (!pod) throw notFound('pods', '', name);
  const deleteOptions = parseDeleteOptions(
    isJsonObject(eviction.deleteOptions) ? eviction.deleteOptions : undefined,
    new URLSearchParams(),
  );
  const phase = obj(pod.status).phase;
  const exempt =
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    phase === 'Pending' ||
    meta(pod).deletionTimestamp !== undefined;
  if (!exempt) {
    const labels = obj(meta(pod).labels) as Record<string, string>;
    const budgets = ctx.store.list('poddisruptionbudgets.policy', namespace).filter((pdb) => {
      const selector = obj(pdb.spec).selector;
      return isJsonObject(selector) && matchesLabels(labelSelectorFromObject(selector), labels);
    });
    if (budgets.length > 1) {
      throw new ApiError(
        500,
        'InternalError',
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    }
    const budget = budgets[0];
    if (budget) useDisruption(ctx, budget, pod, name);
  }
  ctx.service.delete(podType, 'v1', namespace, name, {
    ...deleteOptions,
    preconditions: { uid: String(meta(pod).uid), ...stripUndefined(deleteOptions.preconditions) },
  });
}

function stripUndefined(pre: { uid?: string; resourceVersion?: string } | undefined) {
  const out: { uid?: string; resourceVersion?: string } = {};
  if (pre?.uid) out.uid = pre.uid;
  if (pre?.resourceVersion) out.resourceVersion = pre.resourceVersion;
  return out;
}

function useDisruption(ctx: PodActionContext, budget: JsonObject, pod: JsonObject, podName: string): void {
  const pdbName = String(meta(budget).name);
  const status = obj(budget.status);
  const desired = Number(status.desiredHealthy ?? 0);
  const current = Number(status.currentHealthy ?? 0);
  // An unready pod does not count towards the budget; evicting it is fine while the budget is met.
  const policy = obj(budget.spec).unhealthyPodEvictionPolicy;
  if (!isReady(pod) && (policy === 'AlwaysAllow' || (current >= desired && desired > 0))) return;
  if (Number(status.observedGeneration ?? 0) < Number(meta(budget).generation ?? 1)) {
    throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`);
  }
  const allowed = Number(status.disruptionsAllowed ?? 0);
  if (allowed <= 0) {
    throw tooManyRequests(
      `The disruption budget ${pdbName} needs ${desired} healthy pods and has ${current} currently`,
    );
  }
  const disrupted = obj(status.disruptedPods);
  disrupted[podName] = kubeTime(ctx.clock());
  status.disruptedPods = disrupted;
  status.disruptionsAllowed = allowed - 1;
  budget.status = status;
  const pdbType = ctx.registry.find('policy', 'v1', 'poddisruptionbudgets');
  if (!pdbType) throw new ApiError(500, 'InternalError', 'poddisruptionbudgets are not served');
  // Optimistic concurrency: a concurrent eviction that spent the same disruption makes this one a 409 to retry.
  ctx.service.update(pdbType, 'v1', String(meta(budget).namespace), pdbName, budget, {
    subresource: 'status',
    requireResourceVersion: true,
  });
}
