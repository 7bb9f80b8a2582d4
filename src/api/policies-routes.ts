import { z } from 'zod';
import type { KubeObject } from '../kube/kube-object.js';
import { parseStatus } from '../policy/status-types.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError, ErrorCode, sendJson } from './errors.js';
import { policyRefView, targetView } from './evaluation-view.js';
import { namespaceName, objectName, parseParams, queryObject } from './params.js';
import type { Route, RouteContext } from './router.js';

/**
 * GET /api/v1/policies/{namespace}/{name} and GET /api/v1/clusterpolicies/{name}: the policy's status (as the
 * engine wrote it), its latest decisions with their reasons (the status history, newest first: durable, the same
 * on every replica), and the latest assessment behind them (per target and pod: verdict, rules, ML), which only
 * the leader has.
 */
export function policyRoutes(deps: ApiDeps): Route[] {
  const answer = (ctx: RouteContext, key: string, kind: string, policy: KubeObject | undefined) => {
    if (!policy) throw new ApiError(404, ErrorCode.NotFound, `${kind} ${key} not found`);
    queryObject(ctx.url, []);
    const status = parseStatus(policy.status);
    const stored = deps.assessment(key);
    const current = stored && stored.generation === policy.metadata.generation;
    sendJson(ctx.res, 200, {
      ...policyRefView(policy),
      uid: policy.metadata.uid,
      generation: policy.metadata.generation,
      status: policy.status ?? {},
      decisions: status.history ?? [],
      assessment: current
        ? {
            evaluatedAt: new Date(stored.ranAtMs).toISOString(),
            summary: stored.assessment.summary,
            targets: stored.assessment.targets.map(targetView),
            problems: stored.assessment.problems.map((p) => p.message),
          }
        : null,
      ...(current
        ? {}
        : {
            assessmentNote: deps.isLeader()
              ? 'not assessed yet at this generation of the spec'
              : 'this replica is not the leader: only the leader assesses (the status and decisions above are shared)',
          }),
    });
  };
  return [
    {
      method: 'GET',
      path: '/api/v1/policies/{namespace}/{name}',
      async handle(ctx) {
        const p = parseParams(z.object({ namespace: namespaceName, name: objectName }), ctx.params, 'path');
        const key = `${p.namespace}/${p.name}`;
        answer(ctx, key, 'RemediationPolicy', deps.policy(key));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/clusterpolicies/{name}',
      async handle(ctx) {
        const p = parseParams(z.object({ name: objectName }), ctx.params, 'path');
        answer(ctx, p.name, 'ClusterRemediationPolicy', deps.policy(p.name));
      },
    },
  ];
}
