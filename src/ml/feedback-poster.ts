import { Counter, type Registry } from 'prom-client';
import type { FeedbackExample } from '../remediation/feedback-example.js';

/**
 * Sends finished remediation episodes to the ML service (POST /api/v1/feedback, docs/feedback.md), best effort.
 * Feedback must never slow or fail a remediation cycle, so offer() only enqueues and returns; one worker posts the
 * queue in order, one request at a time with its own timeout, and nothing is retried: an example that could not be
 * delivered is counted, and `coordination-engine feedback export` remains the complete, replayable source.
 */

export const FEEDBACK_POST_RESULTS = ['accepted', 'rejected', 'failed', 'dropped', 'skipped'] as const;
/**
 * accepted: 2xx. rejected: the service refused it (4xx; a service without the endpoint answers 404).
 * failed: 5xx, a network error or the timeout. dropped: the queue was full. skipped: the finished record could not
 * be read back or is not an example (see toFeedbackExample).
 */
export type FeedbackPostResult = (typeof FEEDBACK_POST_RESULTS)[number];

export const FEEDBACK_PATH = '/api/v1/feedback';

export interface FeedbackPosterOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Examples waiting beyond the one in flight; more are dropped (a dead service must not grow memory). */
  maxQueued?: number;
  onResult?(result: FeedbackPostResult, example?: FeedbackExample, detail?: string): void;
}

export class FeedbackPoster {
  private readonly queue: FeedbackExample[] = [];
  private readonly stopped = new AbortController();
  private working: Promise<void> | undefined;
  private readonly url: string;

  constructor(private readonly options: FeedbackPosterOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}${FEEDBACK_PATH}`;
  }

  /** Queues one example and returns at once; never throws. */
  offer(example: FeedbackExample): void {
    if (this.stopped.signal.aborted || this.queue.length >= (this.options.maxQueued ?? 100)) {
      this.report('dropped', example, 'queue full or poster closed');
      return;
    }
    this.queue.push(example);
    this.working ??= this.drain();
  }

  /** Counts an episode that finished but yielded no example. */
  skipped(detail: string): void {
    this.report('skipped', undefined, detail);
  }

  /** Resolves once everything offered so far has been posted (or has failed). */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  /** Aborts the request in flight and drops what is queued (counted as dropped). */
  close(): void {
    this.stopped.abort();
    for (const example of this.queue.splice(0)) this.report('dropped', example, 'poster closed');
  }

  private async drain(): Promise<void> {
    try {
      for (let example = this.queue.shift(); example; example = this.queue.shift()) {
        const [result, detail] = await this.post(example);
        this.report(result, example, detail);
      }
    } finally {
      // Runs in the same turn as the last empty shift(), so no offer() can slip in between and be stranded.
      this.working = undefined;
    }
  }

  private async post(example: FeedbackExample): Promise<[FeedbackPostResult, string]> {
    const signal = AbortSignal.any([this.stopped.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(example),
        signal,
      });
      const text = await res.text();
      if (res.ok) return ['accepted', `HTTP ${res.status}`];
      const detail = `HTTP ${res.status}: ${text.slice(0, 200)}`;
      return [res.status >= 400 && res.status < 500 ? 'rejected' : 'failed', detail];
    } catch (error) {
      return ['failed', error instanceof Error ? error.message : String(error)];
    }
  }

  private report(result: FeedbackPostResult, example?: FeedbackExample, detail?: string): void {
    try {
      this.options.onResult?.(result, example, detail);
    } catch {
      // A metrics or logging callback must not break delivery.
    }
  }
}

/** coordination_engine_feedback_posts_total{result}, every result present from the start at 0. */
export function createFeedbackPostsCounter(
  registry: Registry,
  prefix: string,
): (r: FeedbackPostResult) => void {
  const counter = new Counter({
    name: `${prefix}feedback_posts_total`,
    help: 'Finished remediation episodes sent to the ML service as feedback, by result (accepted, rejected, failed, dropped, skipped).',
    labelNames: ['result'],
    registers: [registry],
  });
  for (const result of FEEDBACK_POST_RESULTS) counter.labels(result).inc(0);
  return (result) => counter.labels(result).inc();
}
