import type { SignalName } from './feature-catalogue.js';

/**
 * The fixed set of PromQL queries of one feature cycle. Each signal is ONE range query over the statistics window
 * [t - 5m, t] at the configured step, aggregated `by (namespace, pod)` (pod signals) or by node (node signals), so
 * the number of queries does not depend on the number of pods. A range query's points are start + k * step, so
 * they fall on t, t - step, ..., t - 5m whatever t's phase in the minute:
 *   - the point at t is `value`, the points at t-1m and t-5m are `lag_1` and `lag_5` (exactly `offset 1m/5m`);
 *   - mean/std/min/max are over the window's 5m/step + 1 points ending at t; when t is on the step grid that is
 *     exactly `avg/stddev/min/max_over_time((q)[5m:step])` at t (subquery points sit on the grid), and at any other
 *     t it is the same window moved with t, not the grid's points up to t rounded down;
 *   - diff and pct_change are arithmetic on those points, done on the client.
 * Plus one instant query on kube_pod_info for pod discovery and the pod->node join (skipped when the caller
 * already knows every pod's spec.nodeName). Total: 5 or 6 queries per cycle.
 */

export type SignalScope = 'node' | 'pod';

export interface SignalQuery {
  readonly signal: SignalName;
  readonly scope: SignalScope;
  readonly promql: string;
}

export interface FeatureQueryOptions {
  /** Namespaces to cover; at least one. */
  readonly namespaces: readonly string[];
  /** When set, pod-level queries are narrowed to this one pod (the CLI's --pod). */
  readonly pod?: string;
  /** Range of rate() for the CPU counters, in seconds (the "lookback"); 300 in the reference. */
  readonly rateWindowSeconds: number;
  /** The node-exporter label that carries the node name: `instance` in kube-prometheus and OpenShift. */
  readonly nodeLabel: string;
}

export interface FeatureQueries {
  readonly podInfo: string;
  readonly signals: readonly SignalQuery[];
}

// Kubernetes names (RFC 1123 labels/subdomains) contain no PromQL or regex metacharacters except '.', so
// validating them is both the input check and the escaping.
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function assertKubernetesName(field: string, value: string): void {
  if (!K8S_NAME.test(value)) throw new Error(`${field} "${value}" is not a valid Kubernetes name`);
}

function namespaceMatcher(namespaces: readonly string[]): string {
  if (namespaces.length === 0) throw new Error('namespaces must name at least one namespace');
  namespaces.forEach((ns) => {
    assertKubernetesName('namespace', ns);
  });
  if (namespaces.length === 1) return `namespace="${namespaces[0]}"`;
  return `namespace=~"${namespaces.map((ns) => ns.replace(/\./g, '\\\\.')).join('|')}"`;
}

export function buildFeatureQueries(options: FeatureQueryOptions): FeatureQueries {
  if (!LABEL_NAME.test(options.nodeLabel))
    throw new Error(`nodeLabel "${options.nodeLabel}" is not a label name`);
  if (!Number.isInteger(options.rateWindowSeconds) || options.rateWindowSeconds < 1) {
    throw new Error(`rateWindowSeconds must be a positive integer, got ${options.rateWindowSeconds}`);
  }
  const podMatchers = [namespaceMatcher(options.namespaces)];
  if (options.pod !== undefined) {
    assertKubernetesName('pod', options.pod);
    podMatchers.push(`pod="${options.pod}"`);
  }
  const s = podMatchers.join(',');
  const w = `${options.rateWindowSeconds}s`;
  const n = options.nodeLabel;
  return {
    // timestamp() picks, per (namespace, pod, node), when kube-state-metrics last reported it, so a pod that was
    // recreated on another node within the lookback joins the node it is on now.
    podInfo: `max by (namespace, pod, node) (timestamp(kube_pod_info{${s}}))`,
    signals: [
      {
        signal: 'node_cpu_utilization',
        scope: 'node',
        promql: `1 - avg by (${n}) (rate(node_cpu_seconds_total{mode="idle"}[${w}]))`,
      },
      {
        signal: 'node_memory_utilization',
        scope: 'node',
        promql: `1 - sum by (${n}) (node_memory_MemAvailable_bytes) / sum by (${n}) (node_memory_MemTotal_bytes)`,
      },
      {
        signal: 'pod_cpu_usage',
        scope: 'pod',
        // container!="" drops cAdvisor's pod-level cgroup series, which would otherwise double every pod.
        promql: `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",${s}}[${w}]))`,
      },
      {
        signal: 'pod_memory_usage',
        scope: 'pod',
        // A pod without any memory limit has no right-hand side, so it gets no series: missing, not 0 or 1.
        promql:
          `sum by (namespace, pod) (container_memory_working_set_bytes{container!="",${s}})` +
          ` / sum by (namespace, pod) (kube_pod_container_resource_limits{resource="memory",unit="byte",${s}})`,
      },
      {
        signal: 'container_restart_count',
        scope: 'pod',
        promql: `sum by (namespace, pod) (kube_pod_container_status_restarts_total{${s}})`,
      },
    ],
  };
}
