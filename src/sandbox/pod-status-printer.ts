import type { JsonObject } from '../json/json-value.js';
import { formatAge } from './jsonpath.js';
import { arr, int, obj, objects, str, time } from './table-cells.js';

/** The cells `kubectl get pods` shows for one pod, as kube-apiserver's pod printer computes them. */
export interface PodCells {
  /** `ready/total`, counting restartable init containers (sidecars) in the total. */
  ready: string;
  /** The aggregate status: phase, status.reason, `Init:…`, a container's waiting/terminated reason, … */
  status: string;
  /** Restart count, with `(45s ago)` from the newest lastState.terminated.finishedAt when non-zero. */
  restarts: string;
}

// Written by the node lifecycle controller on pods of a node that stopped reporting.
const NODE_LOST = 'NodeLost';

function conditionTrue(status: JsonObject, type: string): boolean {
  return objects(status.conditions).some((c) => c.type === type && c.status === 'True');
}

function later(current: Date | undefined, candidate: Date | undefined): Date | undefined {
  if (!candidate) return current;
  return !current || candidate.getTime() > current.getTime() ? candidate : current;
}

/** The finishedAt of a container's previous termination, if any. */
function lastTermination(containerStatus: JsonObject): Date | undefined {
  const previous = obj(containerStatus.lastState).terminated;
  return previous === undefined || previous === null ? undefined : time(obj(previous).finishedAt);
}

function stateOf(
  containerStatus: JsonObject,
  which: 'waiting' | 'running' | 'terminated',
): JsonObject | undefined {
  const state = obj(containerStatus.state)[which];
  return state === undefined || state === null ? undefined : obj(state);
}

/** `Signal:N` / `ExitCode:N` for a termination without a reason. */
function exitDescription(terminated: JsonObject): string {
  const signal = int(terminated.signal);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated.exitCode)}`;
}

/** printPod's READY, STATUS and RESTARTS, evaluated at `now`. */
export function podCells(pod: JsonObject, now: Date): PodCells {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  if (objects(status.conditions).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initSpecs = objects(spec.initContainers);
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  const total = arr(spec.containers).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let lastRestart: Date | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: Date | undefined;

  // Init containers run in order: the first one not yet done decides the status.
  let initializing = false;
  const initStatuses = objects(status.initContainerStatuses);
  for (const [i, c] of initStatuses.entries()) {
    const sidecar = sidecars.has(str(c.name));
    restarts += int(c.restartCount);
    lastRestart = later(lastRestart, lastTermination(c));
    if (sidecar) {
      sidecarRestarts += int(c.restartCount);
      lastSidecarRestart = later(lastSidecarRestart, lastTermination(c));
    }
    const terminated = stateOf(c, 'terminated');
    const waiting = stateOf(c, 'waiting');
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (terminated) {
      reason = str(terminated.reason)
        ? `Init:${str(terminated.reason)}`
        : `Init:${exitDescription(terminated)}`;
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    // Walked backwards, so the first container with a waiting or terminated reason wins.
    const statuses = objects(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] ?? {};
      restarts += int(c.restartCount);
      lastRestart = later(lastRestart, lastTermination(c));
      const waiting = stateOf(c, 'waiting');
      const terminated = stateOf(c, 'terminated');
      if (waiting && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated) {
        reason = str(terminated.reason) || exitDescription(terminated);
      } else if (c.ready === true && stateOf(c, 'running')) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose first container completed but another still runs is Running (or NotReady), not Completed.
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = obj(pod.metadata).deletionTimestamp;
  if (deleting !== undefined && deleting !== null) {
    if (status.reason === NODE_LOST) reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart) restartsText = `${restarts} (${formatAge(lastRestart, now)} ago)`;
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}

/** The wide cells: IP, NODE, NOMINATED NODE, READINESS GATES. */
export function podWideCells(pod: JsonObject): {
  ip: string;
  node: string;
  nominated: string;
  gates: string;
} {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  // status.podIP and podIPs[0] are kept in step by the apiserver; a sandbox client may set only one.
  const ip = str(objects(status.podIPs)[0]?.ip) || str(status.podIP) || '<none>';
  const gates = objects(spec.readinessGates);
  let gatesText = '<none>';
  if (gates.length > 0) {
    const conditions = objects(status.conditions);
    const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True');
    gatesText = `${passed.length}/${gates.length}`;
  }
  return {
    ip,
    node: str(spec.nodeName) || '<none>',
    nominated: str(status.nominatedNodeName) || '<none>',
    gates: gatesText,
  };
}
