import { type Command, InvalidArgumentError, Option } from 'commander';
import { dnsLabelProblem, dnsSubdomainProblem } from '../kube/names.js';
import type { PodFeatureVector } from '../metrics/feature-vector.js';
import type { PodRef } from '../metrics/feature-vector-builder.js';
import { formatDuration, parseDuration } from '../policy/duration.js';

/** `--at`: RFC 3339 (2026-11-23T10:32:00Z) or unix seconds (1795426320 or 1795426320.5). */
export function parseInstant(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new InvalidArgumentError(
    `--at expects an RFC 3339 time (2026-11-23T10:32:00Z) or unix seconds, got "${value}"`,
  );
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} expects a positive integer, got "${value}"`);
    return n;
  };
}

/** `--timeout`: a duration (30s, 1m30s), as every other duration flag and variable of the engine takes. */
export function parseTimeout(value: string): number {
  try {
    const ms = parseDuration(value.trim());
    if (ms > 0) return ms;
  } catch {
    // reported below, naming the flag
  }
  throw new InvalidArgumentError(`--timeout expects a duration such as 30s or 1m30s, got "${value}"`);
}

function name(flag: string, problem: (value: string) => string | undefined) {
  return (value: string): string => {
    const why = problem(value);
    if (why) throw new InvalidArgumentError(`${flag}: ${why}`);
    return value;
  };
}

const namespaceName = name('--namespace', dnsLabelProblem);

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter(Boolean).map(namespaceName)];
}

/** A vector that says nothing about its pod: no kube_pod_info (so no node) and not one series of its own. */
const unknownPod = (v: PodFeatureVector) => v.node === undefined && v.features.every((f) => !f.ok);

interface FeaturesOptions {
  prometheusUrl: string;
  namespace: string[];
  pod?: string;
  at?: number;
  output: 'table' | 'json';
  step: number;
  rateWindow: number;
  nodeLabel: string;
  timeout: number;
  maxConcurrency: number;
  thanosDedup?: boolean;
  thanosPartialResponse?: 'allow' | 'deny';
  bearerTokenFile?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  kubeconfig?: string;
}

export function registerFeaturesCommand(program: Command): void {
  program
    .command('features')
    .description(
      'Print the 45-feature vectors (schema v1) of pods, evaluated at one instant with a fixed number of PromQL ' +
        'queries. Pods are discovered from kube-state-metrics (kube_pod_info). Exit code 2: Prometheus unavailable.',
    )
    .requiredOption('--prometheus-url <url>', 'Prometheus or Thanos Querier base URL')
    .requiredOption('--namespace <ns>', 'namespace to cover (repeatable or comma-separated)', collect)
    .option(
      '--pod <name>',
      'only this pod (exit code 1 when it is not found)',
      name('--pod', dnsSubdomainProblem),
    )
    .option(
      '--at <time>',
      'evaluate at this RFC 3339 time or unix seconds (default: 5s ago, as the engine reads)',
      parseInstant,
    )
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--step <seconds>', 'window point spacing; must divide 60', positiveInt('--step'), 60)
    .option('--rate-window <seconds>', 'rate() lookback for CPU counters', positiveInt('--rate-window'), 300)
    .option('--node-label <label>', 'node-exporter label holding the node name', 'instance')
    .addOption(
      new Option('--timeout <duration>', 'per-query timeout, e.g. 30s or 1m')
        .argParser(parseTimeout)
        .default(30_000, formatDuration(30_000)),
    )
    .option('--max-concurrency <n>', 'queries in flight at once', positiveInt('--max-concurrency'), 4)
    .option('--thanos-dedup', 'send dedup=true (Thanos Querier)')
    .addOption(
      new Option('--thanos-partial-response <mode>', 'Thanos partial_response (default deny)').choices([
        'allow',
        'deny',
      ]),
    )
    .option(
      '--bearer-token-file <path>',
      'bearer token file, re-read when it changes (service-account token)',
    )
    .option('--ca-file <path>', 'PEM CA bundle to verify the server certificate')
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate (not recommended)')
    .option(
      '--kubeconfig <path>',
      'list pods (and their nodes) from the Kubernetes API instead of kube_pod_info',
    )
    .action(async (opts: FeaturesOptions) => {
      const [
        { DEFAULT_QUERY_OFFSET_MS, FeatureVectorBuilder },
        { PrometheusClient },
        { cycleToJson, cycleToTable },
      ] = await Promise.all([
        import('../metrics/feature-vector-builder.js'),
        import('../metrics/prometheus-client.js'),
        import('./features-output.js'),
      ]);
      const thanos =
        opts.thanosDedup || opts.thanosPartialResponse
          ? { dedup: opts.thanosDedup === true, partialResponse: opts.thanosPartialResponse === 'allow' }
          : undefined;
      const client = new PrometheusClient({
        url: opts.prometheusUrl,
        timeoutMs: opts.timeout,
        maxConcurrency: opts.maxConcurrency,
        ...(thanos ? { thanos } : {}),
        ...(opts.bearerTokenFile ? { bearerTokenFile: opts.bearerTokenFile } : {}),
        ...(opts.caFile ? { caFile: opts.caFile } : {}),
        insecureSkipTlsVerify: opts.insecureSkipTlsVerify === true,
      });
      const builder = new FeatureVectorBuilder(client, {
        stepSeconds: opts.step,
        rateWindowSeconds: opts.rateWindow,
        nodeLabel: opts.nodeLabel,
      });
      const namespaces = opts.namespace;
      let pods: PodRef[] | undefined =
        opts.pod !== undefined
          ? namespaces.map((namespace) => ({ namespace, name: opts.pod ?? '' }))
          : undefined;
      const notFound = (where: string) => {
        process.stderr.write(
          `coordination-engine: pod ${opts.pod} not found in namespace ${namespaces.join(', ')} (${where})\n`,
        );
        process.exitCode = 1;
      };
      if (opts.kubeconfig) {
        const { listScheduledPods } = await import('../kube/scheduled-pods.js');
        pods = await listScheduledPods(opts.kubeconfig, namespaces, opts.pod);
        if (opts.pod !== undefined && pods.length === 0)
          return notFound('the Kubernetes API lists no such pod');
      }
      const at = opts.at ?? Date.now() - DEFAULT_QUERY_OFFSET_MS;
      const cycle = await builder.build({ namespaces, ...(pods ? { pods } : {}) }, at);
      if (opts.pod !== undefined && cycle.status === 'ok' && cycle.vectors.every(unknownPod)) {
        const at = new Date(cycle.evaluatedAtMs).toISOString();
        return notFound(`Prometheus has no kube_pod_info and no series for it at ${at}`);
      }
      process.stdout.write(
        opts.output === 'json' ? `${JSON.stringify(cycleToJson(cycle), null, 2)}\n` : cycleToTable(cycle),
      );
      if (cycle.status === 'unavailable') process.exitCode = 2;
    });
}
