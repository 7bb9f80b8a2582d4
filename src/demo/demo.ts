import { once } from 'node:events';
import { formatDuration } from '../policy/duration.js';
import { DemoObserver } from './demo-observer.js';
import { formatSummary, judge } from './demo-outcome.js';
import { SCENARIOS } from './demo-scenarios.js';
import { startDemoStack } from './demo-stack.js';
import { runTimeline } from './demo-timeline.js';

export interface DemoOptions {
  /** How long the story may take once everything is up; 0 waits as long as it takes (or until Ctrl-C). */
  durationMs: number;
  usePrometheus: boolean;
  /** After the story, leave everything running until `signal` aborts. */
  keepRunning: boolean;
  dir: string;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  say(line: string): void;
}

/**
 * The whole demo: set up, play the four scenarios while narrating what the engine detects, decides, does and
 * verifies, print what happened and what was deliberately not done, then shut down (or keep running).
 * Resolves true when the story completed: every healing scenario remediated for real and verified, and the
 * noisy workload untouched.
 */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { say } = options;
  say('coordination-engine demo: a sandbox cluster that breaks in four ways, and the engine healing it');
  say('');
  const stack = await startDemoStack({ dir: options.dir, usePrometheus: options.usePrometheus, say });
  let completed = false;
  try {
    say('');
    say('Look while it runs (another terminal):');
    say(`  KUBECONFIG=${stack.kubeconfig} kubectl get rp,remediations,pods -A`);
    say(`  curl ${stack.engineUrl}/api/v1/health`);
    say(
      options.durationMs > 0
        ? `The story has ${formatDuration(options.durationMs)} to complete (Ctrl-C stops earlier).`
        : 'The story takes as long as it takes (Ctrl-C stops it).',
    );
    say('');
    const story = new AbortController();
    const onAbort = () => story.abort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = options.durationMs > 0 ? setTimeout(onAbort, options.durationMs) : undefined;
    const startedAtMs = Date.now();
    const observer = new DemoObserver(stack.rest, SCENARIOS, say, startedAtMs);
    try {
      await runTimeline({ rest: stack.rest, observer, signal: story.signal, say, startedAtMs });
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    }
    const judgement = await judge(stack.rest, observer.progress.values(), stack.untouched);
    say('');
    say(
      `What happened (${Math.round((Date.now() - startedAtMs) / 1000)}s, features from ` +
        `${stack.metrics.kind === 'prometheus' ? 'Prometheus' : 'the BUILT-IN FEATURE SOURCE'}):`,
    );
    for (const line of formatSummary(judgement.rows)) say(`  ${line}`);
    say('');
    if (judgement.failures.length === 0) {
      completed = true;
      say(
        '✓ story complete: three workloads healed and verified for real, the noisy one deliberately left alone',
      );
    } else {
      if (story.signal.aborted) {
        say(
          options.signal.aborted
            ? '✗ interrupted before the story completed. What did not happen:'
            : `✗ the story did not complete within ${formatDuration(options.durationMs)}. What did not happen:`,
        );
      } else say('✗ the story did not complete. What did not happen:');
      for (const failure of judgement.failures) say(`  - ${failure}`);
      say(`  (the engine's log: ${stack.engineLog})`);
    }
    if (options.keepRunning && !options.signal.aborted) {
      say('');
      say('Still running (--keep-running). Watch it, or break something yourself:');
      say(`  export KUBECONFIG=${stack.kubeconfig}`);
      say('  kubectl get rp,remediations,pods -A -w');
      say('Ctrl-C stops everything.');
      await once(options.signal, 'abort');
    }
  } finally {
    say('');
    say(
      '▸ shutting down: engine (finishes in-flight work, releases the lease), ML service, metrics, sandbox…',
    );
    await stack.stop();
    say('✓ clean shutdown: everything stopped, temporary files removed');
  }
  return completed;
}
