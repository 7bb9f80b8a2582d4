import { type Command, InvalidArgumentError, Option } from 'commander';
import { listScheduledPods } from '../kube/scheduled-pods.js';
import { FeatureVectorBuilder, type PodRef } from '../metrics/feature-vector-builder.js';
import { PrometheusClient } from '../metrics/prometheus-client.js';
import { cycleToJson, cycleToTable } from './features-output.js';

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

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter(Boolean)];
}

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
    .option('--pod <name>', 'only this pod')
    .option('--at <time>', 'evaluate at this RFC 3339 time or unix seconds (default: now)', parseInstant)
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--step <seconds>', 'window point spacing; must divide 60', positiveInt('--step'), 60)
    .option('--rate-window <seconds>', 'rate() lookback for CPU counters', positiveInt('--rate-window'), 300)
    .option('--node-label <label>', 'node-exporter label holding the node name', 'instance')
    .option('--timeout <ms>', 'per-query timeout', positiveInt('--timeout'), 30_000)
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
      if (opts.kubeconfig) {
        const listed = await listScheduledPods(opts.kubeconfig, namespaces, opts.pod);
        // A --pod the API does not know still gets a (missing) vector, so the answer says why it is empty.
        pods = opts.pod !== undefined && listed.length === 0 ? pods : listed;
      }
      const cycle = await builder.build({ namespaces, ...(pods ? { pods } : {}) }, opts.at ?? Date.now());
      process.stdout.write(
        opts.output === 'json' ? `${JSON.stringify(cycleToJson(cycle), null, 2)}\n` : cycleToTable(cycle),
      );
      if (cycle.status === 'unavailable') process.exitCode = 2;
    });
}
