import type { BehaviourParams } from './behaviour-spec.js';
import type { ContainerLoad, LoadShape } from './load-profile.js';

/**
 * One container's life as the kubelet would drive it, as a deterministic function of time (seconds): created,
 * started, Ready after a delay, crashing when its regime says so (shown as terminated for a second, as the kubelet
 * reports it until its next sync), restarted with the kubelet's back-off (at once the first time, then 10 s doubling
 * to 5 min, forgotten after 10 min without a crash), stopped on pod deletion. The same object answers what the
 * metrics are at any time, so status and exporter agree.
 */
export type NormalShape = 'steady' | 'noisy' | 'daily-peak';
export type Trouble = 'none' | 'crash' | 'leak' | 'saturate';

export interface Regime {
  normal: NormalShape;
  trouble: Trouble;
  /** When this regime began (seconds); trouble is planned from max(run start, since). */
  since: number;
}

export interface Termination {
  reason: 'Error' | 'OOMKilled' | 'Completed';
  exitCode: number;
  startedAt: number;
  finishedAt: number;
}

export type ContainerState =
  | { kind: 'waiting'; reason: 'ContainerCreating' | 'CrashLoopBackOff'; backoffSeconds?: number }
  | { kind: 'running'; startedAt: number }
  | { kind: 'terminated'; termination: Termination };

export const BACKOFF_INITIAL = 10;
export const BACKOFF_MAX = 300;
/** The kubelet forgets a container's back-off once it ran this long (2 x the maximum) without crashing. */
export const BACKOFF_RESET = 2 * BACKOFF_MAX;
/** How long an exited container shows as terminated before the kubelet restarts it or backs off. */
export const TERMINATED_SHOWN = 1;

interface Segment {
  from: number;
  regime: Regime;
}

export class ContainerSim {
  restartCount = 0;
  lastTermination: Termination | undefined;
  private phase: 'creating' | 'running' | 'crashed' | 'backoff' | 'stopped' = 'creating';
  private crashedUntil = 0;
  /** CPU seconds of the current run accrued before the numbers last changed (reconfigure). */
  private carried = 0;
  /** A leak that continues from where it was when the numbers changed. */
  private leakFrom: { at: number; bytes: number } | undefined;
  private runStart = 0;
  private nextStartAt: number;
  private crash: { at: number; reason: 'Error' | 'OOMKilled'; exitCode: number } | undefined;
  private backoff: { seconds: number; lastUpdate: number } | undefined;
  private segments: Segment[] = [];
  private retiredCpu = 0;
  private stopAt: number | undefined;
  /** The back-off currently being waited out (what CrashLoopBackOff's message names). */
  private waitSeconds = 0;
  private final: Termination | undefined;

  constructor(
    private currentLoad: ContainerLoad,
    private params: BehaviourParams,
    private regime: Regime,
    createdAt: number,
  ) {
    this.nextStartAt = createdAt + params.startDelay;
  }

  get load(): ContainerLoad {
    return this.currentLoad;
  }

  /**
   * New numbers (an annotation changed) from t on: what the run used so far is kept (CPU, leaked memory,
   * restarts, back-off), the rest continues with the new load and the next exit is planned again.
   */
  reconfigure(load: ContainerLoad, params: BehaviourParams, t: number): void {
    this.advance(t);
    if (this.phase === 'running') {
      this.carried = this.runCpu(t);
      const regime = this.currentRegime(t);
      if (regime.trouble === 'leak') this.leakFrom = { at: t, bytes: this.memoryAt(t) };
      this.segments = [{ from: t, regime: this.regime }];
    }
    this.currentLoad = load;
    this.params = params;
    if (this.phase === 'running') this.crash = this.planCrash();
  }

  /** Processes every transition up to t (idempotent; time only moves forward). */
  advance(t: number): void {
    for (;;) {
      const next = this.pendingEventAt();
      if (next === undefined || next > t) return;
      this.step(next);
    }
  }

