import type { ImmediateEvaluation } from '../controller/evaluation-loop.js';
import { keyOf } from '../controller/informer.js';
import type { KubeObject } from '../kube/kube-object.js';
import {
  type Alert,
  type AlertWorkload,
  describeWorkload,
  targetMatches,
  type WebhookPayload,
  workloadOf,
} from './alert-payload.js';
import type { ApiDeps } from './api-deps.js';
import type { AlertResult } from './api-metrics.js';
import { evaluationView } from './evaluation-view.js';

/** Event reasons on the workload an alert names (API: users filter on them). */
export const AlertEventReason = { Received: 'AlertReceived', Resolved: 'AlertResolved' } as const;

/** Repeats remembered for deduplication; the oldest is forgotten past this many. */
const MAX_REMEMBERED = 10_000;
/** Alerts kept for GET /api/v1/alerts, newest first. */
const MAX_RECENT = 200;

export interface ReceivedAlert {
  fingerprint: string;
  alertname?: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  receivedAt: string;
  workload?: AlertWorkload;
  result: AlertResult;
  /** The policies whose evaluation the alert started (keys: `namespace/name`, or `name` for a cluster policy). */
  policies?: string[];
  /** Per policy, once evaluated: times, the target's verdict and what remediation decided. */
  evaluations?: Array<ReturnType<typeof evaluationView> & { delayMs?: number }>;
  /** Why the evaluation did not happen, when it failed. */
  error?: string;
}

/**
 * Turns Alertmanager notifications into immediate evaluations. A firing alert that names a workload starts an
 * evaluation of every policy that selects it, through the evaluation loop (the same detection, gates and fence
 * as a scheduled cycle); a resolved one is recorded. Repeats (same fingerprint, status and start: Alertmanager
 * re-sends a group's alerts on every change of the group) are recognised and cost nothing.
 */
export class AlertReceiver {
  private readonly remembered = new Set<string>();
  private readonly recent: ReceivedAlert[] = [];

  constructor(private readonly deps: ApiDeps) {}

  recentAlerts(): readonly ReceivedAlert[] {
    return this.recent;
  }

  /** Handles every alert of an accepted payload; returns what became of each (the webhook's answer). */
  receive(payload: WebhookPayload, receivedAtMs: number): ReceivedAlert[] {
    return payload.alerts.map((alert) => {
      const received = this.handle(alert, receivedAtMs);
      this.deps.metrics.alert(received.status, received.result);
      if (received.result !== 'duplicate') {
        this.recent.unshift(received);
        this.recent.length = Math.min(this.recent.length, MAX_RECENT);
      }
      return received;
    });
  }

  private handle(alert: Alert, receivedAtMs: number): ReceivedAlert {
    const received: ReceivedAlert = {
      fingerprint: alert.fingerprint,
      ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
      status: alert.status,
      startsAt: alert.startsAt,
      receivedAt: new Date(receivedAtMs).toISOString(),
      result: 'no_target',
    };
    const identity = `${alert.fingerprint}|${alert.status}|${alert.startsAt}`;
    if (this.remembered.has(identity)) return { ...received, result: 'duplicate' };
    const workload = workloadOf(alert.labels);
    if (!workload) return received;
    received.workload = workload;
    const objects = this.objectsOf(workload);
    const name = alert.labels.alertname ?? alert.fingerprint;
    const selecting = () => this.deps.evaluation.policiesSelecting((entry) => targetMatches(workload, entry));
    // Recorded even when the object is gone (a restarted pod's alert resolves after the pod was replaced); an
    // Event only on an object some policy selects, as for firing alerts.
    if (alert.status === 'resolved') {
      this.remember(identity);
      if (objects.length > 0 && selecting().length > 0)
        this.event(objects, AlertEventReason.Resolved, `alert ${name} resolved`, identity);
      return { ...received, result: 'resolved' };
    }
    if (objects.length === 0) return { ...received, result: 'unknown_target' };
    const policies = selecting();
    if (policies.length === 0) return { ...received, result: 'not_selected' };
    const keys = policies.map(keyOf);
    this.remember(identity);
    this.event(
      objects,
      AlertEventReason.Received,
      `alert ${name} firing: evaluating ${describeWorkload(workload)} now under ${keys.join(', ')}`,
      identity,
    );
    received.result = 'evaluating';
    received.policies = keys;
    this.evaluate(received, policies, receivedAtMs, identity);
    return received;
  }

  private evaluate(
    received: ReceivedAlert,
    policies: KubeObject[],
    receivedAtMs: number,
    identity: string,
  ): void {
    const { deps } = this;
    const workload = received.workload as AlertWorkload;
    const byKey = new Map(policies.map((p) => [keyOf(p), p]));
    deps.evaluation.evaluateNow([...byKey.keys()]).then(
      (results: ImmediateEvaluation[]) => {
        received.evaluations = results.map((result) => {
          const delayMs =
            result.assessedAtMs === undefined ? undefined : Math.max(0, result.assessedAtMs - receivedAtMs);
          deps.metrics.alertEvaluation(
            result.evaluated ? 'evaluated' : 'not_evaluated',
            delayMs === undefined ? undefined : delayMs / 1000,
          );
          const view = evaluationView(
            byKey.get(result.key),
            result.key,
            result,
            deps.decisions.since(result.key, result.startedAtMs),
            (t) =>
              targetMatches(workload, {
                target: t.target,
                pods: t.pods.map((p) => ({ namespace: p.namespace, name: p.pod })),
              }),
          );
          return { ...view, ...(delayMs !== undefined ? { delayMs } : {}) };
        });
      },
      (error: unknown) => {
        // Not lost: counted, logged, shown in GET /api/v1/alerts, and forgotten so that a repeat is evaluated.
        for (const _ of byKey) deps.metrics.alertEvaluation('failed');
        received.error = error instanceof Error ? error.message : String(error);
        this.remembered.delete(identity);
        deps.logger.warn(
          { fingerprint: received.fingerprint, policies: [...byKey.keys()], err: received.error },
          'evaluation started by an alert failed',
        );
      },
    );
  }

  /** The objects the alert names that the engine knows, most specific owner first. */
  private objectsOf(w: AlertWorkload): KubeObject[] {
    const found = [
      w.deployment ? this.deps.workload('Deployment', w.namespace, w.deployment) : undefined,
      w.statefulset ? this.deps.workload('StatefulSet', w.namespace, w.statefulset) : undefined,
      w.pod ? this.deps.workload('Pod', w.namespace, w.pod) : undefined,
    ];
    return found.filter((o): o is KubeObject => o !== undefined);
  }

  private remember(identity: string): void {
    this.remembered.add(identity);
    if (this.remembered.size > MAX_REMEMBERED) {
      const oldest = this.remembered.values().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
  }

  /** An Event on the first object named (the workload rather than its pod), keyed by the alert's identity. */
  private event(objects: KubeObject[], reason: string, message: string, identity: string): void {
    const [object] = objects;
    if (!object) return;
    this.deps.events.record(object, 'Normal', reason, message, { key: identity }).catch((error: unknown) => {
      this.deps.logger.warn({ err: String(error), reason }, 'could not record the alert Event');
    });
  }
}
