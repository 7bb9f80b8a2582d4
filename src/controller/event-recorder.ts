import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { EventSpamFilter } from './event-spam-filter.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  create(namespace: string, event: CoreEvent): Promise<{ name: string }>;
  /** Merge patch of count and lastTimestamp (and message); rejects (404) if the Event has expired meanwhile. */
  patch(namespace: string, name: string, patch: EventPatch): Promise<void>;
}

export interface EventPatch {
  count: number;
  lastTimestamp: string;
  /** Sent only for keyed series, whose message may change between repeats. */
  message?: string;
}

export interface RecordOptions {
  /**
   * Stable identity of the occurrence (e.g. target uid + step + reason). With a key, repeats are aggregated on
   * object + type + reason + key, and the Event's message is replaced by the latest text, so a message carrying
   * live numbers ("2 of 3 healthy") stays current without starting a new Event. Without one, the message is the key.
   */
  key?: string;
}

/** Writing an Event about an object: what the engine's parts depend on (EventRecorder implements it). */
export interface ObjectEvents {
  /** Never throws: an Event that cannot be written is logged, not allowed to fail the caller. */
  record(
    object: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    options?: RecordOptions,
  ): Promise<void>;
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
  /** Per source + object budget (client-go defaults: burst 25, 1 per 5 min, 4096 objects); false turns it off. */
  spamFilter?: { burst?: number; refillMs?: number; maxObjects?: number } | false;
  /** Called once per Event the spam filter drops (a metric). */
  onDropped?: () => void;
}

const MAX_MESSAGE = 1024;

const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Records core/v1 Events. Identical events (same object, type, reason and message, or the same caller-supplied
 * key) are aggregated into one Event whose count and lastTimestamp grow, as kubectl shows "x5 over 10m", instead
 * of one object per repeat. A spam filter caps what one object can produce over a long incident.
 */
export class EventRecorder implements ObjectEvents {
  private readonly series = new Map<
    string,
    { name: string; namespace: string; count: number; first: number }
  >();
  private readonly windowMs: number;
  private readonly maxSeries: number;
  private readonly spam: EventSpamFilter | undefined;
  private seq = 0;
  /**
   * Distinguishes this recorder's Event names from every other writer's: two processes (the engine and a
   * controller) naming Events after the same object in the same millisecond must not collide.
   */
  private readonly nonce = randomBytes(4).toString('hex');

  constructor(private readonly o: EventRecorderOptions) {
    this.windowMs = o.aggregationWindowMs ?? 10 * 60_000;
    this.maxSeries = o.maxSeries ?? 1_000;
    this.spam = o.spamFilter === false ? undefined : new EventSpamFilter({ clock: o.clock, ...o.spamFilter });
  }

  /** Never throws: an Event that cannot be written is logged, not allowed to fail a reconcile. */
  async record(
    object: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    options: RecordOptions = {},
  ): Promise<void> {
    // Events about a cluster-scoped object go in "default" with no involvedObject.namespace, as kubectl and
    // client-go's recorder write them (the API server accepts only that or a matching namespace).
    const namespace = object.metadata.namespace ?? 'default';
    if (
      this.spam &&
      !this.spam.allow({
        component: this.o.component,
        kind: object.kind,
        namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
      })
    ) {
      this.o.onDropped?.();
      this.o.logger.debug(
        { reason, object: `${namespace}/${object.metadata.name}`, kind: object.kind },
        'Event dropped by the per-object spam filter',
      );
      return;
    }
    const keyed = options.key !== undefined;
    // The prefix keeps a caller's key from ever colliding with a message used as a key.
    const identity = keyed ? `k${options.key}` : `m${message}`;
    const key = [object.metadata.uid ?? '', namespace, object.metadata.name, type, reason, identity].join(
      '\u0000',
    );
    const text = message.slice(0, MAX_MESSAGE);
    const now = this.o.clock.now();
    const existing = this.series.get(key);
    try {
      if (existing && now - existing.first < this.windowMs) {
        try {
          await this.o.sink.patch(existing.namespace, existing.name, {
            count: existing.count + 1,
            lastTimestamp: timestamp(now),
            ...(keyed ? { message: text } : {}),
          });
          existing.count++;
          this.series.delete(key);
          this.series.set(key, existing);
          return;
        } catch {
          // The Event expired or was deleted: start a new series below.
        }
      }
      const stamp = timestamp(now);
      const event = (name: string): CoreEvent => ({
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          ...(object.metadata.namespace === undefined ? {} : { namespace }),
          uid: object.metadata.uid,
        },
        reason,
        message: text,
        type,
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        source: { component: this.o.component },
        reportingComponent: this.o.component,
        reportingInstance: this.o.instance,
      });
      const created = await this.createUnique(namespace, object.metadata.name, now, event);
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

  /** Creates under a fresh name; a name already taken (409, another writer) is retried, never the Event lost. */
  private async createUnique(
    namespace: string,
    objectName: string,
    now: number,
    event: (name: string) => CoreEvent,
  ): Promise<{ name: string }> {
    for (let attempt = 1; ; attempt++) {
      const name = `${objectName}.${now.toString(16)}${this.nonce}${(this.seq++ % 4096).toString(16).padStart(3, '0')}`;
      try {
        return await this.o.sink.create(namespace, event(name));
      } catch (error) {
        if (attempt >= 3 || !isStatus(error, 409)) throw error;
      }
    }
  }
}
