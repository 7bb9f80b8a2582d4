import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Controller, type ReconcileOutcome } from '../src/controller/controller.js';
import {
  ExponentialBackoffLimiter,
  MaxOfLimiter,
  TokenBucketLimiter,
} from '../src/controller/rate-limiter.js';
import { type ReconcileResult, TerminalError } from '../src/controller/reconciler.js';
import { WorkQueue } from '../src/controller/workqueue.js';
import { FakeClock } from './support/fake-clock.js';
import { waitFor } from './support/wait-for.js';

const silent = pino({ level: 'silent' });

function newQueue(clock = new FakeClock()) {
  return { clock, queue: new WorkQueue(clock, new ExponentialBackoffLimiter(5, 1000)) };
}

describe('WorkQueue', () => {
  it('deduplicates keys that are waiting', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.len()).toBe(0);
  });

  it('holds a key re-added during processing until done(), then queues it once', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const key = await queue.get();
    expect(key).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0); // not handed to another worker while 'a' is processing
    queue.done('a');
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('a');
  });

  it('applies per-key exponential backoff that one failing key does not impose on others', async () => {
    const { queue, clock } = newQueue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      queue.addRateLimited('a');
      const before = clock.now();
      while (queue.len() === 0) clock.advance(1);
      delays.push(clock.now() - before);
      const key = await queue.get();
      if (key) queue.done(key);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(queue.retries('a')).toBe(4);

    expect(queue.len()).toBe(0);
    queue.addRateLimited('b'); // a different key starts from the base delay
    clock.advance(4);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);

    queue.forget('a'); // success resets the backoff
    expect(queue.retries('a')).toBe(0);
  });

  it('keeps only the earliest delayed add per key', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 1000);
    queue.addAfter('a', 100);
    queue.addAfter('a', 5000);
    clock.advance(100);
    expect(queue.len()).toBe(1);
    clock.advance(10_000);
    expect(queue.len()).toBe(1); // the later timers were cancelled or merged
  });

  it('shutDownWithDrain stops handing out work and waits for the key in flight', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    expect(await queue.get()).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done('a');
    await drain;
    expect(drained).toBe(true);
  });
});

describe('rate limiters', () => {
  it('token bucket allows a burst, then spaces reservations at the configured rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucketLimiter(clock, 1, 2);
    expect([bucket.when('x'), bucket.when('y'), bucket.when('z'), bucket.when('w')]).toEqual([
      0, 0, 1000, 2000,
    ]);
    clock.advance(10_000);
    expect(bucket.when('x')).toBe(0);
  });

  it('MaxOf takes the longer of per-key backoff and the global bucket', () => {
    const clock = new FakeClock();
    const limiter = new MaxOfLimiter(
      new ExponentialBackoffLimiter(5, 1000),
      new TokenBucketLimiter(clock, 1, 1),
    );
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(1000);
  });
});

describe('Controller over the queue', () => {
  function harness(reconcile: (key: string) => Promise<ReconcileResult>, workers = 4) {
    const clock = new FakeClock();
    const queue = new WorkQueue(clock, new ExponentialBackoffLimiter(5, 1000));
    const outcomes: ReconcileOutcome[] = [];
    const controller = new Controller({
      name: 'test',
      queue,
      clock,
      logger: silent,
      workers,
      reconciler: { reconcile },
      metrics: { reconciled: (o) => outcomes.push(o) },
    });
    controller.start();
    return { clock, queue, controller, outcomes };
  }

  it('never reconciles one key concurrently, however often it is added, and catches up afterwards', async () => {
    const active = new Map<string, number>();
    let maxActive = 0;
    let calls = 0;
    let release: () => void = () => {};
    const { controller } = harness(async (key) => {
      calls++;
      const n = (active.get(key) ?? 0) + 1;
      active.set(key, n);
      maxActive = Math.max(maxActive, n);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      active.set(key, n - 1);
      return {};
    });
    controller.enqueue('ns/a');
    await waitFor('calls === 1', () => calls === 1);
    for (let i = 0; i < 10; i++) controller.enqueue('ns/a'); // four idle workers, one key
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    release();
    await waitFor('calls === 2', () => calls === 2); // the adds collapsed into exactly one more reconcile
    release();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(maxActive).toBe(1);
    await controller.stop();
  });

  it('retries errors with backoff, drops terminal errors, and honours requeueAfter', async () => {
    const attempts = new Map<string, number>();
    const { clock, outcomes, controller } = harness(async (key) => {
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      if (key === 'flaky') throw new Error('API unavailable');
      if (key === 'broken') throw new TerminalError('cannot be fixed by retrying');
      return { requeueAfterMs: 60_000 };
    });
    controller.enqueue('flaky');
    controller.enqueue('broken');
    controller.enqueue('periodic');
    await waitFor('outcomes.length === 3', () => outcomes.length === 3);
    expect([...outcomes].sort()).toEqual(['error', 'requeue_after', 'terminal_error']);

    clock.advance(5); // first backoff step of 'flaky'
    await waitFor('second flaky attempt', () => attempts.get('flaky') === 2);
    clock.advance(10); // second step doubles
    await waitFor('third flaky attempt', () => attempts.get('flaky') === 3);
    clock.advance(60_000);
    await waitFor('periodic requeue', () => attempts.get('periodic') === 2);
    expect(attempts.get('broken')).toBe(1);
    await controller.stop();
  });
});
