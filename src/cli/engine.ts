import type { Logger } from 'pino';
import type { EngineConfig } from '../config/settings.js';
import { CacheGroup } from '../controller/cache-group.js';
import { CampaignWhenSynced } from '../controller/campaign-when-synced.js';
import { Controller } from '../controller/controller.js';
import { EvaluationLoop } from '../controller/evaluation-loop.js';
import { EventRecorder } from '../controller/event-recorder.js';
import { type InformerHandler, keyOf } from '../controller/informer.js';
import { LeaderElector } from '../controller/leader-election.js';
import { type Leadership, LeadershipTerms } from '../controller/leadership.js';
import { assessmentsFrom, PolicyReconciler } from '../controller/policy-reconciler.js';
import { defaultControllerRateLimiter } from '../controller/rate-limiter.js';
import { RecentDecisions } from '../controller/recent-decisions.js';
import { StatusWriter } from '../controller/status-writer.js';
import { targetsForPolicies } from '../controller/target-pods-cache.js';
import { WorkQueue } from '../controller/workqueue.js';
import { AssessmentStore } from '../detection/assessment-store.js';
import { DetectionCycle } from '../detection/detection-cycle.js';
import { RuleTracker } from '../detection/rule-tracker.js';
import { KubeEventSink } from '../kube/event-sink.js';
import { loadKubeConfig } from '../kube/kubeconfig-loader.js';
import { KubeLeaseStore } from '../kube/lease-store.js';
import { PolicyStatusApi } from '../kube/policy-status-api.js';
import { KubeRest } from '../kube/rest-client.js';
import { LatestFeatureVectors } from '../metrics/latest-feature-vectors.js';
import type { SeriesInput } from '../metrics/sample-store.js';
import { createMlService } from '../ml/ml-service-factory.js';
import type { DependencyStates } from '../policy/policy-status.js';
import { Reason } from '../policy/reasons.js';
import { OWNED_STATUS_FIELDS } from '../policy/status-types.js';
import { EngineMetrics } from '../server/engine-metrics.js';
import type { HealthSource } from '../server/health.js';
import { EngineEndpoints } from '../server/http-servers.js';
import { systemClock } from '../time/clock.js';
import { createEngineApi } from './api-wiring.js';
import {
  createFeedbackPoster,
  dependencyHealthSources,
  mlConfig,
  patternGuidance,
} from './engine-dependencies.js';
import { engineReadiness, kubernetesHealthSource, leaderHealthSource } from './engine-health.js';
import { createFeatureSource } from './feature-source-wiring.js';
import { createPolicySources } from './policy-sources.js';
import { createRemediation, protectedNamespaces } from './remediation-wiring.js';
import { selectionMayChange, WorkloadCatalog } from './workloads-of.js';

export interface RunningEngine {
  apiPort: number;
  metricsPort: number;
  /** The current leadership term, for anything that mutates the cluster: its signal and fence. */
  leadership: Leadership;
  /**
   * Stop taking work, finish in-flight reconciles, close caches and servers. The lease is released only after a
   * clean drain; if work is still running at the shutdown timeout, the lease is left to expire.
   */
  stop(): Promise<void>;
}

export interface EngineOptions {
  /**
   * Called once when this replica loses the lease (not on its own shutdown), after the term's signal aborted.
   * The run command exits the process, as controller-runtime does: a fresh process starts from a clean slate.
   */
  onLostLeadership?: () => void;
  /**
   * API and metrics servers already listening (the run command starts them before loading the engine, so
   * /healthz answers at once); without them the engine starts its own on config.port and config.metricsPort.
   */
  endpoints?: EngineEndpoints;
  /**
   * Past samples for the built-in feature source to start with (FEATURE_SOURCE=builtin only): the demo replays
   * the simulated cluster's history into it, as it backfills a real Prometheus with promtool.
   */
  featureBackfill?: readonly SeriesInput[];
  /** The evaluation loop's safety-net beat (EVALUATION_TICK_MS); tests set an hour to show events wake it. */
  evaluationBeatMs?: number;
}

const CONTROLLER = 'remediationpolicy';
const DEPENDENCY_REFRESH_MS = 10_000;
/** The evaluation loop wakes when a policy appears, goes or is edited; this beat is only its safety net. */
const EVALUATION_TICK_MS = 10_000;
/** A cycle waits this long for ML verdicts before judging ML-guided policies by their rules. */
const ML_CYCLE_DEADLINE_MS = 20_000;

