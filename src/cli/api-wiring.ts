import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type Api, createApi } from '../api/api.js';
import type { ApiDeps } from '../api/api-deps.js';
import { createApiMetrics } from '../api/api-metrics.js';
import { BearerTokenFile } from '../api/auth.js';
import type { CacheGroup } from '../controller/cache-group.js';
import type { EvaluationLoop } from '../controller/evaluation-loop.js';
import type { EventRecorder } from '../controller/event-recorder.js';
import type { Leadership } from '../controller/leadership.js';
import type { RecentDecisions } from '../controller/recent-decisions.js';
import type { AssessmentStore } from '../detection/assessment-store.js';
import type { KubeRest } from '../kube/rest-client.js';
import type { LatestFeatureVectors } from '../metrics/latest-feature-vectors.js';
import { METRIC_PREFIX } from '../server/engine-metrics.js';
import type { Clock } from '../time/clock.js';
import type { PolicySources } from './policy-sources.js';

/** The trigger waits this long for its evaluation: past the ML cycle deadline (20 s) with room for the gates. */
const TRIGGER_TIMEOUT_MS = 30_000;

const API_VERSIONS = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', Pod: 'v1' } as const;

/**
 * Builds the REST API and the Alertmanager webhook (src/api/) from the engine's parts. Everything the API starts
 * goes through the evaluation loop, so only the leader acts, through the same detection and gates.
 */
export function createEngineApi(
  config: { webhookTokenFile: string | undefined; namespaces: readonly string[] },
  parts: {
    rest: KubeRest;
    policies: Pick<PolicySources, 'get'>;
    evaluation: EvaluationLoop;
    assessments: AssessmentStore;
    decisions: RecentDecisions;
    vectors: LatestFeatureVectors;
    events: EventRecorder;
    leadership: Leadership;
    /** True once every cache has synced (nothing is judged before). */
    ready(): boolean;
    clock: Clock;
  },
  caches: { deployments: CacheGroup; statefulSets: CacheGroup; pods: CacheGroup },
  registry: Registry,
  parentLogger: Logger,
): Api {
  const byKind = { Deployment: caches.deployments, StatefulSet: caches.statefulSets, Pod: caches.pods };
  const logger = parentLogger.child({ component: 'api' });
  const tokenFile = config.webhookTokenFile;
  if (!tokenFile) {
    logger.info('no WEBHOOK_TOKEN_FILE: the Alertmanager webhook and the trigger are disabled');
  }
  const deps: ApiDeps = {
    // A replica leads while its leadership term is open: the evaluation loop runs only then.
    isLeader: () => !parts.leadership.signal().aborted,
    isReady: () => parts.ready(),
    policy: (key) => parts.policies.get(key),
    workload: (kind, namespace, name) => {
      const object = byKind[kind].get(`${namespace}/${name}`);
      // Listed objects carry no kind; Events need it to name the object.
      return object ? { ...object, kind, apiVersion: object.apiVersion ?? API_VERSIONS[kind] } : undefined;
    },
    evaluation: parts.evaluation,
    assessment: (key) => parts.assessments.get(key),
    decisions: parts.decisions,
    features: parts.vectors,
    events: parts.events,
    rest: parts.rest,
    watchedNamespaces: config.namespaces,
    token: new BearerTokenFile(tokenFile),
    metrics: createApiMetrics(registry, METRIC_PREFIX),
    now: () => parts.clock.now(),
    logger,
    triggerTimeoutMs: TRIGGER_TIMEOUT_MS,
  };
  return createApi(deps);
}
