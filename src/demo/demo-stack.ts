import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import { type RunningEngine, startEngine } from '../cli/engine.js';
import { ConfigurationError } from '../config/configuration-error.js';
import { type EngineConfig, resolveConfig } from '../config/settings.js';
import { KubeRest } from '../kube/rest-client.js';
import { type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import { type Simulator, startSimulator } from '../simulator/simulator.js';
import { createPolicies, createWorkloads, installCrds, NODE_COUNT } from './demo-cluster.js';
import { type Snapshot, snapshot } from './demo-outcome.js';
import { EVALUATION_INTERVAL, NOISY, SCENARIOS } from './demo-scenarios.js';
import {
  executableProblem,
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from './prometheus-launcher.js';

/** Ten minutes of past: every 5-minute feature window (and lag_5) is complete at the first evaluation. */
const HISTORY_SECONDS = 10 * 60;
const HISTORY_STEP_SECONDS = 15;
const SCRAPE_SECONDS = 5;

/** Where the features come from: a real Prometheus, or the engine's built-in source (demo and tests only). */
export type MetricsPath =
  | { kind: 'prometheus'; prometheus: RunningPrometheus }
  | { kind: 'builtin'; scrapeUrl: string };

export interface DemoStack {
  readonly sandbox: Sandbox;
  readonly rest: KubeRest;
  readonly ml: MockMlServer;
  readonly simulator: Simulator;
  readonly metrics: MetricsPath;
  /** The noisy workload as it was before the engine started: it must still be exactly this at the end. */
  readonly untouched: Snapshot;
  readonly engine: RunningEngine;
  readonly engineUrl: string;
  readonly kubeconfig: string;
  readonly engineLog: string;
  /** Stops everything that was started, newest first; safe to call twice. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Where the kubeconfig and the engine log go (`.demo/`). */
  dir: string;
  usePrometheus: boolean;
  say(line: string): void;
}

/**
 * Starts the sandbox and the simulated control plane, the scenarios' workloads, the metrics path (Prometheus when
 * installed and wanted, else the engine's built-in feature source), the mock ML server, the policies and the engine.
 */
export async function startDemoStack(options: StackOptions): Promise<DemoStack> {
  const { say } = options;
  // Before anything starts: an explicitly named binary that cannot run is a mistake to fix, not a reason to run
  // the demo without Prometheus.
  const binaryProblem = options.usePrometheus ? executableProblem() : undefined;
  if (binaryProblem) throw new ConfigurationError(`${binaryProblem}, or run the demo with --no-prometheus`);
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  const engineLog = join(dir, 'engine.log');
  const stops: Array<() => Promise<void> | void> = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const stop of stops.reverse()) {
        try {
          await stop();
        } catch (error) {
          say(`  (cleanup step failed: ${error instanceof Error ? error.message : String(error)})`);
        }
      }
    })();
    return stopping;
  };

  try {
    const sandbox = await startSandbox({ port: 0, kubeconfigPath: kubeconfig, bookmarkIntervalMs: 1_000 });
    stops.push(() => rmSync(kubeconfig, { force: true }));
    stops.push(() => sandbox.stop());
    say(`▸ Kubernetes API sandbox listening on ${sandbox.url} (kubeconfig: ${kubeconfig})`);
    const rest = new KubeRest(sandbox.kubeConfig());
    const simulator = await startSimulator({
      kubeConfig: sandbox.kubeConfig(),
      nodes: { count: NODE_COUNT },
      exporterPort: 0,
    });
    stops.push(() => simulator.stop());
    say(
      `▸ simulated control plane: ${NODE_COUNT} nodes with kubelets, Deployment/StatefulSet controllers, scheduler; ` +
        `exporter on ${simulator.exporter?.url}/metrics`,
    );
    // Every CRD the engine ships: it watches both policy kinds and waits until both are served.
    const crds = await installCrds(rest);
    say(`▸ CRDs created through the API (kubectl apply -f crds/): ${crds.join(', ')}`);
    await createWorkloads(rest, SCENARIOS);
    say(
      `▸ ${SCENARIOS.length} namespaces, one workload each, created through the API: ` +
        SCENARIOS.map((sc) => `${sc.kind} ${sc.namespace}/${sc.name}`).join(', '),
    );
    for (const sc of SCENARIOS) say(`    · ${sc.title} (${sc.namespace}): ${sc.story}`);
    const untouched = await snapshot(rest, NOISY);

    // The pods get a past (the simulator replays them from 10 minutes ago), so the first evaluation has complete
    // 5-minute windows; whichever metrics path runs then carries the series on from live scrapes.
    const history = await simulator.history(HISTORY_SECONDS, HISTORY_STEP_SECONDS);
    const exporterUrl = simulator.exporter?.url ?? '';
    let metrics: MetricsPath;
    if (options.usePrometheus && prometheusAvailable()) {
      const running = await startScrapingPrometheus(
        { targets: [new URL(exporterUrl).host], intervalSeconds: SCRAPE_SECONDS },
        history,
      );
      stops.push(() => running.stop());
      metrics = { kind: 'prometheus', prometheus: running };
      say(
        `▸ metrics: a real Prometheus on ${running.url}, ${HISTORY_SECONDS / 60} min of cAdvisor, kube-state-metrics ` +
          `and node-exporter history backfilled (${running.samples} samples), then scraping the exporter every ${SCRAPE_SECONDS}s`,
      );
    } else {
      metrics = { kind: 'builtin', scrapeUrl: `${exporterUrl}/metrics` };
      const why = options.usePrometheus
        ? 'prometheus/promtool not found on PATH or in /usr/bin (apt-get install -y prometheus adds them)'
        : '--no-prometheus';
      say(`▸ metrics: BUILT-IN FEATURE SOURCE (${why})`);
      say(
        `    the engine runs with --feature-source builtin: it scrapes ${metrics.scrapeUrl} every 5s itself, ` +
          `starts from the same ${HISTORY_SECONDS / 60} min of replayed history, and computes the same 45 features ` +
          'with the same catalogue and statistics code. For demos and tests only; a cluster uses Prometheus.',
      );
    }

    const ml = await startMockMlServer({ port: 0, faults: {} });
    stops.push(() => ml.close());
    say(`▸ mock ML service on ${ml.url} (anomaly scoring and trend prediction)`);

    await createPolicies(rest, SCENARIOS);
    say(
      `▸ RemediationPolicies (dryRun: false, evaluationInterval ${EVALUATION_INTERVAL}): ` +
        SCENARIOS.map((sc) => `${sc.namespace}/${sc.policy}`).join(', '),
    );

    // Keyed by EngineConfig field, so a misspelt setting is a type error rather than a silently ignored default.
    const flags: Partial<Record<keyof EngineConfig, string>> = {
      kubeconfig,
      port: '0',
      metricsPort: '0',
      ...(metrics.kind === 'prometheus'
        ? { prometheusUrl: metrics.prometheus.url }
        : { featureSource: 'builtin', builtinScrapeUrl: metrics.scrapeUrl }),
      mlServiceUrl: ml.url,
      mlServiceTimeoutMs: '5s',
      leaderElection: 'true',
      leaderElectionIdentity: 'demo-engine',
      leaderElectionLeaseDurationMs: '6s',
      leaderElectionRenewDeadlineMs: '4s',
      leaderElectionRetryPeriodMs: '1s',
      shutdownTimeoutMs: '10s',
    };
    // An empty environment: the user's KUBECONFIG or ML_* variables must not leak into the demo.
    const config = resolveConfig(flags, {});
    const logger = pino(
      { level: 'info', name: 'coordination-engine' },
      pino.destination({ dest: engineLog, sync: true }),
    );
    const engine = await startEngine(config, logger, {
      ...(metrics.kind === 'builtin' ? { featureBackfill: history } : {}),
    });
    stops.push(() => engine.stop());
    const engineUrl = `http://127.0.0.1:${engine.apiPort}`;
    say(
      `▸ engine running in-process with leader election: ${engineUrl}/api/v1/health, ` +
        `http://127.0.0.1:${engine.metricsPort}/metrics (log: ${engineLog})`,
    );
    return {
      sandbox,
      rest,
      simulator,
      ml,
      metrics,
      untouched,
      engine,
      engineUrl,
      kubeconfig,
      engineLog,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
