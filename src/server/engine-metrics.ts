import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ControllerMetrics, ReconcileOutcome } from '../controller/controller.js';
import type { WorkQueueMetrics } from '../controller/workqueue.js';
import { DetectionMetrics } from './detection-metrics.js';
import { EventLoopLagMonitor, type LagSnapshot } from './event-loop-lag.js';
import { registerGcPauses } from './gc-pauses.js';
import { createRemediationMetrics, type RemediationMetrics } from './remediation-metrics.js';
import { createShadowMetrics, type ShadowMetrics } from './shadow-metrics.js';

export const METRIC_PREFIX = 'coordination_engine_';

/**
 * prom-client's own delay monitor, made inert: its longest allowed timer period (about 24.8 days). Its figures are
 * replaced by EventLoopLagMonitor's under the same names; prom-client has no switch to leave that one collector out.
 */
const PROM_CLIENT_MONITOR_OFF_MS = 2 ** 31 - 1;

/** prom-client's delay figures (nodejs_eventloop_lag_<figure>_seconds), served from EventLoopLagMonitor instead. */
const LAG_FIGURES: ReadonlyArray<[keyof LagSnapshot, string, 'min' | 'max' | 'average']> = [
  ['min', 'The minimum recorded event loop delay.', 'min'],
  ['max', 'The maximum recorded event loop delay.', 'max'],
  ['mean', 'The mean of the recorded event loop delays.', 'average'],
  ['stddev', 'The standard deviation of the recorded event loop delays.', 'average'],
  ['p50', 'The 50th percentile of the recorded event loop delays.', 'average'],
  ['p90', 'The 90th percentile of the recorded event loop delays.', 'average'],
  ['p99', 'The 99th percentile of the recorded event loop delays.', 'average'],
];

/** The engine's Prometheus metrics, in a registry of its own (no global state between engines in one process). */
export class EngineMetrics {
  readonly registry = new Registry();
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileDuration: Histogram<'controller'>;
  private readonly queueDepth: Gauge<'name'>;
  private readonly queueAdds: Counter<'name'>;
  private readonly leader: Gauge;
  private readonly remediationMetrics: RemediationMetrics;
  private readonly shadowMetrics: ShadowMetrics;
  /** Cycle and feature build durations, queries and vectors (wrapped around the detection path in engine.ts). */
  readonly detection: DetectionMetrics;
  /** Event-loop delay: fine while work is announced (attend), an upper bound per second otherwise. */
  readonly eventLoopLag = new EventLoopLagMonitor();
  /** Stops recording garbage-collection pauses (gc-pauses.ts). */
  private readonly stopGcPauses: () => void;

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      prefix: METRIC_PREFIX,
      eventLoopMonitoringPrecision: PROM_CLIENT_MONITOR_OFF_MS,
    });
    this.registerEventLoopLag();
    this.stopGcPauses = registerGcPauses(this.registry, METRIC_PREFIX);
    this.reconcileTotal = new Counter({
      name: `${METRIC_PREFIX}reconcile_total`,
      help: 'Reconciles by controller and result (success, requeue_after, error, terminal_error).',
      labelNames: ['controller', 'result'],
      registers: [this.registry],
    });
    this.reconcileDuration = new Histogram({
      name: `${METRIC_PREFIX}reconcile_duration_seconds`,
      help: 'Time per reconcile.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.queueDepth = new Gauge({
      name: `${METRIC_PREFIX}workqueue_depth`,
      help: 'Keys waiting in the workqueue.',
      labelNames: ['name'],
      registers: [this.registry],
    });
    this.queueAdds = new Counter({
      name: `${METRIC_PREFIX}workqueue_adds_total`,
      help: 'Keys added to the workqueue (after deduplication).',
      labelNames: ['name'],
      registers: [this.registry],
    });
    this.leader = new Gauge({
      name: `${METRIC_PREFIX}leader`,
      help: '1 when this replica holds the leader lease and reconciles, else 0.',
      registers: [this.registry],
    });
    this.leader.set(0);
    this.remediationMetrics = createRemediationMetrics(this.registry, METRIC_PREFIX);
    this.shadowMetrics = createShadowMetrics(this.registry, METRIC_PREFIX);
    this.detection = new DetectionMetrics(this.registry, METRIC_PREFIX);
  }

  /** What the evaluation loop reports for shadow-mode policies. */
  shadow(): ShadowMetrics {
    return this.shadowMetrics;
  }

  /** What the remediation runner (and the Event recorder's spam filter) report. */
  remediation(): RemediationMetrics {
    return this.remediationMetrics;
  }

  controller(name: string): ControllerMetrics {
    this.reconcileTotal.labels(name, 'success').inc(0);
    this.reconcileTotal.labels(name, 'error').inc(0);
    return {
      reconciled: (result: ReconcileOutcome, seconds: number) => {
        this.reconcileTotal.labels(name, result).inc();
        this.reconcileDuration.labels(name).observe(seconds);
      },
    };
  }

  queue(name: string): WorkQueueMetrics {
    this.queueDepth.labels(name).set(0);
    this.queueAdds.labels(name).inc(0);
    return {
      added: () => this.queueAdds.labels(name).inc(),
      depth: (n: number) => this.queueDepth.labels(name).set(n),
    };
  }

  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  /** Stops the lag monitor's timer and the GC observer (neither keeps the process alive; an engine in a test is stopped). */
  close(): void {
    this.eventLoopLag.stop();
    this.stopGcPauses();
  }

  /**
   * The figures are read and the monitor's histogram reset once per scrape, as prom-client did: the first
   * gauge's collect takes the snapshot for all of them.
   */
  private registerEventLoopLag(): void {
    const gauges = LAG_FIGURES.map(([figure, help, aggregator], i) => {
      const name = `${METRIC_PREFIX}nodejs_eventloop_lag_${figure}_seconds`;
      this.registry.removeSingleMetric(name);
      return new Gauge({
        name,
        help,
        // As prom-client's: how a cluster-wide AggregatorRegistry combines workers.
        aggregator,
        registers: [this.registry],
        ...(i === 0
          ? {
              collect: () => {
                const snapshot = this.eventLoopLag.snapshot();
                for (const [j, [f]] of LAG_FIGURES.entries()) gauges[j]?.set(snapshot[f]);
              },
            }
          : {}),
      });
    });
    this.eventLoopLag.start();
  }
}
