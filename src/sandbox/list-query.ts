import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { ApiError, badRequest, gone } from './api-error.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceType } from './resource-type.js';
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';

export interface ListQuery {
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
}

export function parseListQuery(type: ResourceType, params: URLSearchParams): ListQuery {
  try {
    const limit = params.get('limit');
    const timeout = params.get('timeoutSeconds');
    const parsedLimit = limit ? Number(limit) : undefined;
    if (parsedLimit !== undefined && (!Number.isInteger(parsedLimit) || parsedLimit < 0)) {
      throw badRequest(`limit: Invalid value: "${limit}": must be a non-negative integer`);
    }
    return {
      labelSelector: parseLabelSelector(params.get('labelSelector') ?? ''),
      fieldSelector: parseFieldSelector(params.get('fieldSelector') ?? '', [
        'metadata.name',
        'metadata.namespace',
        ...type.selectableFields,
      ]),
      limit: parsedLimit && parsedLimit > 0 ? parsedLimit : undefined,
      continueToken: params.get('continue') || undefined,
      resourceVersion: params.get('resourceVersion') ?? undefined,
      allowWatchBookmarks: params.get('allowWatchBookmarks') === 'true',
      timeoutSeconds: timeout ? Number(timeout) : undefined,
    };
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

export function matchesQuery(query: ListQuery, external: JsonObject): boolean {
  const metadata = isJsonObject(external.metadata) ? external.metadata : {};
  const labels = isJsonObject(metadata.labels) ? (metadata.labels as Record<string, string>) : undefined;
  return matchesLabels(query.labelSelector, labels) && matchesFields(query.fieldSelector, external);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string, store: ObjectStore): ContinueToken {
  let token: ContinueToken;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
  } catch {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (typeof token.rv !== 'number' || typeof token.start !== 'string')
    throw badRequest('continue key is not valid');
  if (token.rv < store.compactedResourceVersion) {
    throw gone(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    );
  }
  return token;
}

function keyOf(o: JsonObject): string {
  const m = isJsonObject(o.metadata) ? o.metadata : {};
  return m.namespace ? `${String(m.namespace)}/${String(m.name)}` : String(m.name);
}

/**
 * One page of a list, from the stored objects in key order (`scan`): a continue token remembers where the page
 * ended and at which resourceVersion the list began, and it expires (410) once history is compacted past it.
 * Only the page's objects are converted (`external`, undefined when the selectors exclude it) and the rest are
 * counted: converting every object for every page made a paged list of 40,000 pods quadratic (80 pages of
 * 40,000 copies, minutes).
 */
export function paginate(
  scan: readonly JsonObject[],
  external: (stored: JsonObject) => JsonObject | undefined,
  query: ListQuery,
  store: ObjectStore,
): { items: JsonObject[]; resourceVersion: number; continueToken?: string; remaining?: number } {
  let rv = store.resourceVersion;
  let from = 0;
  if (query.continueToken) {
    const token = decodeContinue(query.continueToken, store);
    rv = token.rv;
    // The scan is in key order: the first key after the token's.
    let lo = 0;
    let hi = scan.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyOf(scan[mid] as JsonObject) > token.start) hi = mid;
      else lo = mid + 1;
    }
    from = lo;
  }
  const items: JsonObject[] = [];
  let i = from;
  for (; i < scan.length && (query.limit === undefined || items.length < query.limit); i++) {
    const o = external(scan[i] as JsonObject);
    if (o) items.push(o);
  }
  // What is left after the page: counted without a copy when nothing is selected, else matched one by one.
  const selects = query.labelSelector.requirements.length > 0 || query.fieldSelector.requirements.length > 0;
  let remaining = selects ? 0 : scan.length - i;
  if (selects) for (let j = i; j < scan.length; j++) if (external(scan[j] as JsonObject)) remaining++;
  if (remaining === 0) return { items, resourceVersion: rv };
  const last = items[items.length - 1] as JsonObject;
  return {
    items,
    resourceVersion: rv,
    continueToken: encodeContinue({ rv, start: keyOf(last) }),
    remaining,
  };
}

export function parseResourceVersion(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text === '0') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new ApiError(
      400,
      'BadRequest',
      `resourceVersion: Invalid value: "${text}": must be a non-negative integer`,
    );
  }
  return n;
}
