import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaderElector, type LeaseRecord, type LeaseStore } from '../src/controller/leader-election.js';
import { FakeClock } from './support/fake-clock.js';

/** An in-memory Lease with optimistic concurrency, and a switch to cut one candidate off (a partition). */
class MemoryLease {
  record: LeaseRecord | undefined;
  version = 0;
  storeFor(name: string, partitioned: () => boolean = () => false): LeaseStore {
    return {
      describe: () => 'test/lease',
      get: async () => {
        if (partitioned()) throw new Error(`${name}: connection refused`);
        return this.record
          ? { record: { ...this.record }, resourceVersion: String(this.version) }
          : undefined;
      },
      create: async (record) => {
        if (partitioned()) throw new Error(`${name}: connection refused`);
        if (this.record) throw new Error('409 AlreadyExists');
        this.record = { ...record };
        this.version++;
        return String(this.version);
      },
      update: async (record, rv) => {
        if (partitioned()) throw new Error(`${name}: connection refused`);
        if (rv !== String(this.version)) throw new Error('409 Conflict');
        this.record = { ...record };
        this.version++;
        return String(this.version);
      },
    };
  }
}

const timings = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };

function candidate(
  name: string,
  lease: MemoryLease,
  clock: FakeClock,
  log: string[],
  partitioned?: () => boolean,
  wrap: (store: LeaseStore) => LeaseStore = (store) => store,
  logger = pino({ level: 'silent' }),
) {
  return new LeaderElector({
    identity: name,
    store: wrap(lease.storeFor(name, partitioned)),
    clock,
    logger,
    ...timings,
    onStartedLeading: () => log.push(`${clock.now()} ${name} start`),
    onStoppedLeading: () => log.push(`${clock.now()} ${name} stop`),
  });
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Moves fake time in small steps, letting the electors' promises settle in between. */
async function elapse(clock: FakeClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

/** A lease store whose calls hang while `stalled()` is true (a slow or blackholed API server). */
function stallingStore(inner: LeaseStore, stalled: () => boolean): LeaseStore {
  const hang = <T>(call: () => Promise<T>): Promise<T> => (stalled() ? new Promise<T>(() => {}) : call());
  return {
    describe: inner.describe,
    get: () => hang(() => inner.get()),
    create: (r) => hang(() => inner.create(r)),
    update: (r, v) => hang(() => inner.update(r, v)),
  };
}

/** A lease store whose calls each take `delay()` ms of (fake) time before they reach the store. */
function slowStore(inner: LeaseStore, clock: FakeClock, delay: () => number): LeaseStore {
  const slow = async <T>(call: () => Promise<T>): Promise<T> => {
    const ms = delay();
    if (ms > 0) await new Promise<void>((resolve) => clock.schedule(resolve, ms));
    return call();
  };
  return {
    describe: inner.describe,
    get: () => slow(() => inner.get()),
    create: (r) => slow(() => inner.create(r)),
    update: (r, v) => slow(() => inner.update(r, v)),
  };
}

describe('LeaderElector', () => {
  it('steps down at the renew deadline even while a renewal hangs, before the lease can expire for others', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    let stalled = false;
    const a = candidate('a', lease, clock, log, undefined, (store) => stallingStore(store, () => stalled));
    a.start();
    await elapse(clock, 1_000);
    expect(a.isLeader()).toBe(true);
    const t0 = clock.now();
    stalled = true;
    await elapse(clock, 6_000);
    expect(a.isLeader()).toBe(false);
    const stoppedAt = Number(log.find((l) => l.endsWith('a stop'))?.split(' ')[0]);
    // The last successful renewal started at most one retry period before t0.
    expect(stoppedAt - t0).toBeLessThanOrEqual(timings.renewDeadlineMs);
    expect(stoppedAt - (t0 - timings.retryPeriodMs)).toBeLessThan(timings.leaseDurationMs);
  });

  it('a leader that sees another holder on the lease steps down at once', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate('a', lease, clock, log);
    a.start();
    await elapse(clock, 1_000);
    expect(a.isLeader()).toBe(true);
    lease.record = { ...lease.record, holderIdentity: 'intruder' };
    lease.version++;
    await elapse(clock, timings.retryPeriodMs + 100);
    expect(a.isLeader()).toBe(false);
  });

  it('a leader renews with one write per attempt, on the version it wrote last; after a conflict it reads first', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const calls: string[] = [];
    const counted = <T>(call: string, run: () => Promise<T>): Promise<T> => {
      calls.push(call);
      return run();
    };
    const counting = (store: LeaseStore): LeaseStore => ({
      describe: store.describe,
      get: () => counted('get', () => store.get()),
      create: (r) => counted('create', () => store.create(r)),
      update: (r, v) => counted(`update@${v}`, () => store.update(r, v)),
    });
    const lines: Array<{ msg: string; err?: string }> = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const a = candidate('a', lease, clock, [], undefined, counting, logger);
    a.start();
    await elapse(clock, 10 * timings.retryPeriodMs + 100);
    expect(a.isLeader()).toBe(true);
    // Acquired with a read and a create, then every renewal is a single update on the version before it.
    expect(calls.slice(0, 2)).toEqual(['get', 'create']);
    const renewals = calls.slice(2);
    expect(renewals.length).toBeGreaterThanOrEqual(9);
    expect(renewals).toEqual(renewals.map((_, i) => `update@${i + 1}`));
    expect(lease.record?.holderIdentity).toBe('a');
    // Each renewal stamps its own time: the last one is at most a retry period old.
    expect(clock.now() - Date.parse(lease.record?.renewTime ?? '')).toBeLessThanOrEqual(
      timings.retryPeriodMs,
    );
    expect(lease.record?.acquireTime).not.toBe(lease.record?.renewTime);
    // Somebody else writes the lease (still naming a): the next update conflicts, and the leader reads, then renews.
    lease.version++;
    calls.length = 0;
    await elapse(clock, timings.retryPeriodMs);
    expect(calls).toEqual([`update@${lease.version - 2}`, 'get', `update@${lease.version - 1}`]);
    expect(a.isLeader()).toBe(true);
    // The failed fast path is logged (at debug), with what the store said.
    const fallbacks = lines.filter((l) => l.msg.startsWith('renewing on the version last written failed'));
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]?.err).toBeTruthy();
  });

  it('elects exactly one of two candidates and keeps it while it renews', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate('a', lease, clock, log);
    const b = candidate('b', lease, clock, log);
    a.start();
    await flush();
    b.start();
    await elapse(clock, 20_000);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(log).toHaveLength(1);
    expect(lease.record?.holderIdentity).toBe('a');
    await a.stop();
    await b.stop();
  });

  it('a standby says that it stands by, once, and again when the leader changes', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    const lines: Array<{ msg: string; leader?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const a = candidate('a', lease, clock, log);
    const b = new LeaderElector({
      identity: 'b',
      store: lease.storeFor('b'),
      clock,
      logger,
      ...timings,
      onStartedLeading: () => log.push(`${clock.now()} b start`),
      onStoppedLeading: () => log.push(`${clock.now()} b stop`),
    });
    a.start();
    await flush();
    b.start();
    await elapse(clock, 10_000);
    const standingBy = () => lines.filter((l) => l.msg.startsWith('standing by'));
    expect(b.isLeader()).toBe(false);
    expect(standingBy()).toEqual([expect.objectContaining({ leader: 'a' })]);
    // Another replica takes over: b says whom it stands by for now.
    await a.stop();
    lease.record = { ...lease.record, holderIdentity: 'c', renewTime: 'later' };
    lease.version++;
    await elapse(clock, 2_000);
    expect(standingBy().map((l) => l.leader)).toEqual(['a', 'c']);
    await b.stop();
  });

  it('a released lease is taken over at the next attempt, long before it would expire', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate('a', lease, clock, log);
    const b = candidate('b', lease, clock, log);
    a.start();
    await flush();
    b.start();
    await elapse(clock, 2_000);
    const released = clock.now();
    await a.stop();
    expect(lease.record?.holderIdentity).toBe('');
    await elapse(clock, timings.retryPeriodMs + 100);
    expect(b.isLeader()).toBe(true);
    expect(clock.now() - released).toBeLessThan(timings.leaseDurationMs);
    expect(lease.record?.leaseTransitions).toBe(1);
    await b.stop();
  });

  it('a partitioned leader steps down before a follower may take over: never two leaders', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    let cut = false;
    const a = candidate('a', lease, clock, log, () => cut);
    const b = candidate('b', lease, clock, log);
    a.start();
    await flush();
    b.start();
    await elapse(clock, 2_000);
    cut = true;
    const cutAt = clock.now();
    let overlap = false;
    for (let t = 0; t < 10_000; t += 50) {
      await elapse(clock, 50);
      if (a.isLeader() && b.isLeader()) overlap = true;
    }
    expect(overlap).toBe(false);
    expect(a.isLeader()).toBe(false);
    expect(b.isLeader()).toBe(true);
    const stepDown = Number(log.find((l) => l.endsWith('a stop'))?.split(' ')[0]);
    const takeover = Number(log.find((l) => l.endsWith('b start'))?.split(' ')[0]);
    expect(stepDown - cutAt).toBeLessThanOrEqual(timings.renewDeadlineMs + timings.retryPeriodMs);
    expect(takeover).toBeGreaterThan(stepDown);
    // The follower waits a full lease duration after it last saw the record change.
    expect(takeover - cutAt).toBeGreaterThanOrEqual(timings.leaseDurationMs - timings.retryPeriodMs);
    expect(takeover - cutAt).toBeLessThanOrEqual(timings.leaseDurationMs + timings.retryPeriodMs);
    await a.stop();
    await b.stop();
  });

  it('stop({ release: false }) leaves the lease to expire: a successor waits the full lease duration', async () => {
    const clock = new FakeClock();
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate('a', lease, clock, log);
    const b = candidate('b', lease, clock, log);
    a.start();
    await flush();
    b.start();
    await elapse(clock, 2_000);
    const stoppedAt = clock.now();
    await a.stop({ release: false });
    expect(a.isLeader()).toBe(false);
    expect(lease.record?.holderIdentity).toBe('a');
    await elapse(clock, timings.leaseDurationMs - timings.retryPeriodMs);
    expect(b.isLeader()).toBe(false);
    await elapse(clock, 2 * timings.retryPeriodMs);
    expect(b.isLeader()).toBe(true);
    expect(clock.now() - stoppedAt).toBeGreaterThanOrEqual(timings.leaseDurationMs - timings.retryPeriodMs);
    await b.stop();
  });

  describe('measures lease time on the monotonic clock, not the wall clock', () => {
    it('a wall clock stepped forward during a slow renewal neither steps the leader down nor lets a follower take over', async () => {
      const clock = new FakeClock();
      const lease = new MemoryLease();
      const log: string[] = [];
      let delay = 0;
      const a = candidate('a', lease, clock, log, undefined, (store) => slowStore(store, clock, () => delay));
      const b = candidate('b', lease, clock, log);
      a.start();
      await flush();
      b.start();
      await elapse(clock, 2_000);
      expect(a.isLeader()).toBe(true);
      const transitions = lease.record?.leaseTransitions;
      // A renewal is in flight (and the follower keeps reading the same record) when the wall clock jumps.
      delay = 1_000;
      await elapse(clock, 600);
      clock.jumpWall(3_600_000);
      await elapse(clock, 2_000);
      delay = 0;
      await elapse(clock, 10_000);
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
      expect(log).toEqual([expect.stringMatching(/ a start$/)]);
      expect(lease.record?.holderIdentity).toBe('a');
      expect(lease.record?.leaseTransitions).toBe(transitions);
      await a.stop();
      await b.stop();
    });

    it('a wall clock stepped back during a renewal does not keep a partitioned leader leading past its renew deadline', async () => {
      const clock = new FakeClock();
      const lease = new MemoryLease();
      const log: string[] = [];
      let cut = false;
      let delay = 0;
      const a = candidate(
        'a',
        lease,
        clock,
        log,
        () => cut,
        (store) => slowStore(store, clock, () => delay),
      );
      const b = candidate('b', lease, clock, log);
      a.start();
      await flush();
      b.start();
      await elapse(clock, 2_000);
      delay = 1_000;
      await elapse(clock, 600);
      clock.jumpWall(-3_600_000);
      await elapse(clock, 1_000);
      delay = 0;
      cut = true;
      let overlap = false;
      for (let t = 0; t < 10_000; t += 50) {
        await elapse(clock, 50);
        if (a.isLeader() && b.isLeader()) overlap = true;
      }
      expect(overlap).toBe(false);
      expect([a.isLeader(), b.isLeader()]).toEqual([false, true]);
      await a.stop();
      await b.stop();
    });
  });

  it('rejects timings that would let two leaders overlap', () => {
    const lease = new MemoryLease();
    expect(
      () =>
        new LeaderElector({
          identity: 'x',
          store: lease.storeFor('x'),
          clock: new FakeClock(),
          logger: pino({ level: 'silent' }),
          leaseDurationMs: 1000,
          renewDeadlineMs: 2000,
          retryPeriodMs: 500,
          onStartedLeading: () => {},
          onStoppedLeading: () => {},
        }),
    ).toThrow(/lease duration > renew deadline/);
  });
});
