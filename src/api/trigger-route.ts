import { z } from 'zod';
import { EvaluationNotReadyError, EvaluationNotRunningError } from '../controller/evaluation-loop.js';
import { keyOf } from '../controller/informer.js';
import { policyScopeOf } from '../controller/policy-scope.js';
import { validatePolicySpec } from '../policy/validate.js';
import { notLeader } from './alerts-routes.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError, ErrorCode, sendJson, validationError } from './errors.js';
import { evaluationView, policyKindOf } from './evaluation-view.js';
import { namespaceName, objectName, queryObject, targetKind } from './params.js';
import { readJsonBody } from './request-body.js';
import type { Route } from './router.js';

const triggerSchema = z.strictObject({
  policy: z
    .strictObject({
      kind: z.enum(['RemediationPolicy', 'ClusterRemediationPolicy']).default('RemediationPolicy'),
      namespace: namespaceName.optional(),
      name: objectName,
    })
    .superRefine((p, ctx) => {
      if (p.kind === 'RemediationPolicy' && !p.namespace)
        ctx.addIssue({
          code: 'custom',
          path: ['namespace'],
          message: 'a RemediationPolicy needs its namespace',
        });
      if (p.kind === 'ClusterRemediationPolicy' && p.namespace)
        ctx.addIssue({
          code: 'custom',
          path: ['namespace'],
          message: 'a ClusterRemediationPolicy has no namespace',
        });
    }),
  target: z.strictObject({ kind: targetKind, namespace: namespaceName, name: objectName }),
});

const timeout = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * POST /api/v1/remediation/trigger: evaluate one target under one named policy now, and answer what was decided.
 * It is the immediate evaluation an alert starts, asked for by a person: detection judges the target as it is
 * (nothing is assumed anomalous), and every gate applies (paused, dry run, protected namespace, ownership, storm,
 * blast radius, cooldown, rate, concurrency, attempts). Authenticated with the webhook's bearer token.
 */
export function triggerRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/remediation/trigger',
      async handle({ req, res, url }) {
        await deps.token.authorize(req);
        queryObject(url, []);
        if (!deps.isLeader()) throw notLeader();
        const parsed = triggerSchema.safeParse(await readJsonBody(req));
        if (!parsed.success) throw validationError(ErrorCode.InvalidBody, parsed.error, 'body');
        const { policy: ref, target } = parsed.data;
        const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
        const policy = deps.policy(key);
        if (!policy || policyKindOf(policy) !== ref.kind)
          throw new ApiError(404, ErrorCode.NotFound, `${ref.kind} ${key} not found`);
        const validation = validatePolicySpec(policy.spec, policyScopeOf(policy).scope);
        if (!validation.valid)
          throw new ApiError(
            409,
            ErrorCode.PolicyInvalid,
            `${ref.kind} ${key} has an invalid spec: nothing is evaluated`,
          );
        const name = `${target.kind} ${target.namespace}/${target.name}`;
        if (!deps.workload(target.kind, target.namespace, target.name))
          throw new ApiError(404, ErrorCode.NotFound, `${name} not found`);
        const same = (t: { kind: string; namespace: string; name: string }) =>
          t.kind === target.kind && t.namespace === target.namespace && t.name === target.name;
        const selecting = deps.evaluation.policiesSelecting((entry) => same(entry.target));
        if (!selecting.some((p) => keyOf(p) === key))
          throw new ApiError(409, ErrorCode.TargetNotSelected, `${ref.kind} ${key} does not select ${name}`);
        let answer: Awaited<ReturnType<typeof deps.evaluation.evaluateNow>> | 'timeout';
        try {
          answer = await Promise.race([deps.evaluation.evaluateNow([key]), timeout(deps.triggerTimeoutMs)]);
        } catch (error) {
          if (error instanceof EvaluationNotRunningError) throw notLeader();
          if (error instanceof EvaluationNotReadyError)
            throw new ApiError(503, ErrorCode.Unavailable, error.message);
          throw error;
        }
        if (answer === 'timeout') {
          throw new ApiError(
            504,
            ErrorCode.EvaluationTimeout,
            `the evaluation did not finish within ${deps.triggerTimeoutMs} ms; it goes on, and GET /api/v1/policies shows its result`,
          );
        }
        const [result] = answer;
        if (!result) throw new ApiError(500, ErrorCode.Internal, 'the evaluation returned nothing');
        const view = evaluationView(policy, key, result, deps.decisions.since(key, result.startedAtMs), (t) =>
          same(t.target),
        );
        const verdict = view.targets[0]?.state;
        sendJson(res, 200, {
          ...view,
          target,
          summary: !result.evaluated
            ? 'the policy was not evaluated (deleted or invalid meanwhile)'
            : view.decisions.length > 0
              ? view.decisions.map((d) => `${d.result} (${d.reason}): ${d.message}`).join('; ')
              : verdict === 'healthy'
                ? 'healthy: nothing to do'
                : `${verdict ?? 'not assessed'}: no new decision in this pass (the target's Remediation record has its episode)`,
        });
      },
    },
  ];
}
