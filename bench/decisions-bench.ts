/**
 * npm run bench:decisions — decision quality on a living cluster: precision, recall and cycles-to-action over a
 * labelled suite of incidents and benign look-alikes (bench/decision-suite.ts).
 *
 * The real decision path: the sandbox, the simulator, Prometheus backfilled with simulator.history() and then
 * scraping the exporter, and the engine CLI (`coordination-engine run`) with four dry-run policies per namespace
 * evaluated every 10s. An action is an entry DryRun / Succeeded / Recommended / Failed in a Remediation record;
 * skips (InsufficientData, ...) are not actions.
 *
 * Cycles-to-action of an incident: the number of evaluations of the policy that should act (its
 * status.lastEvaluationTime values, sampled every 250 ms) from the moment the incident became detectable up to
 * and including the one that acted. Detectable: the rule's condition, as the bench itself observes it (the pods'
 * status in the API; for CPU, the engine's own PromQL at the engine's evaluation instant), has held for the rule's
 * `for` — and not before the policy's first evaluation.
 *
 * Goals (exit 1 when missed): no action on a benign workload, none on a workload without enough data, and
 * ≥ 95 % of incidents acted on within 2 evaluation cycles of becoming detectable.
 *
 * Env: BENCH_OBSERVE_SECONDS=180 (after the trigger), BENCH_ENGINE_LOG=<file> (default in the temp dir)
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../src/demo/prometheus-launcher.js';
import { type Simulator, startSimulator } from '../src/simulator/simulator.js';
import {
  type EngineProcess,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
} from '../test/e2e/engine-harness.js';
import { waitFor } from '../test/support/wait-for.js';
import { DecisionObserver, policyKeyOf } from './decision-observer.js';
import { entriesOf, printSummary, score } from './decision-report.js';
import { type BenchCase, deployment, namespaceOf, policies, suite } from './decision-suite.js';

const OBSERVE_MS = Number(process.env.BENCH_OBSERVE_SECONDS ?? 180) * 1000;
const ENGINE_LOG = process.env.BENCH_ENGINE_LOG ?? join(tmpdir(), 'decisions-bench-engine.log');
const SIM = 'sandbox.coordination-engine.io';
const MERGE = 'application/merge-patch+json';

const log = (message: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);

type Annotated = { metadata: { name?: string; annotations?: Record<string, string> } };

async function main(): Promise<number> {
  if (!prometheusAvailable()) {
    console.error(
      'bench:decisions needs prometheus and promtool on the PATH (or PROMETHEUS_BIN/PROMTOOL_BIN)',
    );
    return 2;
  }
  const began = Date.now();
  const cases = suite();
  const env = await sandboxWithCrd();
  const { sandbox, rest } = env;
  let simulator: Simulator | undefined;
  let prometheus: RunningPrometheus | undefined;
  let engine: EngineProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const post = (path: string, body: object) => rest.request({ method: 'POST', path, body });
  const patch = (path: string, body: object) =>
    rest.request({ method: 'PATCH', path, body, contentType: MERGE });
  const deployments = (c: BenchCase) => `/apis/apps/v1/namespaces/${namespaceOf(c)}/deployments`;
  const list = (resource: string, c: BenchCase) =>
    sandbox.store.list(resource, namespaceOf(c)) as unknown as Annotated[];

  /** Lets one pod exit once (Error) and keep running: its lastState and restartCount remember it. */
  const restartOnce = async (c: BenchCase) => {
    const name = list('pods', c)[0]?.metadata.name ?? '';
    const path = `/api/v1/namespaces/${namespaceOf(c)}/pods/${name}`;
    const annotate = (values: Record<string, string>) =>
      patch(path, {
        metadata: {
          annotations: Object.fromEntries(Object.entries(values).map(([k, v]) => [`${SIM}/${k}`, v])),
        },
      });
    await annotate({ behaviour: 'crashloop', 'crash-after': '5s' });
    await waitFor(
      `${name} to restart once`,
      () => {
        const pod = sandbox.store.get('pods', namespaceOf(c), name) as
          | { status?: { containerStatuses?: Array<{ restartCount?: number }> } }
          | undefined;
        return (pod?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await annotate({ behaviour: 'healthy' });
  };

  /** Creates a live case, or turns a running one into an incident (or a rollout). */
  const trigger = async (c: BenchCase) => {
    if (c.created === 'trigger') await post(deployments(c), deployment(c));
    const annotations = c.trigger?.annotate;
    if (annotations) await patch(`${deployments(c)}/${c.name}`, { metadata: { annotations } });
    if (!c.trigger?.image) return;
    // A bad rollout is a revision created after the simulator saw the behaviour: wait until the deployment
    // controller has copied the annotation to the current ReplicaSet before changing the template.
    const behaviour = annotations?.[`${SIM}/behaviour`];
    if (behaviour)
      await waitFor(`${c.name}'s ReplicaSet to carry the behaviour`, () =>
        list('replicasets.apps', c).some((rs) => rs.metadata.annotations?.[`${SIM}/behaviour`] === behaviour),
      );
    await patch(`${deployments(c)}/${c.name}`, deployment(c, c.trigger.image));
  };

  try {
    simulator = await startSimulator({
      kubeConfig: sandbox.kubeConfig(),
      exporterPort: 0,
      logger: pino({ level: 'warn' }),
    });
    for (const c of cases) await post('/api/v1/namespaces', { metadata: { name: namespaceOf(c) } });
    const early = cases.filter((c) => c.created === 'setup');
    for (const c of early) await post(deployments(c), deployment(c));
    const ready = (c: BenchCase) =>
      (
        list('pods', c) as Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>
      ).filter((p) => p.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True')).length >=
      c.replicas;
    await waitFor('every workload of the setup Ready', () => early.every(ready), {
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    log(`${early.length} workloads Ready; backfilling 10 minutes of history into Prometheus`);
    prometheus = await startScrapingPrometheus(
      { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
      await simulator.history(10 * 60, 15),
    );
    for (const c of cases.filter((k) => k.restartOnceBeforeEngine)) await restartOnce(c);
    for (const c of cases)
      for (const p of policies(namespaceOf(c)))
        sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', p as never);
    engine = await startEngineProcess(join(env.dir, 'kubeconfig'), 'decisions-bench', [
      '--prometheus-url',
      prometheus.url,
    ]);
    log('engine started');

    const observer = new DecisionObserver(sandbox, cases, prometheus.url);
    let sampling: Promise<void> = Promise.resolve();
    sampler = setInterval(() => {
      sampling = sampling.then(() => observer.sample(Date.now()));
    }, 250);
    const keys = cases.flatMap((c) => policies(namespaceOf(c)).map(policyKeyOf));
    await waitFor(
      'a first evaluation of every policy',
      () => keys.every((k) => observer.observed.evaluations.has(k)),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const triggerAt = Date.now();
    log(`every policy evaluated; triggering the live cases, observing for ${OBSERVE_MS / 1000}s`);
    await Promise.all(cases.map(trigger));
    while (Date.now() < triggerAt + OBSERVE_MS) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, triggerAt + OBSERVE_MS - Date.now())));
      log(`observed ${Math.round((Date.now() - triggerAt) / 1000)}s`);
    }
    clearInterval(sampler);
    await sampling;
    writeFileSync(ENGINE_LOG, engine.proc.output());
    const summary = score(cases, observer.observed, triggerAt, (c) =>
      entriesOf(sandbox.store.list('remediations.coordination-engine.io', namespaceOf(c))),
    );
    printSummary(summary, triggerAt, Date.now() - began);
    log(`engine log: ${ENGINE_LOG}`);
    return summary.goalsMet ? 0 : 1;
  } finally {
    if (sampler) clearInterval(sampler);
    await stopProcess(engine);
    await Promise.all([prometheus?.stop(), simulator?.stop()]);
    await env.cleanup();
  }
}

process.exitCode = await main();
