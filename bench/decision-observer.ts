/**
 * What bench:decisions observes while the engine runs, independently of the engine: when each policy evaluated
 * (its status.lastEvaluationTime), and when each incident's condition held — from the pods' status in the API, or
 * for CPU from Prometheus with the engine's own query at the engine's evaluation instant (the default query offset
 * behind, rounded down to the second; a 5-minute rate, as src/metrics/feature-queries.ts builds `pod_cpu_usage.value`).
 */
import { DEFAULT_QUERY_OFFSET_MS } from '../src/metrics/feature-vector-builder.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { type BenchCase, CPU_LIMIT_CORES, namespaceOf, type PodView, policies } from './decision-suite.js';

const CPU_RATE_WINDOW = '300s';

export interface Observations {
  /** ns/policy → distinct lastEvaluationTime values (ms), in order. */
  evaluations: Map<string, number[]>;
  /** case name → since when its condition has held without interruption, and when it became detectable. */
  condition: Map<string, { since?: number; detectableAt?: number }>;
}

export const policyKeyOf = (p: Record<string, unknown>) => {
  const m = p.metadata as { namespace: string; name: string };
  return `${m.namespace}/${m.name}`;
};

export class DecisionObserver {
  readonly observed: Observations = { evaluations: new Map(), condition: new Map() };
  private cpuSampledAt = 0;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly cases: readonly BenchCase[],
    private readonly prometheusUrl: string,
  ) {}

  /** One sample of everything; CPU (a query to Prometheus) at most every 2 s. */
  async sample(now: number): Promise<void> {
    this.sampleEvaluations();
    const sampleCpu = now - this.cpuSampledAt >= 2_000;
    if (sampleCpu) this.cpuSampledAt = now;
    for (const c of this.cases) {
      const expected = c.expected;
      if (!expected) continue;
      const firstEval = this.observed.evaluations.get(`${namespaceOf(c)}/${expected.policy}`)?.[0];
      // Nothing is detectable before the policy's first look.
      if (firstEval === undefined) continue;
      const state = this.observed.condition.get(c.name) ?? {};
      if (state.detectableAt !== undefined) continue;
      let holds: boolean;
      if (expected.detector.kind === 'pods') {
        holds = expected.detector.holds(this.pods(c), now);
      } else {
        if (!sampleCpu) continue;
        holds = (await this.cpuRatio(namespaceOf(c), now)) > expected.detector.ratio;
      }
      if (!holds) {
        delete state.since;
      } else {
        // A condition already holding when the policy first looked has held since that look.
        state.since ??= this.observed.condition.has(c.name) ? now : firstEval;
        if (now - state.since >= expected.forMs) state.detectableAt = state.since + expected.forMs;
      }
      this.observed.condition.set(c.name, state);
    }
  }

  pods(c: BenchCase): PodView[] {
    return this.sandbox.store.list('pods', namespaceOf(c)) as unknown as PodView[];
  }

  private sampleEvaluations(): void {
    for (const c of this.cases) {
      for (const p of policies(namespaceOf(c))) {
        const m = p.metadata as { namespace: string; name: string };
        const status = this.sandbox.getObject(
          'coordination-engine.io',
          'remediationpolicies',
          m.namespace,
          m.name,
        )?.status as { lastEvaluationTime?: string } | undefined;
        const at = Date.parse(status?.lastEvaluationTime ?? '');
        if (!Number.isFinite(at)) continue;
        const key = policyKeyOf(p);
        const seen = this.observed.evaluations.get(key) ?? [];
        if (seen.at(-1) !== at) seen.push(at);
        this.observed.evaluations.set(key, seen);
      }
    }
  }

  /** The highest pod CPU of the namespace over its CPU limit, as the engine computes it at `now`. */
  private async cpuRatio(namespace: string, now: number): Promise<number> {
    const t = Math.floor((now - DEFAULT_QUERY_OFFSET_MS) / 1000) * 1000;
    const query = `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",namespace="${namespace}"}[${CPU_RATE_WINDOW}]))`;
    const url = `${this.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}&time=${t / 1000}`;
    const body = (await (await fetch(url)).json()) as {
      data?: { result?: Array<{ value?: [number, string] }> };
    };
    const values = (body.data?.result ?? []).map((r) => Number(r.value?.[1]));
    return values.length === 0 ? 0 : Math.max(...values) / CPU_LIMIT_CORES;
  }
}
