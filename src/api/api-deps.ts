import type { Logger } from 'pino';
import type { ImmediateEvaluation } from '../controller/evaluation-loop.js';
import type { ObjectEvents } from '../controller/event-recorder.js';
import type { DecidedPass } from '../controller/recent-decisions.js';
import type { StoredAssessment } from '../detection/assessment-store.js';
import type { PolicyTargets } from '../detection/detection-cycle.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { KubeRest } from '../kube/rest-client.js';
import type { LatestVector } from '../metrics/latest-feature-vectors.js';
import type { ApiMetrics } from './api-metrics.js';
import type { BearerTokenFile } from './auth.js';

export type TargetEntry = PolicyTargets['targets'][number];

/**
 * What the API reads and asks of the engine, as small functions the composition root (src/cli/api-wiring.ts)
 * binds to the informer caches, the evaluation loop and the stores. The API never mutates the cluster itself:
 * everything it starts goes through the evaluation loop, hence through detection, the gates and the fence.
 */
export interface ApiDeps {
  /** True while this replica leads (only the leader evaluates and acts). */
  isLeader(): boolean;
  /** True once the leader's caches have synced: before, nothing can be judged. */
  isReady(): boolean;
  /** A policy by its informer key: `namespace/name`, or `name` for a ClusterRemediationPolicy. */
  policy(key: string): KubeObject | undefined;
  /** A workload or pod from the informer caches. */
  workload(
    kind: 'Deployment' | 'StatefulSet' | 'Pod',
    namespace: string,
    name: string,
  ): KubeObject | undefined;
  evaluation: {
    evaluateNow(keys: readonly string[]): Promise<ImmediateEvaluation[]>;
    policiesSelecting(matches: (entry: TargetEntry) => boolean): KubeObject[];
  };
  /** The latest assessment of a policy made by this replica (leader only). */
  assessment(key: string): StoredAssessment | undefined;
  decisions: { since(policyKey: string, sinceMs: number): DecidedPass | undefined };
  features: { get(namespace: string, pod: string): LatestVector | undefined };
  events: ObjectEvents;
  /** Reads Remediation records for GET /api/v1/remediations. */
  rest: KubeRest;
  /** The namespaces the engine watches (--namespaces); empty means all. Records are listed only there. */
  watchedNamespaces: readonly string[];
  token: BearerTokenFile;
  metrics: ApiMetrics;
  now(): number;
  logger: Logger;
  /** How long the trigger waits for its evaluation before answering 504 (the evaluation goes on). */
  triggerTimeoutMs: number;
}
