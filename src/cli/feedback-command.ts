import { type Command, Option } from 'commander';
import type { PolicyFilter } from '../kube/closed-remediations.js';
import { dnsLabelProblem, dnsSubdomainProblem } from '../kube/names.js';
import { parseDuration } from '../policy/duration.js';
import type { FeedbackExample } from '../remediation/feedback-example.js';

/** A flag value the command cannot use; exits 2 with a message naming the flag. */
export class FeedbackFlagError extends Error {
  override readonly name = 'FeedbackFlagError';
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** `--since`: an RFC 3339 time, unix seconds, or a duration (24h, 90m) meaning that long before `nowMs`. */
export function parseSince(value: string, nowMs: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (RFC3339.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  try {
    return nowMs - parseDuration(value);
  } catch {
    throw new FeedbackFlagError(
      `--since expects an RFC 3339 time (2026-11-23T10:32:00Z), unix seconds or a duration such as 24h, got "${value}"`,
    );
  }
}

/** `--policy`: `namespace/name` for a RemediationPolicy, a bare `name` for a ClusterRemediationPolicy. */
export function parsePolicy(value: string): PolicyFilter {
  const parts = value.split('/');
  const bad = (why: string) =>
    new FeedbackFlagError(
      `--policy expects namespace/name (RemediationPolicy) or name (ClusterRemediationPolicy), got "${value}": ${why}`,
    );
  if (parts.length > 2) throw bad('more than one "/"');
  const name = parts.at(-1) ?? '';
  if (dnsSubdomainProblem(name)) throw bad(`"${name}" is not a valid object name`);
  if (parts.length === 1) return { kind: 'ClusterRemediationPolicy', name };
  const namespace = parts[0] ?? '';
  if (dnsLabelProblem(namespace)) throw bad(`"${namespace}" is not a valid namespace`);
  return { kind: 'RemediationPolicy', namespace, name };
}

interface ExportOptions {
  since?: string;
  policy?: string;
  output: 'jsonl';
  kubeconfig?: string;
}

export function registerFeedbackCommand(program: Command): void {
  const feedback = program
    .command('feedback')
    .description('Finished remediation episodes as labelled training examples (docs/feedback.md).');
  feedback
    .command('schema')
    .description(
      'Print the JSON Schema (draft 2020-12) of one exported line, the same as schemas/feedback-example.v1.schema.json.',
    )
    .action(async () => {
      const { feedbackJsonSchema } = await import('../remediation/feedback-example.js');
      process.stdout.write(`${JSON.stringify(feedbackJsonSchema(), null, 2)}\n`);
    });
  feedback
    .command('export')
    .description(
      'Print one JSON line (schema coordination-engine.io/feedback/v1) per finished remediation episode: ' +
        'closed Remediation records with an outcome. Exit code 2: a bad --since or --policy.',
    )
    .option(
      '--since <time>',
      'only episodes completed at or after this RFC 3339 time, unix seconds or duration ago (24h)',
    )
    .option(
      '--policy <ref>',
      'only this policy: namespace/name (RemediationPolicy) or name (ClusterRemediationPolicy)',
    )
    .addOption(new Option('--output <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .option(
      '--kubeconfig <path>',
      'kubeconfig file; else KUBECONFIG, the in-cluster service account, or ~/.kube/config',
    )
    .action(async (opts: ExportOptions, command: Command) => {
      let sinceMs: number | undefined;
      let policy: PolicyFilter | undefined;
      try {
        sinceMs = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
        policy = opts.policy === undefined ? undefined : parsePolicy(opts.policy);
      } catch (error) {
        if (!(error instanceof FeedbackFlagError)) throw error;
        command.error(`error: ${error.message}`, { exitCode: 2, code: 'feedback.invalidFlag' });
      }
      // Loaded here, not at the top: the Kubernetes client would slow every other command's start.
      const [
        { listClosedRemediations },
        { loadKubeConfig },
        { KubeRest },
        { isFeedbackExample, toFeedbackExample },
      ] = await Promise.all([
        import('../kube/closed-remediations.js'),
        import('../kube/kubeconfig-loader.js'),
        import('../kube/rest-client.js'),
        import('../remediation/feedback-example.js'),
      ]);
      const rest = new KubeRest(loadKubeConfig(opts.kubeconfig));
      const examples: FeedbackExample[] = [];
      const skipped: string[] = [];
      let unreadable = 0;
      for await (const item of listClosedRemediations(rest, policy)) {
        if ('unreadable' in item) {
          unreadable += item.unreadable;
          continue;
        }
        const example = toFeedbackExample(item.record);
        if (!isFeedbackExample(example)) {
          if (example.skip !== 'open') skipped.push(example.message);
          continue;
        }
        if (sinceMs === undefined || Date.parse(example.completionTime) >= sinceMs) examples.push(example);
      }
      // Oldest first, so appending later exports to a file keeps it in time order.
      examples.sort(
        (a, b) =>
          Date.parse(a.completionTime) - Date.parse(b.completionTime) ||
          `${a.episode.namespace}/${a.episode.name}`.localeCompare(
            `${b.episode.namespace}/${b.episode.name}`,
          ),
      );
      process.stdout.write(examples.map((e) => `${JSON.stringify(e)}\n`).join(''));
      if (skipped.length > 0 || unreadable > 0) {
        const lines = skipped.map((m) => `  ${m}\n`).join('');
        process.stderr.write(
          `coordination-engine: skipped ${skipped.length + unreadable} finished record(s) that are not examples` +
            `${unreadable > 0 ? ` (${unreadable} without readable metadata)` : ''}:\n${lines}`,
        );
      }
    });
}
