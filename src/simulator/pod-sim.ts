import type { BehaviourParams } from './behaviour-spec.js';
import {
  type ContainerSim,
  type ContainerState,
  type Regime,
  ContainerSim as Sim,
  type Termination,
} from './container-sim.js';
import { ContainerLoad, seedOf } from './load-profile.js';
import { type ContainerSpec, kubeTime } from './objects.js';

/**
 * One pod as its kubelet runs it: a ContainerSim per container, its IPs, and the status the kubelet reports,
 * rendered the way the real one does (phase, conditions with transition times, containerStatuses with state,
 * lastState, restartCount and the CrashLoopBackOff message).
 */
export interface PodIdentity {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  hostIP: string;
  podIP: string;
  qosClass: string;
}

type Json = Record<string, unknown>;

const sec = (s: number) => kubeTime(s * 1000);

export class PodSim {
  readonly containers = new Map<string, ContainerSim>();
  readonly specs: ContainerSpec[];
  /** The container that misbehaves (annotation `container`, or the first). */
  target: string | undefined;
  private readonly conditionSince = new Map<string, { status: string; since: number }>();
  /** The status last written (canonical JSON), so only changes are written. */
  lastWritten: string | undefined;
  deleting = false;
  /** The kubelet's final DELETE has been sent. */
  removed = false;
  /** What Events have been told about each container: restarts seen, and whether its back-off was reported. */
  readonly reported = new Map<string, { restarts: number; started: boolean; backoff: boolean }>();
  killingReported = false;