  /** The next time after `now` that the visible state changes (start, Ready, crash, restart, stop). */
  nextEventAt(now: number): number | undefined {
    this.advance(now);
    const pending = this.pendingEventAt();
    const ready = this.phase === 'running' ? this.runStart + this.params.readyAfter : undefined;
    if (ready !== undefined && ready > now && (pending === undefined || ready < pending)) return ready;
    return pending;
  }

  setRegime(regime: Regime, t: number): void {
    this.advance(t);
    if (sameRegime(regime, this.regime)) return;
    if (regime.trouble !== this.regime.trouble) this.leakFrom = undefined;
    this.regime = regime;
    if (this.phase === 'running') {
      this.segments.push({ from: t, regime });
      this.crash = this.planCrash();
    }
  }

  /** The pod is being deleted: the process exits `after` seconds from t (SIGTERM, exit 0). */
  stop(t: number, after: number): void {
    this.advance(t);
    if (this.stopAt === undefined || t + after < this.stopAt) this.stopAt = t + after;
  }

  get stopped(): boolean {
    return this.phase === 'stopped';
  }

  state(): ContainerState {
    if (this.phase === 'stopped' && this.final) return { kind: 'terminated', termination: this.final };
    if (this.phase === 'crashed' && this.lastTermination)
      return { kind: 'terminated', termination: this.lastTermination };
    if (this.phase === 'running') return { kind: 'running', startedAt: this.runStart };
    if (this.phase === 'backoff')
      return { kind: 'waiting', reason: 'CrashLoopBackOff', backoffSeconds: this.waitSeconds };
    return { kind: 'waiting', reason: 'ContainerCreating' };
  }

  ready(t: number): boolean {
    return this.phase === 'running' && t >= this.runStart + this.params.readyAfter;
  }

  /** True once the container has run at least once (the kubelet's `started`). */
  get everStarted(): boolean {
    return this.phase !== 'creating';
  }

  /** Metrics at t (advancing to t first; reading an earlier time of the current run is fine). */
  cpuRate(t: number): number {
    this.advance(t);
    if (this.phase !== 'running') return 0;
    return this.currentLoad.cpuRate(this.shapeAt(this.currentRegime(t), t), t);
  }

  /** cAdvisor's per-container counter: CPU seconds of the current run (a new cgroup starts at zero). */
  cpuTotal(t: number): number {
    this.advance(t);
    return this.runCpu(t);
  }

