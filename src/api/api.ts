import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertReceiver } from './alert-receiver.js';
import { alertRoutes } from './alerts-routes.js';
import type { ApiDeps } from './api-deps.js';
import { featureRoutes } from './features-routes.js';
import { policyRoutes } from './policies-routes.js';
import { remediationRoutes } from './remediations-routes.js';
import { createRouter, type Route } from './router.js';
import { triggerRoutes } from './trigger-route.js';

export interface Api {
  /** Every route, as docs/api/openapi.yaml documents them. */
  routes: readonly Route[];
  handler(req: IncomingMessage, res: ServerResponse): void;
  alerts: AlertReceiver;
}

/** The REST API and the Alertmanager webhook: the route groups of src/api/ behind one router. */
export function createApi(deps: ApiDeps): Api {
  const alerts = alertRoutes(deps);
  const routes = [
    ...alerts.routes,
    ...remediationRoutes(deps),
    ...policyRoutes(deps),
    ...triggerRoutes(deps),
    ...featureRoutes(deps),
  ];
  const handler = createRouter(routes, {
    logger: deps.logger,
    now: deps.now,
    observe: (route, method, status) => deps.metrics.request(route, method, status),
  });
  return { routes, handler, alerts: alerts.receiver };
}
