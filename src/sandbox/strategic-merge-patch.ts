/**
 * Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds, following
 * apimachinery's strategicpatch package. The apiserver learns list merge keys from Go struct tags; we have no
 * structs, so a table maps list fields to their patch strategy. Lists outside the table are replaced, as
 * they are for atomic fields upstream. Merged lists are ordered the way upstream orders them (patch order, with
 * server-only items interleaved by their original position), which is why a new item lands first unless the
 * client sends `$setElementOrder`.
 */
import { deepClone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';

export class PatchError extends Error {
  override name = 'PatchError';
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

type ListStrategy = { kind: 'replace' } | { kind: 'primitive' } | { kind: 'map'; key: string };

/** Merge keys of list fields, from the `patchMergeKey` struct tags of k8s.io/api. */
const MAP_LIST_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  podIPs: 'ip',
  hostIPs: 'ip',
  schedulingGates: 'name',
  // ServiceAccount.secrets
  secrets: 'name',
};

const CONTAINER_FIELDS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function listStrategy(field: string, parents: string[], items: JsonValue[]): ListStrategy {
  const parent = parents.at(-1);
  if (field === 'finalizers') return parent === 'metadata' ? { kind: 'primitive' } : { kind: 'replace' };
  if (field === 'ports') {
    // Container ports merge on containerPort, Service ports on port.
    const has = (k: string) => items.some((i) => isJsonObject(i) && k in i);
    if (parent !== undefined && CONTAINER_FIELDS.has(parent)) return { kind: 'map', key: 'containerPort' };
    if (has('containerPort')) return { kind: 'map', key: 'containerPort' };
    return { kind: 'map', key: 'port' };
  }
  if (field === 'addresses') return parent === 'status' ? { kind: 'map', key: 'type' } : { kind: 'replace' };
  const key = MAP_LIST_KEYS[field];
  return key ? { kind: 'map', key } : { kind: 'replace' };
}

function describe(value: JsonValue): string {
  return JSON.stringify(value);
}

export function applyStrategicMergePatch(original: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) {
    throw new PatchError(`strategic merge patch must be a JSON object, got ${describe(patch).slice(0, 80)}`);
  }
  return mergeMap(isJsonObject(original) ? original : undefined, patch, []);
}

function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_PRIMITIVE)
  );
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string[]): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'replace') return stripDirectives(withoutKey(patch, DIRECTIVE)) as JsonObject;
    if (directive === 'delete') return {};
    // Upstream accepts only replace and delete here; `$patch: merge` in a map is rejected too.
    throw new PatchError(`unknown patch type: ${describe(directive)} in map: ${describe(patch)}`);
  }
  const result: JsonObject = original ? deepClone(original) : {};

  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || retain.some((k) => typeof k !== 'string')) {
      throw new PatchError(
        `invalid patch format of retainKeys: ${RETAIN_KEYS} must be a list of strings, got ${describe(retain)}`,
      );
    }
    for (const [key, value] of Object.entries(patch)) {
      if (!isDirectiveKey(key) && value !== null && !retain.includes(key)) {
        throw new PatchError(
          `invalid patch format of retainKeys: ${RETAIN_KEYS} lacks "${key}", which the patch sets`,
        );
      }
    }
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }

  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_PRIMITIVE)) continue;
    const field = key.slice(DELETE_PRIMITIVE.length);
    if (!Array.isArray(value))
      throw new PatchError(
        `invalid patch format of primitive list: ${key} must be a list, got ${describe(value)}`,
      );
    const current = result[field];
    if (Array.isArray(current))
      result[field] = current.filter((item) => !value.some((v) => deepEqual(v, item)));
  }

  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    const current = result[key];
    if (value === null) {
      delete result[key];
    } else if (current === undefined || current === null) {
      result[key] = stripDirectives(value);
    } else if (isJsonObject(current) && isJsonObject(value)) {
      result[key] = mergeMap(current, value, [...path, key]);
    } else if (Array.isArray(current) && Array.isArray(value)) {
      result[key] = mergeList(current, value, key, path);
    } else {
      result[key] = stripDirectives(value);
    }
  }

  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    if (!Array.isArray(order))
      throw new PatchError(
        `invalid patch format of setElementOrder list: ${key} must be a list, got ${describe(order)}`,
      );
    const merged = result[field];
    if (!Array.isArray(merged)) continue;
    const strategy = listStrategy(field, path, [...merged, ...order]);
    const mergeKey = strategy.kind === 'map' ? strategy.key : undefined;
    if (mergeKey) requireMergeKeys(order, mergeKey);
    const patchList = patch[field];
    if (Array.isArray(patchList)) checkPatchFollowsOrder(patchList, order, mergeKey, key);
    const originalList = original?.[field];
    result[field] = enforceOrder(merged, order, Array.isArray(originalList) ? originalList : [], mergeKey);
  }
  return result;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

