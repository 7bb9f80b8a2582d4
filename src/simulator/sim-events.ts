import type { Logger } from 'pino';
import { EventRecorder, type EventType } from '../controller/event-recorder.js';
import { KubeEventSink } from '../kube/event-sink.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { KubeRest } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';

/**
 * The Events a real control plane writes, so `kubectl get events` and `kubectl describe` tell what happened:
 * Scheduled, Started, BackOff, Killing, SuccessfulCreate/Delete, ScalingReplicaSet. One aggregating recorder per
 * component (repeats bump `count`); never awaited by the controllers, never fails them.
 */
export class SimEvents {
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly sink: KubeEventSink;

  constructor(
    rest: KubeRest,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.sink = new KubeEventSink(rest);
  }

  emit(component: string, object: KubeObject, type: EventType, reason: string, message: string): void {
    let recorder = this.recorders.get(component);
    if (!recorder) {
      recorder = new EventRecorder({
        sink: this.sink,
        clock: this.clock,
        logger: this.logger,
        component,
        instance: component,
      });
      this.recorders.set(component, recorder);
    }
    void recorder.record(object, type, reason, message);
  }
}
