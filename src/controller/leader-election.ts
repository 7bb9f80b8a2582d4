import type { Logger } from 'pino';
import { type MonotonicClock, sleep } from '../time/clock.js';

/** The fields of coordination.k8s.io/v1 LeaseSpec that leader election uses. */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Lease persistence; create and update throw on conflict (409) so two candidates can never both win. Both resolve
 * with the resourceVersion the lease has now, which lets a leader renew without reading the lease first.
 */
export interface LeaseStore {
  get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined>;
  create(record: LeaseRecord): Promise<string>;
  update(record: LeaseRecord, resourceVersion: string): Promise<string>;
  describe(): string;
}

export interface LeaderElectorOptions {
  identity: string;
  store: LeaseStore;
  /** Expiry and the renew deadline are measured on monotonicNow; now() only stamps the Lease's times. */
  clock: MonotonicClock;
  logger: Logger;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Lease-based leader election with client-go's semantics. Expiry is judged by the local time at which this
 * candidate last saw the lease record change, never by comparing the holder's timestamps with our clock, so clock
 * skew between nodes cannot cause two leaders. A leader that cannot renew within renewDeadline steps down (and
 * stops reconciling) before its lease can expire for others; on stop() a leader releases the lease so a successor
 * need not wait for expiry. Every local duration is measured on the monotonic clock: a wall-clock step must
 * neither expire a live lease early (a takeover while the holder still acts) nor keep a dead one alive.
 */
export class LeaderElector {
  private leader = false;
  private running = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly wake = new AbortController();
  private observed: { raw: string; at: number } | undefined;
  /** What this replica last wrote to the lease, while it leads: the next renewal starts from it. */
  private written: { record: LeaseRecord; resourceVersion: string } | undefined;
  private lastRenew = 0;
  private lastError: string | undefined;
  /** The other replica holding the lease at the last attempt, and the one this replica last said it stands by for. */
  private holder: string | undefined;
  private standingByFor: string | undefined;
  /** Fires at lastRenew + renewDeadline: a leader steps down on time even while a renewal is still in flight. */
  private cancelDeadline: (() => void) | undefined;

  constructor(private readonly o: LeaderElectorOptions) {
    if (
      !(o.leaseDurationMs > o.renewDeadlineMs && o.renewDeadlineMs > o.retryPeriodMs && o.retryPeriodMs > 0)
    ) {
      throw new Error('leader election needs lease duration > renew deadline > retry period > 0');
    }
  }

  start(): void {
    this.running = true;
    this.loop ??= this.run();
  }

  isLeader(): boolean {
    return this.leader;
  }

  isRunning(): boolean {
    return this.running && !this.stopped;
  }

