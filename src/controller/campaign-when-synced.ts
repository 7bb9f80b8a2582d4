import type { Clock } from '../time/clock.js';

/**
 * Starts campaigning for the lease only once the caches have synced (polled every `pollMs`). At 40,000 pods the
 * initial lists kept the event loop and the API busy for long enough that a lease won meanwhile could not be
 * renewed within the renew deadline: the engine stepped down, and so exited, seconds after becoming leader. A
 * standby keeps its caches warm either way, so waiting costs a failover nothing.
 */
export class CampaignWhenSynced {
  private cancelWait: (() => void) | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly o: { synced(): boolean; campaign(): void; clock: Clock; pollMs?: number }) {}

  start(): void {
    if (this.stopped || this.started) return;
    this.cancelWait = undefined;
    if (this.o.synced()) {
      this.started = true;
      this.o.campaign();
    } else this.cancelWait = this.o.clock.schedule(() => this.start(), this.o.pollMs ?? 100);
  }

  /** True while waiting for the caches (not yet campaigning, not stopped). */
  waiting(): boolean {
    return !this.started && !this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.cancelWait?.();
    this.cancelWait = undefined;
  }
}
