import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Controller } from '../src/controller/controller.js';
import { LeadershipLostError, LeadershipTerms } from '../src/controller/leadership.js';
import { defaultControllerRateLimiter } from '../src/controller/rate-limiter.js';
import type { ReconcileContext } from '../src/controller/reconciler.js';
import { WorkQueue } from '../src/controller/workqueue.js';
import { systemClock } from '../src/time/clock.js';
import { waitFor } from './support/wait-for.js';

describe('LeadershipTerms', () => {
  it('fences outside a term, while not the leader, and once the term has ended', () => {
    let leader = true;
    const terms = new LeadershipTerms(() => leader);
    expect(terms.signal().aborted).toBe(true);
    expect(() => terms.fence()).toThrow(LeadershipLostError);

    const signal = terms.begin();
    expect(signal.aborted).toBe(false);
    expect(() => terms.fence()).not.toThrow();
    leader = false;
    expect(() => terms.fence()).toThrow(/not the leader/);
    leader = true;

    terms.end('lost the lease');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(LeadershipLostError);
    expect(() => terms.fence()).toThrow(/lost the lease/);
  });

  it("a context taken in one term stays fenced after the next term begins (old work never acts in the new term's name)", () => {
    const terms = new LeadershipTerms(() => true);
    terms.begin();
    const first = terms.context();
    expect(() => first.fence()).not.toThrow();
    const second = terms.begin();
    expect(first.signal.aborted).toBe(true);
    expect(() => first.fence()).toThrow(LeadershipLostError);
    expect(second.aborted).toBe(false);
    expect(() => terms.context().fence()).not.toThrow();
  });
});

describe('Controller under a leadership term', () => {
  it('passes the term signal to reconcile and stops reconciling once it aborts', async () => {
    const term = new AbortController();
    const seen: Array<{ key: string; context?: ReconcileContext }> = [];
    const queue = new WorkQueue(systemClock, defaultControllerRateLimiter(systemClock));
    const controller = new Controller({
      name: 'test',
      queue,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      workers: 1,
      signal: term.signal,
      reconciler: {
        reconcile: async (key, context) => {
          seen.push({ key, ...(context ? { context } : {}) });
          return {};
        },
      },
    });
    controller.start();
    controller.enqueue('a');
    await waitFor('a reconciled', () => seen.length === 1);
    expect(seen[0]?.context?.signal).toBe(term.signal);
    term.abort();
    controller.enqueue('b');
    // The worker took 'b' (the queue is empty and nothing is in flight) without reconciling it.
    await waitFor('b taken', () => queue.len() === 0 && !queue.isProcessing('b'));
    await controller.stop();
    expect(seen.map((s) => s.key)).toEqual(['a']);
  });
});
