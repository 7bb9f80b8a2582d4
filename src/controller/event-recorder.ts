import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import type { Clock } from '../time/clock.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  create(namespace: string, event: CoreEvent): Promise<{ name: string }>;
  /** Merge patch of count and lastTimestamp; rejects (404) if the Event has expired meanwhile. */
  patch(namespace: string, name: string, patch: { count: number; lastTimestamp: string }): Promise<void>;
}

export interface CoreEvent {
  metadata: { name: string; namespace: string };
  involvedObject: { apiVersion?: string; kind?: string; name: string; namespace?: string; uid?: string };
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
}

export interface EventRecorderOptions {
  sink: EventSink;
  clock: Clock;
  logger: Logger;
  component: string;
  instance: string;
  /** Repeats of the same event within this window bump count instead of creating new Events. */
  aggregationWindowMs?: number;
  /** Bound on remembered series; the oldest is forgotten first. */
  maxSeries?: number;
}

/**
 * Records core/v1 Events. Identical events (same object, type, reason and message) are aggregated into one Event
 * whose count and lastTimestamp grow, as kubectl shows "x5 over 10m", instead of one object per repeat. The key is
 * stable text supplied by the engine (never ML free text), so deduplication does not break.
 */
export class EventRecorder {
  private readonly series = new Map<
    string,
    { name: string; namespace: string; count: number; first: number }
  >();
  private readonly windowMs: number;
  private readonly maxSeries: number;
  private seq = 0;

  constructor(private readonly o: EventRecorderOptions) {
    this.windowMs = o.aggregationWindowMs ?? 10 * 60_000;
    this.maxSeries = o.maxSeries ?? 1_000;
  }

  /** Never throws: an Event that cannot be written is logged, not allowed to fail a reconcile. */
  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    const key = [object.metadata.uid ?? '', namespace, object.metadata.name, type, reason, message].join(
      '\u0000',
    );
    const now = this.o.clock.now();
    const existing = this.series.get(key);
    try {
      if (existing && now - existing.first < this.windowMs) {
        try {
          await this.o.sink.patch(existing.namespace, existing.name, {
            count: existing.count + 1,
            lastTimestamp: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          });
          existing.count++;
          this.series.delete(key);
          this.series.set(key, existing);
          return;
        } catch {
          // The Event expired or was deleted: start a new series below.
        }
      }
      const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const name = `${object.metadata.name}.${now.toString(16)}${(this.seq++ % 4096).toString(16).padStart(3, '0')}`;
      const created = await this.o.sink.create(namespace, {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace,
          uid: object.metadata.uid,
        },
        reason,
        message: message.slice(0, 1024),
        type,
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        source: { component: this.o.component },
        reportingComponent: this.o.component,
        reportingInstance: this.o.instance,
      });
      this.series.set(key, { name: created.name, namespace, count: 1, first: now });
      if (this.series.size > this.maxSeries) {
        const oldest = this.series.keys().next().value;
        if (oldest !== undefined) this.series.delete(oldest);
      }
    } catch (error) {
      this.o.logger.warn(
        { reason, object: `${namespace}/${object.metadata.name}`, err: String(error) },
        'could not record Event',
      );
    }
  }
}