/** Composition root: builds the engine from its configuration and starts it. */
export async function startEngine(
  config: EngineConfig,
  logger: Logger,
  options: EngineOptions = {},
): Promise<RunningEngine> {
  const onLostLeadership = options.onLostLeadership ?? (() => process.exit(1));
  const clock = systemClock;
  const rest = new KubeRest(loadKubeConfig(config.kubeconfig));
  const metrics = new EngineMetrics();
  const cache = (resource: string, groupVersionPath: string, plural: string, clusterScoped = false) =>
    new CacheGroup({
      resource,
      groupVersionPath,
      plural,
      namespaces: config.namespaces,
      clusterScoped,
      rest,
      clock,
      logger,
      relistIntervalMs: config.informerRelistIntervalMs,
      silenceTimeoutMs: config.watchSilenceTimeoutMs,
      attend: () => metrics.eventLoopLag.attend(),
    });
  // Both policy kinds and the Namespace labels a cluster policy's namespaceSelector reads.
  const policies = createPolicySources(cache);
  const deployments = cache('deployments', '/apis/apps/v1', 'deployments');
  const statefulSets = cache('statefulsets', '/apis/apps/v1', 'statefulsets');
  const replicaSets = cache('replicasets', '/apis/apps/v1', 'replicasets');
  const pods = cache('pods', '/api/v1', 'pods');
  const autoscalers = cache('horizontalpodautoscalers', '/apis/autoscaling/v2', 'horizontalpodautoscalers');
  const caches = [...policies.caches, deployments, statefulSets, replicaSets, pods, autoscalers];
  const workloads = new WorkloadCatalog({ deployments, statefulSets, pods });
  const cachesSynced = () => caches.every((c) => c.hasSynced());

  const featureSource = await createFeatureSource(config, options.featureBackfill);
  const ml = config.mlServiceUrl
    ? createMlService(mlConfig(config, config.mlServiceUrl), {
        registry: metrics.registry,
        logger: logger.child({ component: 'ml' }),
      })
    : undefined;
  // Dependencies other than Kubernetes: probed in the background so reconciles read their state synchronously.
  const probes = dependencyHealthSources(config, ml?.service, clock);
  // The built-in feature source (demo and tests) reports its own scrape health under the metrics dependency.
  const prometheus: HealthSource =
    config.featureSource === 'builtin' ? featureSource.health : probes.prometheus;
  const { mlService } = probes;
  const dependencyStates: DependencyStates = {
    prometheus: { state: 'down', message: 'not checked yet' },
    mlService: { state: 'down', message: 'not checked yet' },
  };
  const refreshDependencies = async () => {
    const [p, m] = await Promise.all([prometheus.check(), mlService.check()]);
    dependencyStates.prometheus = { state: p.status, message: p.message };
    dependencyStates.mlService = { state: m.status, message: m.message };
  };
  // Not awaited: the servers and caches start meanwhile; only reconciling waits for it (startController), so the
  // first status a policy gets reports what was checked, not "not checked yet".
  const firstDependencyCheck = refreshDependencies();
  const dependencyTimer = setInterval(() => void refreshDependencies(), DEPENDENCY_REFRESH_MS);
  dependencyTimer.unref();

  const events = new EventRecorder({
    sink: new KubeEventSink(rest),
    clock,
    logger,
    component: 'coordination-engine',
    instance: config.leaderElectionIdentity,
    onDropped: () => metrics.remediation().eventsDropped(),
  });

  const feedback = config.mlServiceUrl
    ? createFeedbackPoster(config.mlServiceUrl, config.mlServiceTimeoutMs, metrics.registry, logger)
    : undefined;
  const patterns = ml ? patternGuidance(config, ml.service, clock) : undefined;
  const decisions = new RecentDecisions();
  const policyStatusWriter = new StatusWriter(new PolicyStatusApi(rest), logger, OWNED_STATUS_FIELDS);
  const remediation = createRemediation({
    rest,
    caches: {
      deployments,
      statefulSets,
      replicaSets,
      pods,
      autoscalers,
      namespaceLabels: (ns) => policies.namespaceLabels(ns),
    },
    events,
    statusWriter: policyStatusWriter,
    metrics: metrics.remediation(),
    protectedNamespaces: protectedNamespaces(config.protectedNamespaces, process.env.POD_NAMESPACE),
    forceDryRun: config.dryRun,
    ...(feedback ? { feedback } : {}),
    ...(patterns ? { patterns } : {}),
    onDecided: (policy, delta) => decisions.record(keyOf(policy), clock.now(), delta),
    clock,
    logger: logger.child({ component: 'remediation' }),
  });

  // Detection: one batched cycle for every due policy (fixed PromQL bill), one ML call per cycle.
  const features = metrics.detection.features(featureSource.features);
  const vectors = new LatestFeatureVectors(features);
  const rules = new RuleTracker();
  const assessments = new AssessmentStore();
  const evaluation = new EvaluationLoop({
    ready: cachesSynced,
    policies: () => policies.list(),
    validate: (policy) => policies.validate(policy),
    targetsFor: targetsForPolicies({ policies, workloads, deployments, statefulSets, replicaSets, pods }),
    detection: metrics.detection.detection(
      new DetectionCycle({
        features: vectors,
        rules,
        mlDeadlineMs: ML_CYCLE_DEADLINE_MS,
        queryOffsetMs: config.prometheusQueryOffsetMs,
        ...(ml
          ? { ml: ml.service, mlTarget: { backend: config.mlBackend, model: config.mlKserveAnomalyModel } }
          : {}),
      }),
    ),
    store: assessments,
    rules,
    clock,
    tickMs: options.evaluationBeatMs ?? EVALUATION_TICK_MS,
    onEvaluated: (keys) => {
      for (const key of keys) controller?.enqueue(key);
    },
    onTransitions: async (policy, transitions) => {
      for (const t of transitions) {
        if (t.to === 'anomalous') await events.record(policy, 'Warning', Reason.AnomalyDetected, t.message);
        else if (t.to === 'recovered')
          await events.record(policy, 'Normal', Reason.AnomalyCleared, t.message);
        else await events.record(policy, 'Normal', Reason.ShadowAnomaly, t.message);
      }
    },
    // Remediation acts on each fresh assessment, inside the term that made it: a lost lease stops it at once.
    onAssessed: (policy, spec, assessment) => remediation.run(policy, spec, assessment, leadership.context()),
    shadow: metrics.shadow(),
    logger: logger.child({ component: 'detection' }),
    attend: () => metrics.eventLoopLag.attend(),
  });

  const reconciler = new PolicyReconciler({
    policies,
    workloads: () => workloads.list(),
    namespaceLabels: policies.namespaceLabelMap,
    statusWriter: policyStatusWriter,
    events,
    dependencies: () => structuredClone(dependencyStates),
    assessments: assessmentsFrom(assessments),
    cachesSynced,
    clock,
    logger: logger.child({ controller: CONTROLLER }),
  });

  // The controller exists only while this replica leads; a new one is built on every (re)election.
  let controller: Controller | undefined;
  let stopping: Promise<void> | undefined;
  const queueMetrics = metrics.queue(CONTROLLER);
  const controllerMetrics = metrics.controller(CONTROLLER);
  let draining: Promise<void> = Promise.resolve();
  // Every change of leadership starts a new term; a start that belongs to an older term is dropped, so a
  // replica that lost the lease again while the previous term drained never starts reconciling without it.
  let term = 0;
  const leadership = new LeadershipTerms(() => (elector ? elector.isLeader() : true));
  const startController = async (myTerm: number) => {
    // A previous term's reconciles must finish before a new term starts, or one key could run twice at once.
    await Promise.all([draining, firstDependencyCheck]);
    if (controller || stopping || myTerm !== term || (elector && !elector.isLeader())) return;
    // A term acts only on what it observed itself: rule clocks and assessments of an earlier term are stale.
    rules.clear();
    assessments.clear();
    remediation.gates.reset();
    const signal = leadership.begin();
    controller = new Controller({
      signal,
      name: CONTROLLER,
      queue: new WorkQueue(clock, defaultControllerRateLimiter(clock), queueMetrics),
      reconciler,
      clock,
      logger,
      workers: config.workers,
      metrics: controllerMetrics,
    });
    controller.start();
    evaluation.start();
    for (const policy of policies.list()) controller.enqueue(keyOf(policy));
    logger.info({ workers: config.workers }, 'reconciling');
  };
  const stopController = () => {
    const current = controller;
    controller = undefined;
    if (current) draining = Promise.all([evaluation.stop(), current.stop()]).then(() => undefined);
    return draining;
  };

  policies.onChange((key) => controller?.enqueue(key));
  policies.onSpecChange(() => evaluation.wake());
  // A status-only update (most events of a cluster) cannot change any policy's selection or status counts.
  const onWorkload: InformerHandler = (type, workload, previous) => {
    if (!controller || (type === 'update' && !selectionMayChange(previous, workload))) return;
    for (const key of policies.coveringNamespace(workload.metadata.namespace ?? '')) controller.enqueue(key);
  };
  deployments.on(onWorkload);
  statefulSets.on(onWorkload);
  pods.on(onWorkload);
  for (const c of caches) c.start();

  const elector = config.leaderElection
    ? new LeaderElector({
        identity: config.leaderElectionIdentity,
        store: new KubeLeaseStore(
          rest,
          config.leaderElectionNamespace,
          config.leaderElectionLeaseName,
          Math.min(5_000, config.leaderElectionRetryPeriodMs * 2),
        ),
        clock,
        logger,
        leaseDurationMs: config.leaderElectionLeaseDurationMs,
        renewDeadlineMs: config.leaderElectionRenewDeadlineMs,
        retryPeriodMs: config.leaderElectionRetryPeriodMs,
        onStartedLeading: () => {
          metrics.setLeader(true);
          void startController(++term);
        },
        onStoppedLeading: () => {
          term++;
          // Stop acting at once: in-flight work sees the aborted signal before its next request.
          leadership.end('lost the lease');
          metrics.setLeader(false);
          void stopController();
          if (!stopping) {
            logger.error({ identity: config.leaderElectionIdentity }, 'leader election lost');
            onLostLeadership();
          }
        },
      })
    : undefined;
  // Campaign only once the caches have synced (see CampaignWhenSynced).
  const campaign = elector
    ? new CampaignWhenSynced({ synced: cachesSynced, campaign: () => elector.start(), clock })
    : undefined;
  if (campaign) campaign.start();
  else {
    metrics.setLeader(true);
    void startController(term);
  }

  const sources: HealthSource[] = [
    kubernetesHealthSource(caches, clock),
    prometheus,
    mlService,
    leaderHealthSource(elector, () => campaign?.waiting() ?? false),
  ];
  const endpoints = options.endpoints ?? (await EngineEndpoints.listen(config.port, config.metricsPort));
  if (!options.endpoints) {
    logger.info({ port: endpoints.apiPort }, 'api server listening');
    logger.info({ port: endpoints.metricsPort }, 'metrics server listening');
  }
  const apiParts = {
    ...{ rest, policies, evaluation, assessments, decisions, vectors, events, leadership, clock },
    ready: cachesSynced,
  };
  const workloadCaches = { deployments, statefulSets, pods };
  const api = createEngineApi(config, apiParts, workloadCaches, metrics.registry, logger);
  const readiness = engineReadiness(caches, elector);
  endpoints.attach({ sources, registry: metrics.registry, readiness, api: api.handler });
  logger.info(
    {
      identity: config.leaderElectionIdentity,
      leaderElection: config.leaderElection,
      namespaces: config.namespaces.length > 0 ? config.namespaces : 'all',
      dryRun: config.dryRun,
    },
    'engine started',
  );

  return {
    apiPort: endpoints.apiPort,
    metricsPort: endpoints.metricsPort,
    leadership,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down: no new work; finishing in-flight reconciles');
        campaign?.stop();
        // The lease is still held (and renewed) while in-flight work finishes, so it may finish acting.
        const drained = stopController();
        const timedOut = new Promise<'timeout'>((resolve) =>
          setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs).unref(),
        );
        const clean = (await Promise.race([drained, timedOut])) !== 'timeout';
        leadership.end('shutting down');
        if (!clean) {
          logger.warn(
            { timeoutMs: config.shutdownTimeoutMs },
            'in-flight reconciles did not finish in time; leaving the lease to expire',
          );
        }
        // Releasing while work may still run would let a successor act alongside it: only after a clean drain.
        await elector?.stop({ release: clean });
        metrics.setLeader(false);
        clearInterval(dependencyTimer);
        await featureSource.stop();
        ml?.close();
        feedback?.close();
        await Promise.all(caches.map((c) => c.stop()));
        await endpoints.close();
        metrics.close();
        logger.info('shutdown complete');
      })();
      return stopping;
    },
  };
}
