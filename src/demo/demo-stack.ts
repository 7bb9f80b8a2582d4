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
import { createShop, installCrds, NODE_COUNT } from './demo-cluster.js';
import { demoPolicies } from './demo-policies.js';
import {
  executableProblem,
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from './prometheus-launcher.js';

export const EVALUATION_INTERVAL = '10s';
const HISTORY_SECONDS = 20 * 60;
const SCRAPE_SECONDS = 5;

export interface DemoStack {
  readonly sandbox: Sandbox;
  readonly rest: KubeRest;
  readonly ml: MockMlServer;
  readonly simulator: Simulator;
  readonly prometheus: RunningPrometheus | undefined;
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

/** Starts the sandbox, the shop workloads, Prometheus (when possible), the mock ML server and the engine. */
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
    const hot = await createShop(rest);
    say('▸ namespace shop: Deployment web (3 pods), StatefulSet db (2 pods), Pod report-job, all Running');
    say(`▸ kubectl annotate pod ${hot} sandbox.coordination-engine.io/behaviour=cpu-saturation: it runs hot`);

    let prometheus: RunningPrometheus | undefined;
    if (!options.usePrometheus) {
      say('▸ Prometheus skipped (--no-prometheus): detection will run Degraded (PrometheusUnavailable)');
    } else if (!prometheusAvailable()) {
      say('▸ prometheus/promtool not found on PATH or in /usr/bin: detection will run Degraded');
      say(
        '  (PrometheusUnavailable: no target can be judged). Install them with: apt-get install -y prometheus',
      );
    } else {
      // The pods get a past (the simulator replays them from 20 minutes ago), so the first evaluation has
      // complete 5-minute windows; Prometheus then scrapes the exporter and the series carry on.
      const history = await simulator.history(HISTORY_SECONDS, 15);
      const target = new URL(simulator.exporter?.url ?? '').host;
      const running = await startScrapingPrometheus(
        { targets: [target], intervalSeconds: SCRAPE_SECONDS },
        history,
      );
      prometheus = running;
      stops.push(() => running.stop());
      say(
        `▸ Prometheus on ${running.url}: ${HISTORY_SECONDS / 60} min of node-exporter, cAdvisor and ` +
          `kube-state-metrics history backfilled (${running.samples} samples), then scraping the exporter every ` +
          `${SCRAPE_SECONDS}s`,
      );
    }

    const ml = await startMockMlServer({ port: 0, faults: {} });
    stops.push(() => ml.close());
    say(`▸ mock ML service on ${ml.url}`);

    for (const policy of demoPolicies(EVALUATION_INTERVAL)) {
      await rest.request({
        method: 'POST',
        path: '/apis/coordination-engine.io/v1alpha1/namespaces/shop/remediationpolicies',
        body: policy,
      });
    }
    say(
      `▸ policies created: restart-web (rules) and ml-guided (ML), evaluationInterval ${EVALUATION_INTERVAL}`,
    );

    // Keyed by EngineConfig field, so a misspelt setting is a type error rather than a silently ignored default.
    const flags: Partial<Record<keyof EngineConfig, string>> = {
      kubeconfig,
      port: '0',
      metricsPort: '0',
      prometheusUrl: prometheus?.url,
      mlServiceUrl: ml.url,
      mlServiceTimeoutMs: '1s',
      // Open the breaker on the first failure and try again after 2 s, so the outage shows within one interval.
      mlCircuitBreakerThreshold: '1',
      mlCircuitBreakerTimeoutMs: '2s',
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
    const engine = await startEngine(config, logger);
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
      prometheus,
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