  private runCpu(t: number): number {
    if (this.phase !== 'running') return 0;
    let total = this.carried;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      const end = Math.min(t, this.segments[i + 1]?.from ?? t);
      total += this.segmentCpu(seg, Math.max(seg.from, this.runStart), end);
    }
    return total;
  }

  /** CPU seconds over the container's whole life (the pod-level cgroup keeps counting across restarts). */
  lifetimeCpu(t: number): number {
    this.advance(t);
    return this.retiredCpu + this.runCpu(t);
  }

  memory(t: number): number {
    this.advance(t);
    return this.memoryAt(t);
  }

  private memoryAt(t: number): number {
    if (this.phase !== 'running') return 0;
    const regime = this.currentRegime(t);
    if (regime.trouble === 'leak') {
      if (this.leakFrom) return this.currentLoad.memory('leak', t, this.leakFrom.at, this.leakFrom.bytes);
      return this.currentLoad.memory('leak', t, Math.max(this.runStart, regime.since));
    }
    return this.currentLoad.memory(this.shapeAt(regime, t), t, this.runStart);
  }

  private currentRegime(t: number): Regime {
    let regime = this.segments[0]?.regime ?? this.regime;
    for (const seg of this.segments) if (seg.from <= t) regime = seg.regime;
    return regime;
  }

  private shapeAt(regime: Regime, t: number): LoadShape {
    if (regime.trouble === 'saturate' && t >= Math.max(this.runStart, regime.since) + this.params.onset)
      return 'saturated';
    return regime.normal;
  }

  private segmentCpu(seg: Segment, a: number, b: number): number {
    if (b <= a) return 0;
    const regime = seg.regime;
    if (regime.trouble !== 'saturate') return this.currentLoad.cpuIntegral(regime.normal, a, b);
    const switchAt = Math.max(this.runStart, regime.since) + this.params.onset;
    return (
      this.currentLoad.cpuIntegral(regime.normal, a, Math.min(b, switchAt)) +
      this.currentLoad.cpuIntegral('saturated', Math.max(a, switchAt), b)
    );
  }

  private pendingEventAt(): number | undefined {
    if (this.phase === 'stopped') return undefined;
    const times: number[] = [];
    if (this.stopAt !== undefined) times.push(this.stopAt);
    if (this.phase === 'creating' || this.phase === 'backoff') times.push(this.nextStartAt);
    if (this.phase === 'crashed') times.push(Math.min(this.crashedUntil, this.nextStartAt));
    if (this.phase === 'running' && this.crash) times.push(this.crash.at);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  private step(at: number): void {
    if (this.stopAt !== undefined && at >= this.stopAt) {
      this.retire(at);
      const startedAt = this.phase === 'running' ? this.runStart : (this.lastTermination?.finishedAt ?? at);
      this.final = { reason: 'Completed', exitCode: 0, startedAt, finishedAt: at };
      this.phase = 'stopped';
      return;
    }
    if (this.phase === 'running' && this.crash && at >= this.crash.at) {
      const { reason, exitCode } = this.crash;
      this.retire(at);
      this.lastTermination = { reason, exitCode, startedAt: this.runStart, finishedAt: at };
      this.scheduleRestart(at);
      return;
    }
    if (this.phase === 'crashed' && at >= this.crashedUntil && at < this.nextStartAt) {
      this.phase = 'backoff';
      return;
    }
    if (
      (this.phase === 'creating' || this.phase === 'backoff' || this.phase === 'crashed') &&
      at >= this.nextStartAt
    ) {
      if (this.phase !== 'creating') this.restartCount++;
      this.begin(at);
    }
  }

  private begin(at: number): void {
    this.phase = 'running';
    this.runStart = at;
    this.carried = 0;
    this.leakFrom = undefined;
    this.segments = [{ from: at, regime: this.regime }];
    this.crash = this.planCrash();
  }

  private retire(at: number): void {
    if (this.phase === 'running') this.retiredCpu += this.runCpu(at);
    this.segments = [];
    this.crash = undefined;
    this.carried = 0;
    this.leakFrom = undefined;
  }

  /** The kubelet's back-off (client-go flowcontrol.Backoff as the kubelet uses it). */
  private scheduleRestart(finishedAt: number): void {
    this.phase = 'crashed';
    this.crashedUntil = finishedAt + TERMINATED_SHOWN;
    if (!this.backoff || finishedAt - this.backoff.lastUpdate > BACKOFF_RESET) {
      // Not in back-off: restarted at the kubelet's next sync.
      this.nextStartAt = this.crashedUntil;
      this.backoff = { seconds: BACKOFF_INITIAL, lastUpdate: this.nextStartAt };
      this.waitSeconds = 0;
      return;
    }
    this.waitSeconds = this.backoff.seconds;
    this.nextStartAt = finishedAt + this.backoff.seconds;
    this.backoff = { seconds: Math.min(this.backoff.seconds * 2, BACKOFF_MAX), lastUpdate: this.nextStartAt };
  }

  private planCrash(): ContainerSim['crash'] {
    const from = Math.max(this.runStart, this.regime.since);
    if (this.regime.trouble === 'crash')
      return { at: from + this.params.crashAfter, reason: 'Error', exitCode: this.params.exitCode };
    if (this.regime.trouble === 'leak') {
      const at = this.leakFrom
        ? this.currentLoad.oomAt(this.leakFrom.at, this.leakFrom.bytes)
        : this.currentLoad.oomAt(from);
      return { at, reason: 'OOMKilled', exitCode: 137 };
    }
    return undefined;
  }
}

function sameRegime(a: Regime, b: Regime): boolean {
  return a.normal === b.normal && a.trouble === b.trouble;
}
