import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { ApiError, badRequest, methodNotAllowed } from './api-error.js';
import { applyPatch, patchTypeOf } from './patch.js';
import type { ResourceService } from './resource-service.js';
import type { ResourceType, ScaleSubresource } from './resource-type.js';

function segments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

export function getPath(obj: JsonObject, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const seg of segments(path)) cur = isJsonObject(cur) ? cur[seg] : undefined;
  return cur;
}

export function setPath(obj: JsonObject, path: string, value: JsonValue): void {
  const segs = segments(path);
  let cur: JsonObject = obj;
  for (const seg of segs.slice(0, -1)) {
    if (!isJsonObject(cur[seg])) cur[seg] = {};
    cur = cur[seg] as JsonObject;
  }
  cur[segs[segs.length - 1] as string] = value;
}

/** The autoscaling/v1 Scale view of a scalable object. */
export function scaleOf(object: JsonObject, scale: ScaleSubresource): JsonObject {
  const m = isJsonObject(object.metadata) ? object.metadata : {};
  const selector = scale.labelSelectorPath ? getPath(object, scale.labelSelectorPath) : undefined;
  const matchLabels =
    isJsonObject(object.spec) && isJsonObject(object.spec.selector)
      ? object.spec.selector.matchLabels
      : undefined;
  const selectorText =
    typeof selector === 'string'
      ? selector
      : isJsonObject(matchLabels)
        ? Object.entries(matchLabels)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(',')
        : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name ?? '',
      namespace: m.namespace ?? '',
      uid: m.uid ?? '',
      resourceVersion: m.resourceVersion ?? '',
      creationTimestamp: m.creationTimestamp ?? null,
    },
    spec: { replicas: Number(getPath(object, scale.specReplicasPath) ?? 0) },
    status: {
      replicas: Number(getPath(object, scale.statusReplicasPath) ?? 0),
      ...(selectorText !== undefined ? { selector: selectorText } : {}),
    },
  };
}

/** Applies a written Scale back onto the object: only spec.replicas moves. */
export function applyScale(object: JsonObject, written: JsonObject, scale: ScaleSubresource): JsonObject {
  const replicas = isJsonObject(written.spec) ? written.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest(
      `spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be a non-negative integer`,
    );
  }
  const next = structuredClone(object);
  setPath(next, scale.specReplicasPath, replicas);
  const rv = isJsonObject(written.metadata) ? written.metadata.resourceVersion : undefined;
  if (typeof rv === 'string' && rv !== '' && isJsonObject(next.metadata)) next.metadata.resourceVersion = rv;
  return next;
}

/**
 * The `/scale` subresource: GET reads the Scale view; PUT and PATCH (merge or JSON patch on the Scale) move
 * only spec.replicas of the object, through the normal update path (so a stale resourceVersion is 409).
 */
export function serveScale(
  service: ResourceService,
  type: ResourceType,
  version: string,
  namespace: string | undefined,
  name: string,
  scale: ScaleSubresource,
  request: {
    method: string;
    body?: string;
    contentType?: string;
    dryRun: boolean;
    parseObject: () => JsonObject;
  },
): JsonObject {
  const object = service.get(type, version, namespace, name);
  if (request.method === 'GET') return scaleOf(object, scale);
  let written: JsonObject;
  if (request.method === 'PUT') written = request.parseObject();
  else if (request.method === 'PATCH') {
    const patchType = patchTypeOf(request.contentType);
    if (!patchType || patchType === 'apply') {
      throw new ApiError(415, 'UnsupportedMediaType', 'unsupported patch type for scale');
    }
    written = applyPatch(
      scaleOf(object, scale),
      request.body ?? '',
      patchType === 'strategic' ? 'merge' : patchType,
    );
  } else throw methodNotAllowed(`${request.method} is not supported on scale`);
  const result = service.update(type, version, namespace, name, applyScale(object, written, scale), {
    dryRun: request.dryRun,
  });
  return scaleOf(result.object, scale);
}
