import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../policy/duration.js';

function parseDemoDuration(value: string): number {
  if (value.trim() === '0') return 0;
  try {
    return parseDuration(value.trim());
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

/** `coordination-engine demo`: the whole engine on an embedded cluster, narrated (src/demo/). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the engine on an embedded sandbox cluster with a mock ML service and watch it heal a crash loop, ' +
        'a memory leak (by prediction) and a bad rollout, and leave a noisy but healthy service alone.',
    )
    .addOption(
      new Option(
        '--duration <duration>',
        'how long the story may take after set-up before the demo gives up (e.g. 3m); 0: no limit',
      )
        .argParser(parseDemoDuration)
        // Shown as written, not as the milliseconds it parses to.
        .default(180_000, '3m'),
    )
    .option(
      '--no-prometheus',
      'use the built-in feature source (demo and tests only) even when Prometheus is installed',
    )
    .option('--keep-running', 'after the story, keep everything running until Ctrl-C (prints the kubeconfig)')
    .option('--dir <dir>', 'where the kubeconfig and the engine log are written', '.demo')
    .action(async (opts: { duration: number; prometheus: boolean; keepRunning?: boolean; dir: string }) => {
      const { runDemo } = await import('../demo/demo.js');
      const stop = new AbortController();
      let firstSignalAtMs: number | undefined;
      const onSignal = () => {
        // A terminal's Ctrl-C can reach us twice (directly and relayed by npm/tsx); only a later one forces exit.
        if (firstSignalAtMs !== undefined) {
          if (Date.now() - firstSignalAtMs > 1_000) process.exit(1);
          return;
        }
        firstSignalAtMs = Date.now();
        process.stdout.write('\n(interrupted: stopping cleanly, Ctrl-C again to force)\n');
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const completed = await runDemo({
        durationMs: opts.duration,
        usePrometheus: opts.prometheus,
        keepRunning: opts.keepRunning === true,
        dir: opts.dir,
        signal: stop.signal,
        say: (line) => process.stdout.write(`${line}\n`),
      });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Success means the story completed (--keep-running: before Ctrl-C); anything less says what did not happen.
      process.exitCode = completed ? 0 : 1;
    });
}
