import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../kube/kube-object.js';
import type { Clock } from '../time/clock.js';
import { cadvisorSeries, FAMILIES, kubeStateSeries, type MetricSink, nodeSeries } from './cluster-metrics.js';
import type { ClusterState } from './cluster-state.js';
import type { Kubelets } from './kubelet.js';
import type { NodeLedger } from './node-ledger.js';
import type { PodSim } from './pod-sim.js';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function seriesText(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}`;
}

/** Rendered series names, by label set object: label sets that are reused across scrapes are escaped once. */
const rendered = new WeakMap<Record<string, string>, Map<string, string>>();

/** Prometheus text exposition (0.0.4), families contiguous, built line by line. */
export class TextSink implements MetricSink {
  private readonly families = new Map<string, string[]>();
  samples = 0;

  sample(name: string, labels: Record<string, string>, value: number): void {
    let byName = rendered.get(labels);
    if (!byName) {
      byName = new Map();
      rendered.set(labels, byName);
    }
    let text = byName.get(name);
    if (text === undefined) {
      text = seriesText(name, labels);
      byName.set(name, text);
    }
    this.line(name, `${text} ${Number.isFinite(value) ? value : 0}`);
  }

  /** A whole sample line rendered earlier (kube-state-metrics lines of an unchanged pod). */
  line(name: string, line: string): void {
    let lines = this.families.get(name);
    if (!lines) {
      lines = [];
      this.families.set(name, lines);
    }
    lines.push(line);
    this.samples++;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, lines] of this.families) {
      const family = FAMILIES[name];
      if (family) out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      out.push(...lines);
    }
    return `${out.join('\n')}\n`;
  }
}

/**
 * `/metrics` of the simulated cluster: every sample computed at scrape time from the kubelets' pod simulations
 * and the API objects in the caches, so the exporter costs nothing between scrapes. Prometheus must scrape it with
 * `honor_labels: true`, since one target speaks for every node, kubelet and kube-state-metrics.
 */
export class Exporter {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(
    state: ClusterState,
    kubelets: Kubelets,
    ledger: NodeLedger,
    clock: Clock,
    port: number,
    host: string,
  ): Promise<Exporter> {
    const ksmCache: KsmCache = new Map();
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: `no such endpoint: ${req.method} ${path}; try GET /metrics` }));
        return;
      }
      const body = renderClusterMetrics(state, kubelets, ledger, clock.now() / 1000, ksmCache).render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return new Exporter(server, `http://${host}:${address.port}`);
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** kube-state-metrics lines per pod uid, valid for one resourceVersion of the pod (they come from the object). */
type KsmCache = Map<string, { resourceVersion: string | undefined; lines: Array<[string, string]> }>;

class CapturingSink implements MetricSink {
  readonly lines: Array<[string, string]> = [];
  sample(name: string, labels: Record<string, string>, value: number): void {
    this.lines.push([name, `${seriesText(name, labels)} ${Number.isFinite(value) ? value : 0}`]);
  }
}

function kubeStateFromCache(sink: TextSink, pods: readonly KubeObject[], cache: KsmCache): void {
  const live = new Set<string>();
  for (const pod of pods) {
    const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    live.add(uid);
    let entry = cache.get(uid);
    if (!entry || entry.resourceVersion !== pod.metadata.resourceVersion) {
      const capture = new CapturingSink();
      kubeStateSeries(capture, pod);
      entry = { resourceVersion: pod.metadata.resourceVersion, lines: capture.lines };
      cache.set(uid, entry);
    }
    for (const [name, line] of entry.lines) sink.line(name, line);
  }
  for (const uid of cache.keys()) if (!live.has(uid)) cache.delete(uid);
}

/** Every series of the cluster at t (seconds); `ksmCache` carries kube-state-metrics lines between scrapes. */
export function renderClusterMetrics(
  state: ClusterState,
  kubelets: Kubelets,
  ledger: NodeLedger,
  t: number,
  ksmCache: KsmCache = new Map(),
): TextSink {
  const sink = new TextSink();
  const byNode = new Map<string, PodSim[]>();
  for (const sim of kubelets.pods.values()) {
    cadvisorSeries(sink, sim, t);
    const list = byNode.get(sim.id.node) ?? [];
    list.push(sim);
    byNode.set(sim.id.node, list);
  }
  kubeStateFromCache(sink, state.list('pods'), ksmCache);
  for (const node of kubelets.nodeList()) nodeSeries(sink, node, byNode.get(node.name) ?? [], ledger, t);
  return sink;
}
