import { z } from 'zod';
import { namespaceName, objectName } from './params.js';

/**
 * The Alertmanager webhook payload, version "4" (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Every field Alertmanager always sends is required, so a hand-written or truncated payload is refused with the
 * field named; fields added by later versions are tolerated.
 */
const labels = z.record(z.string(), z.string());
const time = z.string().refine((t) => Number.isFinite(Date.parse(t)), 'not an RFC 3339 time');
const status = z.enum(['firing', 'resolved']);

export const MAX_ALERTS = 1000;

export const alertSchema = z.looseObject({
  status,
  labels,
  annotations: labels,
  startsAt: time,
  endsAt: time,
  generatorURL: z.string(),
  /** Alertmanager's identity of the alert's label set: repeats of one alert share it. */
  fingerprint: z.string().min(1).max(128),
});
export type Alert = z.infer<typeof alertSchema>;

export const webhookPayloadSchema = z.looseObject({
  version: z.literal('4', { error: 'only version "4" of the Alertmanager webhook payload is understood' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status,
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string(),
  alerts: z.array(alertSchema).min(1).max(MAX_ALERTS),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** The workload an alert is about, from the labels kube-state-metrics and cAdvisor series carry. */
export interface AlertWorkload {
  namespace: string;
  pod?: string;
  deployment?: string;
  statefulset?: string;
}

const valid = (schema: z.ZodType<string>, value: string | undefined) =>
  value !== undefined && schema.safeParse(value).success ? value : undefined;

/**
 * `namespace` plus at least one of `pod`, `deployment`, `statefulset`; undefined when the labels name no workload
 * (or a value that cannot be a Kubernetes name).
 */
export function workloadOf(alertLabels: Readonly<Record<string, string>>): AlertWorkload | undefined {
  const namespace = valid(namespaceName, alertLabels.namespace);
  if (!namespace) return undefined;
  const pod = valid(objectName, alertLabels.pod);
  const deployment = valid(objectName, alertLabels.deployment);
  const statefulset = valid(objectName, alertLabels.statefulset);
  if (!pod && !deployment && !statefulset) return undefined;
  return {
    namespace,
    ...(pod ? { pod } : {}),
    ...(deployment ? { deployment } : {}),
    ...(statefulset ? { statefulset } : {}),
  };
}

/** Whether a policy target (with its pods) is the workload an alert names, or owns the pod it names. */
export function targetMatches(
  workload: AlertWorkload,
  entry: {
    target: { kind: string; namespace: string; name: string };
    pods: ReadonlyArray<{ namespace: string; name: string }>;
  },
): boolean {
  const { target, pods } = entry;
  if (target.namespace !== workload.namespace) return false;
  if (workload.deployment && target.kind === 'Deployment' && target.name === workload.deployment) return true;
  if (workload.statefulset && target.kind === 'StatefulSet' && target.name === workload.statefulset)
    return true;
  const pod = workload.pod;
  if (!pod) return false;
  if (target.kind === 'Pod' && target.name === pod) return true;
  return pods.some((p) => p.namespace === workload.namespace && p.name === pod);
}

export function describeWorkload(w: AlertWorkload): string {
  const parts = [
    w.deployment ? `Deployment ${w.deployment}` : undefined,
    w.statefulset ? `StatefulSet ${w.statefulset}` : undefined,
    w.pod ? `Pod ${w.pod}` : undefined,
  ].filter((p): p is string => p !== undefined);
  return `${parts.join(', ')} in ${w.namespace}`;
}
