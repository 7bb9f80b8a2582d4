import { formatDuration } from '../policy/duration.js';
import { DemoObserver } from './demo-observer.js';
import { startDemoStack } from './demo-stack.js';
import { runTimeline } from './demo-timeline.js';

export interface DemoOptions {
  /** How long to run once everything is up; 0 runs until `signal` aborts (Ctrl-C). */
  durationMs: number;
  usePrometheus: boolean;
  /** Only the narrated steps, no periodic table. */
  quiet: boolean;
  dir: string;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  say(line: string): void;
}

/** The whole demo: set up, narrate the timeline, shut down cleanly. Resolves true when the story completed. */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { say } = options;
  say(
    'coordination-engine demo: a sandbox cluster, real Prometheus history, a mock ML service and the engine',
  );
  say('');
  const stack = await startDemoStack({
    dir: options.dir,
    usePrometheus: options.usePrometheus,
    say,
  });
  let completed = false;
  try {
    say('');
    say('Look while it runs (another terminal):');
    say(`  KUBECONFIG=${options.dir}/kubeconfig kubectl get rp -n shop`);
    say(`  KUBECONFIG=${options.dir}/kubeconfig kubectl get pods,events -n shop`);
    say(`  curl ${stack.engineUrl}/api/v1/health`);
    say(
      options.durationMs > 0
        ? `Running for ${formatDuration(options.durationMs)} (Ctrl-C stops earlier).`
        : 'Running until Ctrl-C.',
    );
    const run = new AbortController();
    const onAbort = () => run.abort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = options.durationMs > 0 ? setTimeout(onAbort, options.durationMs) : undefined;
    try {
      completed = await runTimeline({
        stack,
        observer: new DemoObserver(stack.rest, stack.engineUrl, say, 10_000),
        signal: run.signal,
        quiet: options.quiet,
        say,
      });
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    }
    if (!completed) say('(the demo ended before the timeline finished)');
  } finally {
    say('');
    say(
      '▸ shutting down: engine (finishes in-flight work, releases the lease), ML service, Prometheus, sandbox…',
    );
    await stack.stop();
    say('✓ clean shutdown: everything stopped, temporary files removed');
  }
  return completed;
}