  /** The Events the kubelet owes since the last call: Started, BackOff, Killing (as [type, reason, message]). */
  newEvents(): Array<['Normal' | 'Warning', string, string]> {
    const out: Array<['Normal' | 'Warning', string, string]> = [];
    for (const c of this.specs) {
      const sim = this.containers.get(c.name);
      if (!sim) continue;
      const seen = this.reported.get(c.name) ?? { restarts: 0, started: false, backoff: false };
      const state = sim.state();
      if (state.kind === 'running' && (!seen.started || sim.restartCount > seen.restarts)) {
        out.push(['Normal', 'Started', `Started container ${c.name}`]);
        seen.started = true;
        seen.restarts = sim.restartCount;
        seen.backoff = false;
      }
      const backingOff = state.kind === 'waiting' && state.reason === 'CrashLoopBackOff';
      if (backingOff && !seen.backoff) {
        out.push([
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${this.id.name}_${this.id.namespace}(${this.id.uid})`,
        ]);
      }
      seen.backoff = backingOff;
      this.reported.set(c.name, seen);
    }
    if (this.deleting && !this.killingReported) {
      this.killingReported = true;
      for (const c of this.specs) out.push(['Normal', 'Killing', `Stopping container ${c.name}`]);
    }
    return out;
  }

  constructor(
    readonly id: PodIdentity,
    specs: ContainerSpec[],
    private currentParams: BehaviourParams,
    readonly startedAt: number,
    regimes: (container: string) => Regime,
    private readonly nodeCores: number,
  ) {
    this.specs = specs;
    this.target = targetOf(specs, currentParams);
    for (const c of specs) {
      this.containers.set(
        c.name,
        new Sim(this.loadFor(c, currentParams), currentParams, regimes(c.name), startedAt),
      );
    }
  }

  get params(): BehaviourParams {
    return this.currentParams;
  }

  /** The behaviour's numbers changed (an annotation): every container continues with them from t. */
  setParams(params: BehaviourParams, t: number): void {
    this.currentParams = params;
    this.target = targetOf(this.specs, params);
    for (const c of this.specs) this.containers.get(c.name)?.reconfigure(this.loadFor(c, params), params, t);
  }

  private loadFor(c: ContainerSpec, params: BehaviourParams): ContainerLoad {
    const resources = { cpuLimit: c.cpuLimit, memoryLimit: c.memoryLimit };
    return new ContainerLoad(seedOf(`${this.id.uid}/${c.name}`), resources, params, this.nodeCores);
  }

  advance(t: number): void {
    for (const c of this.containers.values()) c.advance(t);
  }

  nextEventAt(t: number): number | undefined {
    let next: number | undefined;
    for (const c of this.containers.values()) {
      const at = c.nextEventAt(t);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  setRegime(container: string, regime: Regime, t: number): void {
    this.containers.get(container)?.setRegime(regime, t);
  }

  stop(t: number, graceSeconds: number): void {
    this.deleting = true;
    const after = Math.min(this.params.terminationSeconds, graceSeconds);
    for (const c of this.containers.values()) c.stop(t, after);
  }

  get allStopped(): boolean {
    return [...this.containers.values()].every((c) => c.stopped);
  }

  /** The pod's status at t, as the kubelet writes it to the API. */
  status(t: number): Json {
    this.advance(t);
    const sims = this.specs.map((c) => [c, this.containers.get(c.name) as ContainerSim] as const);
    const allReady = !this.deleting && sims.every(([, sim]) => sim.ready(t));
    const started = sims.some(([, sim]) => sim.everStarted);
    const conditions = [
      this.condition('PodReadyToStartContainers', true, t),
      this.condition('Initialized', true, t),
      this.condition('Ready', allReady, t, 'ContainersNotReady'),
      this.condition('ContainersReady', allReady, t, 'ContainersNotReady'),
      this.condition('PodScheduled', true, t),
    ];
    const notReady = sims.filter(([, sim]) => !sim.ready(t)).map(([c]) => c.name);
    for (const c of conditions) {
      if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'False')
        c.message = `containers with unready status: [${notReady.join(' ')}]`;
    }
    return {
      phase: started ? 'Running' : 'Pending',
      conditions,
      hostIP: this.id.hostIP,
      hostIPs: [{ ip: this.id.hostIP }],
      podIP: this.id.podIP,
      podIPs: [{ ip: this.id.podIP }],
      startTime: sec(this.startedAt),
      qosClass: this.id.qosClass,
      containerStatuses: sims.map(([c, sim]) => this.containerStatus(c, sim, t)),
    };
  }

  private condition(type: string, ok: boolean, t: number, reason?: string): Json {
    const status = ok ? 'True' : 'False';
    const previous = this.conditionSince.get(type);
    const since =
      previous && previous.status === status ? previous.since : type === 'PodScheduled' ? this.startedAt : t;
    this.conditionSince.set(type, { status, since });
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: sec(since),
      ...(!ok && reason ? { reason } : {}),
    };
  }

  private containerStatus(c: ContainerSpec, sim: ContainerSim, t: number): Json {
    const state = sim.state();
    const image = c.image.includes(':') || c.image.includes('@') ? c.image : `${c.image}:latest`;
    const containerId = `containerd://${seedOf(`${this.id.uid}/${c.name}/${sim.restartCount}`).toString(16).padStart(8, '0')}`;
    return {
      name: c.name,
      state: this.stateJson(state, c.name, containerId),
      lastState: sim.lastTermination ? { terminated: terminatedJson(sim.lastTermination) } : {},
      ready: sim.ready(t),
      restartCount: sim.restartCount,
      image: image.includes('/') ? image : `docker.io/library/${image}`,
      imageID: `sha256:${seedOf(image).toString(16).padStart(8, '0').repeat(8)}`,
      ...(sim.everStarted ? { containerID: containerId } : {}),
      started: state.kind === 'running',
    };
  }

  private stateJson(state: ContainerState, container: string, containerId: string): Json {
    if (state.kind === 'running') return { running: { startedAt: sec(state.startedAt) } };
    if (state.kind === 'terminated')
      return { terminated: { ...terminatedJson(state.termination), containerID: containerId } };
    if (state.reason === 'CrashLoopBackOff') {
      return {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatBackoff(state.backoffSeconds ?? 10)} restarting failed container=${container} pod=${this.id.name}_${this.id.namespace}(${this.id.uid})`,
        },
      };
    }
    return { waiting: { reason: 'ContainerCreating' } };
  }
}

function targetOf(specs: readonly ContainerSpec[], params: BehaviourParams): string | undefined {
  return specs.some((c) => c.name === params.container) ? params.container : specs[0]?.name;
}

function terminatedJson(t: Termination): Json {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    startedAt: sec(t.startedAt),
    finishedAt: sec(t.finishedAt),
  };
}

/** Go's time.Duration formatting for whole seconds: 10s, 1m20s, 5m0s. */
function formatBackoff(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}
