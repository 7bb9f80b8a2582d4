import { resolveFenceposts } from './int-or-percent.js';

/**
 * The Deployment controller's arithmetic, as pure functions over plain numbers (pkg/controller/deployment): how far a
 * rolling update may scale the new ReplicaSet up and the old ones down without breaking maxSurge / maxUnavailable,
 * and the status and conditions that `kubectl rollout status` reads.
 */
export interface RsView {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.replicas / readyReplicas / availableReplicas */
  current: number;
  ready: number;
  available: number;
  createdMs: number;
}

export interface DeploymentView {
  replicas: number;
  maxSurge: unknown;
  maxUnavailable: unknown;
  strategy: 'RollingUpdate' | 'Recreate';
}

const sum = (rss: readonly RsView[], f: (r: RsView) => number) => rss.reduce((n, r) => n + f(r), 0);

/** NewRSNewReplicas: the new ReplicaSet's size this step. */
export function newRsReplicas(d: DeploymentView, all: readonly RsView[], newRs: RsView): number {
  if (d.strategy === 'Recreate') return d.replicas;
  if (newRs.replicas > d.replicas) return d.replicas;
  const { surge } = resolveFenceposts(d.maxSurge, d.maxUnavailable, d.replicas);
  const current = sum(all, (r) => r.replicas);
  const maxTotal = d.replicas + surge;
  if (current >= maxTotal) return newRs.replicas;
  const scaleUp = Math.min(maxTotal - current, d.replicas - newRs.replicas);
  return newRs.replicas + Math.max(0, scaleUp);
}

/**
 * reconcileOldReplicaSets: the new sizes of the old ReplicaSets this step. Unhealthy old pods go first (they do
 * not count towards availability), then available ones down to minAvailable = replicas - maxUnavailable.
 */
export function oldRsScaleDowns(
  d: DeploymentView,
  all: readonly RsView[],
  olds: readonly RsView[],
  newRs: RsView | undefined,
): Map<string, number> {
  const result = new Map<string, number>();
  const oldCount = sum(olds, (r) => r.replicas);
  if (oldCount === 0) return result;
  if (d.strategy === 'Recreate') {
    for (const r of olds) if (r.replicas > 0) result.set(r.name, 0);
    return result;
  }
  const { unavailable } = resolveFenceposts(d.maxSurge, d.maxUnavailable, d.replicas);
  const minAvailable = d.replicas - unavailable;
  const allCount = sum(all, (r) => r.replicas);
  const newUnavailable = newRs ? Math.max(0, newRs.replicas - newRs.available) : 0;
  let maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return result;
  const sizes = new Map(olds.map((r) => [r.name, r.replicas]));
  // Oldest first, as the controller sorts them.
  const ordered = [...olds].sort((a, b) => a.createdMs - b.createdMs);
  for (const r of ordered) {
    if (maxScaledDown <= 0) break;
    const unhealthy = Math.max(0, r.replicas - r.available);
    const cut = Math.min(unhealthy, maxScaledDown);
    if (cut > 0) {
      sizes.set(r.name, r.replicas - cut);
      maxScaledDown -= cut;
    }
  }
  const availableNow = sum(all, (r) => r.available);
  let totalDown = Math.min(availableNow - minAvailable, maxScaledDown);
  for (const r of ordered) {
    if (totalDown <= 0) break;
    const size = sizes.get(r.name) ?? 0;
    const cut = Math.min(size, totalDown);
    if (cut > 0) {
      sizes.set(r.name, size - cut);
      totalDown -= cut;
    }
  }
  for (const r of olds)
    if ((sizes.get(r.name) ?? r.replicas) !== r.replicas) result.set(r.name, sizes.get(r.name) ?? 0);
  return result;
}

/**
 * Scaling without a rollout (a paused Deployment): the difference is spread over the ReplicaSets that have pods,
 * in proportion to their sizes; rounding leftovers go to the newest (or else the largest). Returns the changes.
 */
