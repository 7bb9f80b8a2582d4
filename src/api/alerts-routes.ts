import { webhookPayloadSchema } from './alert-payload.js';
import { AlertReceiver } from './alert-receiver.js';
import type { ApiDeps } from './api-deps.js';
import type { WebhookRequestResult } from './api-metrics.js';
import { AuthError } from './auth.js';
import { ApiError, ErrorCode, sendJson, validationError } from './errors.js';
import { queryObject } from './params.js';
import { readJsonBody } from './request-body.js';
import type { Route } from './router.js';

/** The API refuses to start anything on a replica that does not lead: Alertmanager retries a 503 elsewhere. */
export function notLeader(): ApiError {
  return new ApiError(
    503,
    ErrorCode.NotLeader,
    'this replica is not the leader and evaluates nothing; nothing was done (Alertmanager retries, and the leader answers)',
    undefined,
    { 'Retry-After': '5' },
  );
}

function webhookFailure(error: unknown): WebhookRequestResult {
  if (error instanceof AuthError) return error.failure;
  if (!(error instanceof ApiError)) return 'error';
  if (error.status === 413) return 'too_large';
  if (error.status === 415) return 'unsupported_media_type';
  if (error.status === 400) return 'malformed';
  if (error.code === ErrorCode.NotLeader) return 'not_leader';
  if (error.code === ErrorCode.Unavailable) return 'not_ready';
  return 'error';
}

/**
 * POST /api/v1/alerts (the Alertmanager webhook, payload version 4) and GET /api/v1/alerts (what became of the
 * latest alerts). Every webhook request is counted by result, refused ones included.
 */
export function alertRoutes(deps: ApiDeps): { routes: Route[]; receiver: AlertReceiver } {
  const receiver = new AlertReceiver(deps);
  const post: Route = {
    method: 'POST',
    path: '/api/v1/alerts',
    async handle({ req, res, receivedAtMs }) {
      try {
        await deps.token.authorize(req);
        if (!deps.isLeader()) throw notLeader();
        // Refused, not accepted and lost: Alertmanager retries a 5xx within seconds, by then the caches are synced.
        if (!deps.isReady())
          throw new ApiError(
            503,
            ErrorCode.Unavailable,
            'the caches have not synced yet; nothing was done (Alertmanager retries)',
          );
        const body = await readJsonBody(req);
        const parsed = webhookPayloadSchema.safeParse(body);
        if (!parsed.success) throw validationError(ErrorCode.InvalidBody, parsed.error, 'body');
        const alerts = receiver.receive(parsed.data, receivedAtMs);
        deps.metrics.webhookRequest('accepted');
        sendJson(res, 200, {
          received: alerts.length,
          alerts: alerts.map((a) => ({
            fingerprint: a.fingerprint,
            status: a.status,
            result: a.result,
            ...(a.workload ? { workload: a.workload } : {}),
            ...(a.policies ? { policies: a.policies } : {}),
          })),
        });
      } catch (error) {
        deps.metrics.webhookRequest(webhookFailure(error));
        throw error;
      }
    },
  };
  const list: Route = {
    method: 'GET',
    path: '/api/v1/alerts',
    async handle({ res, url }) {
      queryObject(url, []);
      sendJson(res, 200, { items: receiver.recentAlerts() });
    },
  };
  return { routes: [post, list], receiver };
}
