import type { KubeRest } from '../../src/kube/rest-client.js';
import { waitFor } from './wait-for.js';

export interface RecordedEvent<T> {
  type: string;
  object: T;
}

/**
 * Records a watch's events in the order the server sent them (resourceVersion order), so a test can assert what
 * happened before what: exact where polling would only sample.
 */
export class WatchRecorder<T = Record<string, unknown>> {
  readonly events: RecordedEvent<T>[] = [];
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  private constructor(private readonly path: string) {}

  /** Starts watching `path` (a collection) and resolves once the server accepted the watch. */
  static async start<T>(rest: KubeRest, path: string): Promise<WatchRecorder<T>> {
    const recorder = new WatchRecorder<T>(path);
    await new Promise<void>((opened, failed) => {
      recorder.done = rest
        .stream(
          { method: 'GET', path, signal: recorder.abort.signal },
          (line) => {
            const event = line as { type?: string; object?: T };
            if (event.type && event.object) recorder.events.push({ type: event.type, object: event.object });
          },
          opened,
        )
        .catch((error: unknown) => {
          if (!recorder.abort.signal.aborted) failed(error);
        });
    });
    return recorder;
  }

  /** The index of the first event matching, or -1. */
  indexOf(match: (event: RecordedEvent<T>, index: number) => boolean): number {
    return this.events.findIndex(match);
  }

  /** Waits until an event matches; returns its index. */
  async until(
    description: string,
    match: (event: RecordedEvent<T>, index: number) => boolean,
    timeoutMs = 30_000,
  ): Promise<number> {
    return waitFor(
      `${description} (watching ${this.path})`,
      () => {
        const i = this.indexOf(match);
        return i >= 0 ? i : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
