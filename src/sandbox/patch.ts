import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { ApiError, badRequest } from './api-error.js';
import { applyStrategicMergePatch, PatchError } from './strategic-merge-patch.js';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = keyof typeof PATCH_TYPES;

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  for (const [type, mime] of Object.entries(PATCH_TYPES)) {
    if (media === mime) return type as PatchType;
  }
  return undefined;
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
}

function parseBody(raw: string, type: PatchType): JsonValue {
  try {
    return (type === 'apply' ? parseYaml(raw) : JSON.parse(raw)) as JsonValue;
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/**
 * Applies a patch of the given type to the current object. Failures in the patch document are the
 * client's fault (400 for an unparsable body, 422 when a JSON patch operation cannot apply), as upstream.
 */
export function applyPatch(current: JsonObject, raw: string, type: PatchType): JsonObject {
  const patch = parseBody(raw, type);
  let result: JsonValue;
  switch (type) {
    case 'merge':
    case 'apply':
      if (!isJsonObject(patch)) throw badRequest('a merge patch must be a JSON object');
      result = applyMergePatch(current, patch);
      break;
    case 'strategic':
      if (!isJsonObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      try {
        result = applyStrategicMergePatch(current, patch);
      } catch (err) {
        if (err instanceof PatchError) throw new ApiError(422, 'Invalid', err.message);
        throw err;
      }
      break;
    case 'json': {
      if (!Array.isArray(patch)) throw badRequest('a JSON patch must be an array of operations');
      const invalidOp = fastJsonPatch.validate(patch as unknown as Operation[], current);
      if (invalidOp)
        throw new ApiError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${invalidOp.message}`,
        );
      try {
        result = fastJsonPatch.applyPatch(
          structuredClone(current),
          patch as unknown as Operation[],
          false,
          false,
        ).newDocument as JsonValue;
      } catch (err) {
        throw new ApiError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${String(err)}`,
        );
      }
      break;
    }
  }
  if (!isJsonObject(result)) throw new ApiError(422, 'Invalid', 'the patched object is not a JSON object');
  return result;
}

/** Server-side apply sends a whole (partial) object; the sandbox treats it as create-or-merge. */
export function parseApplyBody(raw: string): JsonObject {
  const body = parseBody(raw, 'apply');
  if (!isJsonObject(body)) throw badRequest('an apply patch must be an object');
  return body;
}