export function proportionalScale(
  sizes: ReadonlyMap<string, number>,
  desired: number,
  newest?: string,
): Map<string, number> {
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const changes = new Map<string, number>();
  if (total === desired) return changes;
  const active = [...sizes.entries()].filter(([, n]) => n > 0);
  const pool = active.length > 0 ? active : newest !== undefined ? [[newest, 0] as [string, number]] : [];
  if (pool.length === 0) return changes;
  const next = new Map(pool.map(([name, n]) => [name, total > 0 ? Math.floor((n * desired) / total) : 0]));
  let left = desired - [...next.values()].reduce((a, b) => a + b, 0);
  const order = [...pool].sort(([a, x], [b, y]) => (a === newest ? -1 : b === newest ? 1 : y - x));
  for (let i = 0; left > 0; i = (i + 1) % order.length, left--) {
    const name = (order[i] as [string, number])[0];
    next.set(name, (next.get(name) ?? 0) + 1);
  }
  for (const [name, n] of next) if (n !== sizes.get(name)) changes.set(name, n);
  return changes;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export interface DeploymentStatusInput {
  replicas: number;
  unavailableBudget: number;
  generation: number;
  newRs: RsView | undefined;
  all: readonly RsView[];
  previous: {
    updatedReplicas: number;
    readyReplicas: number;
    availableReplicas: number;
    oldReplicas: number;
    conditions: readonly Condition[];
  };
  progressDeadlineSeconds: number | undefined;
  paused: boolean;
  /** "created" the new RS this step, "found" it on a controller restart. */
  newRsEvent: 'created' | 'found' | undefined;
  nowIso: string;
  nowMs: number;
}

/**
 * SetDeploymentCondition: a condition with the same status and reason is left as it is (so a steady state writes
 * nothing), unless `touch` says progress was made (the Progressing special case moves lastUpdateTime).
 */
function setCondition(
  list: Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
  touch = false,
): Condition[] {
  const previous = list.find((c) => c.type === next.type);
  if (previous && !touch && previous.status === next.status && previous.reason === next.reason) return list;
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : next.lastUpdateTime;
  const merged = { ...next, lastTransitionTime };
  return [...list.filter((c) => c.type !== next.type), merged].sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** The status the controller reports, with Available and Progressing conditions (incl. the progress deadline). */
export function deploymentStatus(input: DeploymentStatusInput) {
  const { all, newRs } = input;
  const status = {
    observedGeneration: input.generation,
    replicas: sum(all, (r) => r.current),
    updatedReplicas: newRs?.current ?? 0,
    readyReplicas: sum(all, (r) => r.ready),
    availableReplicas: sum(all, (r) => r.available),
    unavailableReplicas: 0,
    conditions: [...input.previous.conditions] as Condition[],
  };
  // Upstream: the ReplicaSets' desired pods (spec.replicas) that are not available.
  status.unavailableReplicas = Math.max(0, sum(all, (r) => r.replicas) - status.availableReplicas);
  const now = input.nowIso;
  const available = status.availableReplicas >= input.replicas - input.unavailableBudget;
  status.conditions = setCondition(status.conditions, {
    type: 'Available',
    status: available ? 'True' : 'False',
    reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
    message: available
      ? 'Deployment has minimum availability.'
      : 'Deployment does not have minimum availability.',
    lastUpdateTime: now,
  });
  if (input.paused) {
    status.conditions = setCondition(status.conditions, {
      type: 'Progressing',
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
      lastUpdateTime: now,
    });
    return status;
  }
  if (input.progressDeadlineSeconds === undefined) return status;
  const name = newRs?.name ?? '';
  const complete =
    newRs !== undefined &&
    status.updatedReplicas === input.replicas &&
    status.replicas === input.replicas &&
    status.availableReplicas === input.replicas;
  const oldReplicas = status.replicas - status.updatedReplicas;
  const progressed =
    status.updatedReplicas > input.previous.updatedReplicas ||
    oldReplicas < input.previous.oldReplicas ||
    status.readyReplicas > input.previous.readyReplicas ||
    status.availableReplicas > input.previous.availableReplicas;
  const current = status.conditions.find((c) => c.type === 'Progressing');
  let next: Omit<Condition, 'lastTransitionTime'> | undefined;
  let touch = false;
  if (complete) {
    next = {
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${name}" has successfully progressed.`,
      lastUpdateTime: now,
    };
  } else if (current?.reason === 'DeploymentPaused') {
    next = {
      type: 'Progressing',
      status: 'Unknown',
      reason: 'DeploymentResumed',
      message: 'Deployment is resumed',
      lastUpdateTime: now,
    };
    touch = true;
  } else if (input.newRsEvent === 'created') {
    next = {
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetCreated',
      message: `Created new replica set "${name}"`,
      lastUpdateTime: now,
    };
    touch = true;
  } else if (input.newRsEvent === 'found' && !current) {
    next = {
      type: 'Progressing',
      status: 'True',
      reason: 'FoundNewReplicaSet',
      message: `Found new replica set "${name}"`,
      lastUpdateTime: now,
    };
  } else if (progressed || !current) {
    next = {
      type: 'Progressing',
      status: 'True',
      reason: 'ReplicaSetUpdated',
      message: `ReplicaSet "${name}" is progressing.`,
      lastUpdateTime: now,
    };
    touch = true;
  } else if (current.reason !== 'ProgressDeadlineExceeded' && current.reason !== 'NewReplicaSetAvailable') {
    const since = Date.parse(current.lastUpdateTime);
    if (Number.isFinite(since) && since + input.progressDeadlineSeconds * 1000 < input.nowMs) {
      next = {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${name}" has timed out progressing.`,
        lastUpdateTime: now,
      };
    }
  }
  if (next) status.conditions = setCondition(status.conditions, next, touch);
  return status;
}

/** When the controller must look again to notice a progress deadline passing. */
export function deadlineCheckAfterMs(
  conditions: readonly Condition[],
  deadlineSeconds: number | undefined,
  nowMs: number,
) {
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (deadlineSeconds === undefined || !progressing || progressing.status !== 'True') return undefined;
  if (progressing.reason === 'NewReplicaSetAvailable') return undefined;
  const since = Date.parse(progressing.lastUpdateTime);
  if (!Number.isFinite(since)) return undefined;
  return Math.max(1_000, since + deadlineSeconds * 1000 - nowMs + 1_000);
}
