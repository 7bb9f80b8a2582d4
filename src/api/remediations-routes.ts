import { z } from 'zod';
import { listSchema } from '../kube/kube-object.js';
import { KubeApiError } from '../kube/rest-client.js';
import { POLICY_GROUP, POLICY_VERSION } from '../policy/api-group.js';
import {
  LABEL_POLICY,
  parseRemediation,
  REMEDIATION_PLURAL,
  type RemediationRecord,
} from '../remediation/record.js';
import { labelValue } from '../remediation/record-identity.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError, ErrorCode, sendJson } from './errors.js';
import { namespaceName, objectName, parseParams, queryObject, targetKind } from './params.js';
import type { Route } from './router.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
const KUBE_PAGE = 250;

/** `Kind/name` or a bare `name` (any target kind). */
const targetFilter = z.union([
  z
    .string()
    .regex(/^[A-Za-z]+\/.+$/)
    .transform((t, ctx) => {
      const [kind, name] = [t.slice(0, t.indexOf('/')), t.slice(t.indexOf('/') + 1)];
      const k = targetKind.safeParse(kind);
      const n = objectName.safeParse(name);
      if (!k.success || !n.success) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be Kind/name (Deployment, StatefulSet or Pod) or a name',
        });
        return z.NEVER;
      }
      return { kind: k.data as string | undefined, name: n.data };
    }),
  objectName.transform((name) => ({ kind: undefined as string | undefined, name })),
]);

/** The continue token: where the previous page ended (namespace/name), opaque to clients. */
const cursorSchema = z.object({ after: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/) });

const continueToken = z.string().transform((token, ctx) => {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).after;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a continue token this API issued' });
    return z.NEVER;
  }
});

const querySchema = z.object({
  namespace: namespaceName.optional(),
  policy: objectName.optional(),
  target: targetFilter.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  continue: continueToken.optional(),
});

function itemView(r: RemediationRecord) {
  const { status, spec } = r;
  return {
    namespace: r.metadata.namespace ?? '',
    name: r.metadata.name,
    ...(spec ? { policy: spec.policyRef, target: spec.targetRef, dryRun: spec.dryRun } : {}),
    open: r.open,
    phase: status.phase ?? 'Pending',
    step: status.step ?? '',
    attempts: status.attempts ?? 0,
    ...(status.outcome ? { outcome: status.outcome } : {}),
    ...(status.startTime ? { startTime: status.startTime } : {}),
    ...(status.lastActionTime ? { lastActionTime: status.lastActionTime } : {}),
    ...(status.completionTime ? { completionTime: status.completionTime } : {}),
    ...(status.lastSkip ? { lastSkip: status.lastSkip } : {}),
    actions: status.actions,
    ...(r.problems.length > 0 ? { problems: r.problems } : {}),
  };
}

/**
 * GET /api/v1/remediations: the Remediation records (one per episode), filtered by namespace, policy and target,
 * in a stable order (namespace, name) and paged with a continue token that names where the last page ended, so a
 * page boundary survives records coming and going in between.
 */
export function remediationRoutes(deps: ApiDeps): Route[] {
  /**
   * Lists where the engine may read: one namespace, every namespace, or each watched one (with --namespaces the
   * engine may hold namespaced Roles only, and a cluster-wide list would be forbidden).
   */
  const list = async (namespace: string | undefined, policy: string | undefined) => {
    const watched = deps.watchedNamespaces;
    if (namespace !== undefined && watched.length > 0 && !watched.includes(namespace)) return [];
    if (namespace === undefined && watched.length > 0) {
      const lists = await Promise.all(watched.map((ns) => listIn(ns, policy)));
      return lists.flat();
    }
    return listIn(namespace, policy);
  };
  const listIn = async (namespace: string | undefined, policy: string | undefined) => {
    const scope = namespace ? `/namespaces/${namespace}` : '';
    const path = `/apis/${POLICY_GROUP}/${POLICY_VERSION}${scope}/${REMEDIATION_PLURAL}`;
    const records: RemediationRecord[] = [];
    let token: string | undefined;
    do {
      const page = listSchema.parse(
        await deps.rest.request({
          method: 'GET',
          path,
          query: {
            limit: KUBE_PAGE,
            continue: token,
            ...(policy ? { labelSelector: `${LABEL_POLICY}=${labelValue(policy)}` } : {}),
          },
        }),
      );
      for (const item of page.items) {
        const record = parseRemediation(item);
        if (record) records.push(record);
      }
      token = page.metadata.continue || undefined;
    } while (token);
    return records;
  };
  return [
    {
      method: 'GET',
      path: '/api/v1/remediations',
      async handle({ res, url }) {
        const q = parseParams(
          querySchema,
          queryObject(url, ['namespace', 'policy', 'target', 'limit', 'continue']),
          'query',
        );
        let records: RemediationRecord[];
        try {
          records = await list(q.namespace, q.policy);
        } catch (error) {
          const why = error instanceof KubeApiError ? `${error.status} ${error.message}` : String(error);
          throw new ApiError(503, ErrorCode.Unavailable, `could not list Remediation records: ${why}`);
        }
        const keyOf = (r: RemediationRecord) => `${r.metadata.namespace ?? ''}/${r.metadata.name}`;
        const matching = records
          .filter((r) => !q.policy || r.spec?.policyRef.name === q.policy)
          .filter(
            (r) =>
              !q.target ||
              (r.spec?.targetRef.name === q.target.name &&
                (q.target.kind === undefined || r.spec?.targetRef.kind === q.target.kind)),
          )
          .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
          .filter((r) => q.continue === undefined || keyOf(r) > q.continue);
        const page = matching.slice(0, q.limit);
        const last = page[page.length - 1];
        const more = matching.length > page.length && last !== undefined;
        sendJson(res, 200, {
          items: page.map(itemView),
          ...(more
            ? { continue: Buffer.from(JSON.stringify({ after: keyOf(last) })).toString('base64url') }
            : {}),
        });
      },
    },
  ];
}
