import type { Logger } from 'pino';
import { KubeWorkloadActions } from '../actions/kube-workload-actions.js';
import { KubeStepExecutor } from '../actions/step-executor.js';
import type { CacheGroup } from '../controller/cache-group.js';
import type { EventRecorder } from '../controller/event-recorder.js';
import type { TermContext } from '../controller/leadership.js';
import {
  type ClusterView,
  DEFAULT_PROTECTED_NAMESPACES,
  RemediationGates,
} from '../controller/remediation-gates.js';
import { RemediationRunner } from '../controller/remediation-runner.js';
import type { StatusWriter } from '../controller/status-writer.js';
import type { PolicyAssessment, TargetAssessment } from '../detection/assessment.js';
import type { JsonObject } from '../json/json-value.js';
import { KubeEpisodeStore } from '../kube/episode-store.js';
import type { KubeObject } from '../kube/kube-object.js';
import { RemediationStore } from '../kube/remediation-store.js';
import type { KubeRest } from '../kube/rest-client.js';
import type { FeedbackPoster } from '../ml/feedback-poster.js';
import type { PatternGuidance } from '../ml/pattern-guidance.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import { parseStatus } from '../policy/status-types.js';
import type { AutoscalerLike } from '../remediation/ownership.js';
import { applyRemediationDelta, type PolicyRecordDelta } from '../remediation/policy-record.js';
import type { RemediationMetrics } from '../server/remediation-metrics.js';
import type { Clock } from '../time/clock.js';
import { sendFeedback } from './feedback-wiring.js';

export interface RemediationCaches {
  deployments: CacheGroup;
  statefulSets: CacheGroup;
  replicaSets: CacheGroup;
  pods: CacheGroup;
  autoscalers: CacheGroup;
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
}

const controlledBy = (o: KubeObject, owner: KubeObject) =>
  (o.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.metadata.uid);

/** The namespaces the engine never acts in: the configured list, or the defaults plus its own namespace. */
export function protectedNamespaces(
  configured: readonly string[] | undefined,
  own: string | undefined,
): Set<string> {
  if (configured && configured.length > 0) return new Set(configured);
  return new Set([...DEFAULT_PROTECTED_NAMESPACES, ...(own ? [own] : [])]);
}

function autoscalerOf(o: KubeObject): AutoscalerLike | undefined {
  const ref = (o as { spec?: { scaleTargetRef?: { kind?: unknown; name?: unknown; apiVersion?: unknown } } })
    .spec?.scaleTargetRef;
  if (typeof ref?.kind !== 'string' || typeof ref.name !== 'string') return undefined;
  return {
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    scaleTargetRef: {
      kind: ref.kind,
      name: ref.name,
      ...(typeof ref.apiVersion === 'string' ? { apiVersion: ref.apiVersion } : {}),
    },
  };
}

/**
 * Builds remediation from the engine's parts: durable records, the actions, the gates bound to the informer
 * caches, Events, metrics and the policy status writer. The composition root calls it once.
 */
export function createRemediation(deps: {
  rest: KubeRest;
  caches: RemediationCaches;
  events: EventRecorder;
  statusWriter: Pick<StatusWriter, 'write'>;
  metrics: RemediationMetrics;
  protectedNamespaces: ReadonlySet<string>;
  /** The engine-wide DRY_RUN switch: every policy decides and records, none mutates. */
  forceDryRun: boolean;
  /** When set (ML_SERVICE_URL), every finished episode is sent to the ML service as a training example. */
  feedback?: FeedbackPoster;
  /** When set (ML_SERVICE_URL and PROMETHEUS_URL), policies with the pattern endpoint skip expected anomalies. */
  patterns?: Pick<PatternGuidance, 'expected'>;
  /** Told what each pass decided (src/controller/recent-decisions.ts: the API's answer to a trigger). */
  onDecided?: (policy: KubeObject, delta: PolicyRecordDelta) => void;
  clock: Clock;
  logger: Logger;
}): {
  run(policy: KubeObject, spec: PolicySpec, assessment: PolicyAssessment, term: TermContext): Promise<void>;
  gates: RemediationGates;
} {
  const { caches, clock } = deps;
  const byNamespace = (cache: CacheGroup, namespace: string) =>
    cache.list().filter((o) => o.metadata.namespace === namespace);
  const podsOf = (target: KubeObject): KubeObject[] => {
    const namespace = target.metadata.namespace ?? '';
    if (target.kind === 'Pod') return [target];
    const pods = byNamespace(caches.pods, namespace);
    if (target.kind === 'StatefulSet') return pods.filter((p) => controlledBy(p, target));
    const sets = byNamespace(caches.replicaSets, namespace).filter((rs) => controlledBy(rs, target));
    return pods.filter((p) => sets.some((rs) => controlledBy(p, rs)));
  };
  const cluster: ClusterView = {
    namespaceLabels: (namespace) => caches.namespaceLabels(namespace),
    autoscalers: (namespace) =>
      byNamespace(caches.autoscalers, namespace)
        .map(autoscalerOf)
        .filter((a): a is AutoscalerLike => a !== undefined),
  };
  const gates = new RemediationGates(cluster, deps.protectedNamespaces);
  const kindCache: Record<string, CacheGroup> = {
    Deployment: caches.deployments,
    StatefulSet: caches.statefulSets,
    Pod: caches.pods,
  };
  const withKind = (o: KubeObject | undefined, kind: string) =>
    o ? { ...o, kind: o.kind ?? kind } : undefined;
  const records = new RemediationStore(deps.rest);
  const { feedback, patterns } = deps;
  const runner = new RemediationRunner({
    store: new KubeEpisodeStore(records, () => clock.now()),
    executor: new KubeStepExecutor({
      actions: new KubeWorkloadActions(deps.rest),
      podsOf,
      replicaSetsOf: (target) =>
        byNamespace(caches.replicaSets, target.metadata.namespace ?? '').filter((rs) =>
          controlledBy(rs, target),
        ),
    }),
    workload: (target: TargetAssessment['target']) =>
      withKind(kindCache[target.kind]?.get(`${target.namespace}/${target.name}`), target.kind),
    gates: (context, step, episode) => gates.check(context, step, episode),
    storm: (policy, spec, assessment, nowMs) => gates.storm(policy, spec, assessment, nowMs),
    events: deps.events,
    writePolicyStatus: async (policy, delta) => {
      deps.onDecided?.(policy, delta);
      await deps.statusWriter.write(policy, (current) => {
        const now = new Date(clock.now()).toISOString();
        return applyRemediationDelta(
          parseStatus(current.status),
          delta,
          current.metadata.generation,
          now,
        ) as JsonObject;
      });
    },
    metrics: deps.metrics,
    ...(patterns ? { expected: patterns.expected.bind(patterns) } : {}),
    ...(feedback
      ? { finished: (r: { namespace: string; name: string }) => sendFeedback(records, feedback, r) }
      : {}),
    clock,
    logger: deps.logger,
  });
  return {
    run: (policy, spec, assessment, term) =>
      runner.run(
        policy,
        deps.forceDryRun ? { ...spec, safety: { ...spec.safety, dryRun: true } } : spec,
        assessment,
        term,
      ),
    gates,
  };
}
