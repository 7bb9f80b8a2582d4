import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { badRequest } from './api-error.js';
import type { DeleteOptions } from './resource-service.js';

/** DeleteOptions come in the body (kubectl; already parsed, JSON or protobuf) or as query parameters (client-node). */
export function parseDeleteOptions(body: JsonObject | undefined, query: URLSearchParams): DeleteOptions {
  const parsed = body ? structuredClone(body) : {};
  const fromQuery = query.get('propagationPolicy');
  if (fromQuery) parsed.propagationPolicy = fromQuery;
  if (query.get('orphanDependents') === 'true' || parsed.orphanDependents === true)
    parsed.propagationPolicy ??= 'Orphan';
  const policy = parsed.propagationPolicy;
  if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw badRequest(
      `propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const grace = query.get('gracePeriodSeconds') ?? parsed.gracePeriodSeconds;
  const gracePeriodSeconds = grace === undefined || grace === null ? undefined : Number(grace);
  if (gracePeriodSeconds !== undefined && !Number.isInteger(gracePeriodSeconds)) {
    throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(grace)}: must be an integer`);
  }
  const pre = isJsonObject(parsed.preconditions) ? parsed.preconditions : {};
  return {
    propagationPolicy: policy,
    preconditions: {
      uid: typeof pre.uid === 'string' ? pre.uid : undefined,
      resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    },
    dryRun: Array.isArray(parsed.dryRun) && parsed.dryRun.includes('All'),
    gracePeriodSeconds,
  };
}
