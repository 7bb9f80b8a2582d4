import type { KubeObject } from '../kube/kube-object.js';
import { cadvisorSeries, kubeStateSeries, type MetricSink, nodeSeries } from './cluster-metrics.js';
import type { SimulatedNode } from './kubelet.js';
import type { NodeLedger } from './node-ledger.js';
import type { PodSim } from './pod-sim.js';
import type { SampleSeries } from './sample-series.js';

/** Collects samples into series (times ascending), for an OpenMetrics backfill. */
class SeriesSink implements MetricSink {
  private readonly series = new Map<
    string,
    { name: string; labels: Record<string, string>; times: number[]; values: number[] }
  >();
  at = 0;

  sample(name: string, labels: Record<string, string>, value: number): void {
    const key = `${name}${JSON.stringify(labels)}`;
    let s = this.series.get(key);
    if (!s) {
      s = { name, labels, times: [], values: [] };
      this.series.set(key, s);
    }
    s.times.push(this.at);
    s.values.push(value);
  }

  result(): SampleSeries[] {
    return [...this.series.values()];
  }
}

export interface HistoryInput {
  /** The pods with fresh simulations started at `fromSeconds` (Kubelets.backdate's twins). */
  pods: ReadonlyArray<{ pod: KubeObject; sim: PodSim }>;
  nodes: readonly SimulatedNode[];
  /** A ledger with the live one's boot time and no retired pods. */
  ledger: NodeLedger;
  fromSeconds: number;
  toSeconds: number;
  stepSeconds: number;
}

/**
 * The past of the current pods as the exporter would have reported it at every scrape in [from, to): the same
 * simulations and metric functions the live exporter uses, so the live series continue this history without a
 * seam. kube-state-metrics series are rendered from each pod's object with the restart count of that moment.
 */
export function renderHistory(input: HistoryInput): SampleSeries[] {
  const sink = new SeriesSink();
  const byNode = new Map<string, PodSim[]>();
  for (const { sim } of input.pods) {
    const list = byNode.get(sim.id.node) ?? [];
    list.push(sim);
    byNode.set(sim.id.node, list);
  }
  // Scrapes happen off the step grid (a fixed 1.234 s late), so no sample sits on a window boundary.
  for (let t = input.fromSeconds + 1.234; t < input.toSeconds; t += input.stepSeconds) {
    sink.at = Math.round(t * 1000);
    for (const { pod, sim } of input.pods) {
      cadvisorSeries(sink, sim, t);
      kubeStateSeries(sink, withStatus(pod, sim.status(t)));
    }
    for (const node of input.nodes) nodeSeries(sink, node, byNode.get(node.name) ?? [], input.ledger, t);
  }
  return sink.result();
}

function withStatus(pod: KubeObject, status: Record<string, unknown>): KubeObject {
  return { ...pod, status } as KubeObject;
}