  status(): { identity: string; leader: boolean; running: boolean; lease: string; lastError?: string } {
    return {
      identity: this.o.identity,
      leader: this.leader,
      running: this.isRunning(),
      lease: this.o.store.describe(),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /**
   * Stops campaigning. A leader releases the lease unless told not to: call with release false when in-flight
   * work may still be running (a drain that timed out), so the lease expires instead and no successor can act
   * while this replica still does.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    this.cancelDeadline?.();
    if (this.leader && options.release === false) {
      this.o.logger.warn({ identity: this.o.identity }, 'not releasing the lease; it will expire');
      this.leader = false;
    } else if (this.leader) {
      await this.release();
      this.leader = false;
    }
    this.running = false;
  }

  private async run(): Promise<void> {
    const { clock, logger, identity } = this.o;
    while (!this.stopped) {
      // A renewal counts from when it started, not when its answer came back.
      const started = clock.monotonicNow();
      const outcome = await this.tryAcquireOrRenew();
      if (this.stopped) break;
      const now = clock.monotonicNow();
      if (outcome === 'held') {
        this.lastRenew = started;
        if (!this.leader) {
          this.leader = true;
          this.standingByFor = undefined;
          logger.info({ identity, lease: this.o.store.describe() }, 'became leader');
          this.o.onStartedLeading();
        }
        this.armDeadline();
      } else if (this.leader && outcome === 'taken') {
        this.stepDown('another replica holds the lease');
        this.reportStandingBy();
      } else if (outcome === 'taken') {
        this.reportStandingBy();
      } else if (this.leader && now - this.lastRenew > this.o.renewDeadlineMs) {
        this.stepDown('could not renew the lease within the renew deadline');
      }
      await sleep(clock, this.nextAttemptIn(now), this.wake.signal);
    }
  }

  /**
   * A follower says once that it is standing by, and again when the leader changes: otherwise a healthy standby
   * logs nothing at all after start-up and looks exactly like a stuck one.
   */
  private reportStandingBy(): void {
    if (this.holder === undefined || this.holder === this.standingByFor) return;
    this.standingByFor = this.holder;
    this.o.logger.info(
      { identity: this.o.identity, leader: this.holder, lease: this.o.store.describe() },
      'standing by: another replica holds the lease',
    );
  }

  private armDeadline(): void {
    this.cancelDeadline?.();
    const due = this.lastRenew + this.o.renewDeadlineMs - this.o.clock.monotonicNow();
    this.cancelDeadline = this.o.clock.schedule(
      () => this.stepDown('could not renew the lease within the renew deadline'),
      Math.max(0, due),
    );
  }

  private stepDown(why: string): void {
    this.cancelDeadline?.();
    this.cancelDeadline = undefined;
    if (!this.leader) return;
    this.leader = false;
    this.o.logger.warn({ identity: this.o.identity, err: this.lastError }, `${why}; stepping down`);
    this.o.onStoppedLeading();
  }

  /** Followers wake exactly when the observed lease would expire, so takeover does not wait an extra period. */
  private nextAttemptIn(now: number): number {
    if (this.leader || !this.observed) return this.o.retryPeriodMs;
    const untilExpiry = this.observed.at + this.o.leaseDurationMs - now;
    return Math.max(10, Math.min(this.o.retryPeriodMs, untilExpiry));
  }

  /** held: this replica holds the lease now; taken: another replica holds a live lease; failed: no answer. */
  private async tryAcquireOrRenew(): Promise<'held' | 'taken' | 'failed'> {
    const { store, clock, identity } = this.o;
    // Wall time only for the stamps in the record (for humans and other tools); expiry uses the monotonic clock.
    const now = clock.now();
    const observedAt = clock.monotonicNow();
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    const wrote = (record: LeaseRecord, resourceVersion: string) => {
      this.written = { record, resourceVersion };
      this.observed = { raw: JSON.stringify(record), at: observedAt };
      this.lastError = undefined;
      return 'held' as const;
    };
    // client-go's fast path: a leader renews on the version it wrote last, without reading the lease first (one
    // request per renewal instead of two). Anything else (409: somebody else wrote it) falls back to reading it.
    const last = this.leader ? this.written : undefined;
    this.written = undefined;
    if (last) {
      try {
        const record = { ...last.record, renewTime: microTime(now) };
        return wrote(record, await store.update(record, last.resourceVersion));
      } catch (error) {
        // Read below, and decide on what the lease says now. A conflict is ordinary (somebody else wrote the
        // lease); anything else is worth seeing when renewals are slow: the read and write below come on top.
        this.o.logger.debug(
          { identity, err: error instanceof Error ? error.message : String(error) },
          'renewing on the version last written failed; reading the lease',
        );
      }
    }
    try {
      const existing = await store.get();
      if (!existing) {
        const record: LeaseRecord = {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        };
        return wrote(record, await store.create(record));
      }
      const { record, resourceVersion } = existing;
      const raw = JSON.stringify(record);
      if (this.observed?.raw !== raw) this.observed = { raw, at: observedAt };
      const holder = record.holderIdentity ?? '';
      const heldByOther = holder !== '' && holder !== identity;
      this.holder = heldByOther ? holder : undefined;
      const recordDurationMs = (record.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (heldByOther && observedAt < (this.observed?.at ?? observedAt) + recordDurationMs) return 'taken';
      const mine = holder === identity;
      const renewed: LeaseRecord = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine && record.acquireTime ? record.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: mine ? (record.leaseTransitions ?? 0) : (record.leaseTransitions ?? 0) + 1,
      };
      return wrote(renewed, await store.update(renewed, resourceVersion));
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      return 'failed';
    }
  }

  /** Hands the lease back: empty holder, so the next candidate acquires it on its next attempt. */
  private async release(): Promise<void> {
    const { store, clock, logger, identity } = this.o;
    try {
      const existing = await store.get();
      if (!existing || existing.record.holderIdentity !== identity) return;
      const now = microTime(clock.now());
      await store.update(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: existing.record.leaseTransitions ?? 0,
        },
        existing.resourceVersion,
      );
      logger.info({ identity, lease: store.describe() }, 'released the lease');
    } catch (error) {
      logger.warn({ identity, err: String(error) }, 'could not release the lease; it will expire');
    }
  }
}
