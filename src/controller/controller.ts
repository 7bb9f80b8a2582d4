import type { Logger } from 'pino';
import type { Clock } from '../time/clock.js';
import { defaultErrorPolicy, type ErrorPolicy, type Reconciler } from './reconciler.js';
import type { WorkQueue } from './workqueue.js';

export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'terminal_error';

export interface ControllerMetrics {
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
}

export interface ControllerOptions {
  name: string;
  queue: WorkQueue;
  reconciler: Reconciler;
  clock: Clock;
  logger: Logger;
  workers?: number;
  errorPolicy?: ErrorPolicy;
  metrics?: ControllerMetrics;
  /** The leadership term this controller works for; once aborted, keys are dropped instead of reconciled. */
  signal?: AbortSignal;
}

/**
 * Runs workers that take keys from the queue and reconcile them. The queue guarantees one key is never reconciled
 * twice at once; the error policy decides retries. stop() stops taking work and waits for in-flight reconciles.
 */
export class Controller {
  private readonly workers: Promise<void>[] = [];
  private readonly errorPolicy: ErrorPolicy;
  private started = false;

  constructor(private readonly options: ControllerOptions) {
    this.errorPolicy = options.errorPolicy ?? defaultErrorPolicy;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const count = this.options.workers ?? 2;
    for (let i = 0; i < count; i++) this.workers.push(this.work());
  }

  enqueue(key: string): void {
    this.options.queue.add(key);
  }

  async stop(): Promise<void> {
    await this.options.queue.shutDownWithDrain();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    const { queue } = this.options;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key);
      } finally {
        queue.done(key);
      }
    }
  }

  private async processOne(key: string): Promise<void> {
    const { queue, reconciler, clock, logger, metrics, signal } = this.options;
    // A term that has ended does not act: the next leader reconciles these keys from its own caches.
    if (signal?.aborted) return;
    const started = clock.now();
    const seconds = () => (clock.now() - started) / 1000;
    try {
      const result = await reconciler.reconcile(key, signal ? { signal } : undefined);
      queue.forget(key);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs >= 0) {
        queue.addAfter(key, result.requeueAfterMs);
        metrics?.reconciled('requeue_after', seconds());
      } else {
        metrics?.reconciled('success', seconds());
      }
    } catch (error) {
      const action = this.errorPolicy(key, error, queue.retries(key));
      const message = error instanceof Error ? error.message : String(error);
      switch (action.kind) {
        case 'drop':
          queue.forget(key);
          metrics?.reconciled('terminal_error', seconds());
          logger.error(
            { key, err: message },
            'reconcile failed permanently; not retrying until the object changes',
          );
          break;
        case 'requeueAfter':
          queue.addAfter(key, action.ms);
          metrics?.reconciled('error', seconds());
          logger.warn({ key, err: message, retryInMs: action.ms }, 'reconcile failed');
          break;
        case 'backoff':
          queue.addRateLimited(key);
          metrics?.reconciled('error', seconds());
          logger.warn(
            { key, err: message, retries: queue.retries(key) },
            'reconcile failed; retrying with backoff',
          );
          break;
      }
    }
  }
}
