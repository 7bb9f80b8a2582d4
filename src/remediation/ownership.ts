/**
 * Who else manages a workload. Acting on something a GitOps tool, Helm, an operator or an autoscaler manages
 * either gets reverted or fights that manager, so gate 3 consults this classification. Plain shapes in, plain
 * shapes out: the caller copies the fields from informer objects.
 */

export interface OwnerReferenceLike {
  apiVersion?: string;
  kind: string;
  name: string;
  controller?: boolean;
}

export interface WorkloadLike {
  kind: string;
  namespace: string;
  name: string;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  ownerReferences?: readonly OwnerReferenceLike[];
}

/** The part of a HorizontalPodAutoscaler (or KEDA's generated one) that says what it scales. */
export interface AutoscalerLike {
  namespace: string;
  name: string;
  scaleTargetRef: { kind: string; name: string; apiVersion?: string };
}

export type GitOpsTool = 'ArgoCD' | 'Flux';

export interface Ownership {
  /** `marker` names the label or annotation that gave it away, for messages. */
  gitOps?: { tool: GitOpsTool; marker: string };
  helm?: { release?: string; marker: string };
  /** The controller ownerReference of a Deployment/StatefulSet, or a Pod's non-built-in controller. */
  operator?: { kind: string; name: string };
  autoscaler?: { kind: 'HorizontalPodAutoscaler'; name: string };
}

export const ARGOCD_TRACKING_ID_ANNOTATION = 'argocd.argoproj.io/tracking-id';
export const ARGOCD_INSTANCE_LABEL = 'argocd.argoproj.io/instance';
export const FLUX_KUSTOMIZE_LABEL = 'kustomize.toolkit.fluxcd.io/name';
export const FLUX_HELM_LABEL = 'helm.toolkit.fluxcd.io/name';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const HELM_RELEASE_ANNOTATION = 'meta.helm.sh/release-name';

/**
 * A Pod's controller is normally one of these; that is Kubernetes itself, not an operator. (For a Pod target the
 * caller should also classify the Pod's workload, which carries the GitOps/Helm markers.)
 */
const BUILTIN_POD_CONTROLLERS = new Set([
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'ReplicationController',
]);

function gitOpsOf(workload: WorkloadLike): Ownership['gitOps'] {
  const labels = workload.labels ?? {};
  const annotations = workload.annotations ?? {};
  if (annotations[ARGOCD_TRACKING_ID_ANNOTATION] !== undefined) {
    return { tool: 'ArgoCD', marker: `annotation ${ARGOCD_TRACKING_ID_ANNOTATION}` };
  }
  if (labels[ARGOCD_INSTANCE_LABEL] !== undefined) {
    return { tool: 'ArgoCD', marker: `label ${ARGOCD_INSTANCE_LABEL}` };
  }
  for (const label of [FLUX_KUSTOMIZE_LABEL, FLUX_HELM_LABEL]) {
    if (labels[label] !== undefined) return { tool: 'Flux', marker: `label ${label}` };
  }
  return undefined;
}

function helmOf(workload: WorkloadLike): Ownership['helm'] {
  const release = workload.annotations?.[HELM_RELEASE_ANNOTATION];
  if (release !== undefined) return { release, marker: `annotation ${HELM_RELEASE_ANNOTATION}` };
  if (workload.labels?.[MANAGED_BY_LABEL] === 'Helm') {
    return { marker: `label ${MANAGED_BY_LABEL}=Helm` };
  }
  return undefined;
}

function operatorOf(workload: WorkloadLike): Ownership['operator'] {
  const controller = workload.ownerReferences?.find((ref) => ref.controller === true);
  if (!controller) return undefined;
  if (workload.kind === 'Pod' && BUILTIN_POD_CONTROLLERS.has(controller.kind)) return undefined;
  return { kind: controller.kind, name: controller.name };
}

function autoscalerOf(
  workload: WorkloadLike,
  autoscalers: readonly AutoscalerLike[],
): Ownership['autoscaler'] {
  const hpa = autoscalers.find(
    (a) =>
      a.namespace === workload.namespace &&
      a.scaleTargetRef.kind === workload.kind &&
      a.scaleTargetRef.name === workload.name,
  );
  return hpa ? { kind: 'HorizontalPodAutoscaler', name: hpa.name } : undefined;
}

/** Every manager detected; an object can have several (a Flux HelmRelease is both Flux and Helm). */
export function classifyOwnership(
  workload: WorkloadLike,
  autoscalers: readonly AutoscalerLike[] = [],
): Ownership {
  const ownership: Ownership = {};
  const gitOps = gitOpsOf(workload);
  if (gitOps) ownership.gitOps = gitOps;
  const helm = helmOf(workload);
  if (helm) ownership.helm = helm;
  const operator = operatorOf(workload);
  if (operator) ownership.operator = operator;
  const autoscaler = autoscalerOf(workload, autoscalers);
  if (autoscaler) ownership.autoscaler = autoscaler;
  return ownership;
}

/** For messages: "Argo CD (annotation argocd.argoproj.io/tracking-id)". */
export function describeGitOps(gitOps: NonNullable<Ownership['gitOps']>): string {
  return `${gitOps.tool === 'ArgoCD' ? 'Argo CD' : 'Flux'} (${gitOps.marker})`;
}

export function describeHelm(helm: NonNullable<Ownership['helm']>): string {
  return helm.release === undefined
    ? `Helm (${helm.marker})`
    : `Helm release ${helm.release} (${helm.marker})`;
}

export function describeOperator(operator: NonNullable<Ownership['operator']>): string {
  return `${operator.kind} ${operator.name} (controller ownerReference)`;
}