/** A patch value with no original to merge into: keep it, minus directives and explicit nulls. */
function stripDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    return value
      .filter((item) => !(isJsonObject(item) && item[DIRECTIVE] === 'delete'))
      .map((item) => (isJsonObject(item) && DIRECTIVE in item ? withoutKey(item, DIRECTIVE) : item))
      .filter((item) => !(isJsonObject(item) && Object.keys(item).length === 0))
      .map(stripDirectives);
  }
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (isDirectiveKey(k) || v === null) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

function mergeList(original: JsonValue[], patch: JsonValue[], field: string, parents: string[]): JsonValue[] {
  const strategy = listStrategy(field, parents, [...original, ...patch]);
  if (strategy.kind === 'replace') return stripDirectives(patch) as JsonValue[];
  if (strategy.kind === 'primitive') {
    if (patch.some((p) => isJsonObject(p) || Array.isArray(p))) {
      throw new PatchError(`invalid patch: ${field} is a list of primitives, got ${describe(patch)}`);
    }
    const merged: JsonValue[] = [];
    for (const item of [...original, ...patch])
      if (!merged.some((m) => deepEqual(m, item))) merged.push(item);
    return enforceOrder(merged, patch, original, undefined);
  }
  const key = strategy.key;
  let base = original.map((item) => deepClone(item));
  const plain: JsonObject[] = [];
  let replace = false;
  for (const item of patch) {
    if (!isJsonObject(item))
      throw new PatchError(`invalid patch: ${field} items must be objects, got ${describe(item)}`);
    const directive = item[DIRECTIVE];
    if (directive === undefined) {
      plain.push(item);
    } else if (directive === 'delete') {
      if (!(key in item))
        throw new PatchError(`map: ${describe(item)} does not contain declared merge key: ${key}`);
      base = base.filter((o) => !(isJsonObject(o) && deepEqual(o[key], item[key])));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new PatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw new PatchError(`unknown patch type: ${describe(directive)} in map: ${describe(item)}`);
    }
  }
  if (replace) return stripDirectives(plain) as JsonValue[];
  const path = [...parents, field];
  for (const item of plain) {
    if (!(key in item))
      throw new PatchError(`map: ${describe(item)} does not contain declared merge key: ${key}`);
    const at = base.findIndex((o) => isJsonObject(o) && deepEqual(o[key], item[key]));
    const found = base[at];
    if (at >= 0 && isJsonObject(found)) base[at] = mergeMap(found, item, path);
    else base.push(mergeMap(undefined, item, path));
  }
  return enforceOrder(base, plain, original, key);
}

function indexIn(list: JsonValue[], item: JsonValue, mergeKey: string | undefined): number {
  if (mergeKey === undefined) return list.findIndex((x) => deepEqual(x, item));
  if (!isJsonObject(item) || !(mergeKey in item)) return -1;
  return list.findIndex((x) => isJsonObject(x) && deepEqual(x[mergeKey], item[mergeKey]));
}

/**
 * Orders a merged list like upstream's normalizeElementOrder: items named by `order` follow it; the rest keep
 * their original relative order, interleaved where the original order says an item came first.
 */
function enforceOrder(
  merged: JsonValue[],
  order: JsonValue[],
  original: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const inPatch = merged.filter((m) => indexIn(order, m, mergeKey) >= 0);
  const serverOnly = merged.filter((m) => indexIn(order, m, mergeKey) < 0);
  inPatch.sort((a, b) => indexIn(order, a, mergeKey) - indexIn(order, b, mergeKey));
  serverOnly.sort((a, b) => rank(original, a, mergeKey) - rank(original, b, mergeKey));
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < inPatch.length) {
    const left = serverOnly[i];
    const right = inPatch[j];
    if (right === undefined) {
      out.push(left as JsonValue);
      i++;
    } else if (left === undefined) {
      out.push(right);
      j++;
    } else {
      const li = indexIn(original, left, mergeKey);
      const ri = indexIn(original, right, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push(left);
        i++;
      } else {
        out.push(right);
        j++;
      }
    }
  }
  return out;
}

function rank(original: JsonValue[], item: JsonValue, mergeKey: string | undefined): number {
  const at = indexIn(original, item, mergeKey);
  return at < 0 ? Number.MAX_SAFE_INTEGER : at;
}

function requireMergeKeys(order: JsonValue[], mergeKey: string): void {
  for (const item of order) {
    if (!isJsonObject(item) || !(mergeKey in item)) {
      throw new PatchError(`map: ${describe(item)} does not contain declared merge key: ${mergeKey}`);
    }
  }
}

/** Upstream rejects a patch whose list items are not a subsequence of its $setElementOrder list. */
function checkPatchFollowsOrder(
  patchList: JsonValue[],
  order: JsonValue[],
  mergeKey: string | undefined,
  directive: string,
): void {
  let at = 0;
  for (const item of patchList) {
    if (isJsonObject(item) && DIRECTIVE in item) continue;
    while (at < order.length && indexIn([order[at] as JsonValue], item, mergeKey) < 0) at++;
    if (at >= order.length) {
      throw new PatchError(
        `The order in patch list: ${describe(patchList)} doesn't match ${directive} list: ${describe(order)}`,
      );
    }
    at++;
  }
}
