import { z } from 'zod';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '../metrics/feature-catalogue.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError, ErrorCode, sendJson } from './errors.js';
import { namespaceName, objectName, parseParams, queryObject } from './params.js';
import type { Route } from './router.js';

/**
 * GET /api/v1/features/{namespace}/{pod}: the pod's latest 45-feature vector as detection built it, each value
 * with its catalogue name (null with the reason when the feature had no data). Only the leader builds vectors.
 */
export function featureRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/features/{namespace}/{pod}',
      async handle({ res, params, url }) {
        const p = parseParams(z.object({ namespace: namespaceName, pod: objectName }), params, 'path');
        queryObject(url, []);
        const latest = deps.features.get(p.namespace, p.pod);
        if (!latest) {
          if (!deps.isLeader()) {
            throw new ApiError(
              503,
              ErrorCode.NotLeader,
              'this replica is not the leader: only the leader builds feature vectors; ask again (the Service may route to the leader)',
            );
          }
          throw new ApiError(
            404,
            ErrorCode.NotFound,
            `no feature vector for pod ${p.namespace}/${p.pod}: it is not a pod of any policy's targets, or no cycle has built one yet (metrics come from PROMETHEUS_URL)`,
          );
        }
        const { vector, evaluatedAtMs } = latest;
        sendJson(res, 200, {
          namespace: vector.namespace,
          pod: vector.pod,
          ...(vector.node ? { node: vector.node } : {}),
          schemaVersion: FEATURE_SCHEMA_VERSION,
          evaluatedAt: new Date(evaluatedAtMs).toISOString(),
          state: vector.state,
          missing: vector.missing,
          features: vector.features.map((f, i) => ({
            name: FEATURE_NAMES[i],
            value: f.ok ? f.value : null,
            ...(f.ok ? {} : { missing: f.missing }),
          })),
        });
      },
    },
  ];
}
