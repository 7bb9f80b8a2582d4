import type { Logger } from 'pino';
import { Controller } from '../controller/controller.js';
import { ExponentialBackoffLimiter } from '../controller/rate-limiter.js';
import type { ReconcileResult } from '../controller/reconciler.js';
import { WorkQueue } from '../controller/workqueue.js';
import type { Clock } from '../time/clock.js';

export interface RunningController {
  enqueue(key: string): void;
  enqueueAfter(key: string, ms: number): void;
  start(): void;
  stop(): Promise<void>;
}

/**
 * A simulated kube-controller-manager loop on the engine's own machinery (workqueue with dedupe and per-key
 * back-off, level-based reconcile). Only per-key back-off: a simulator that fails a write retries that key soon.
 */
export function runController(
  name: string,
  reconcile: (key: string) => Promise<ReconcileResult>,
  deps: { clock: Clock; logger: Logger; workers?: number },
): RunningController {
  const queue = new WorkQueue(deps.clock, new ExponentialBackoffLimiter(50, 10_000));
  const controller = new Controller({
    name,
    queue,
    reconciler: { reconcile },
    clock: deps.clock,
    logger: deps.logger.child({ controller: name }),
    workers: deps.workers ?? 4,
  });
  return {
    enqueue: (key) => queue.add(key),
    enqueueAfter: (key, ms) => queue.addAfter(key, ms),
    start: () => controller.start(),
    stop: () => controller.stop(),
  };
}
