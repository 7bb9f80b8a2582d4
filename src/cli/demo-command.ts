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
      'Run the engine against an embedded sandbox cluster with Prometheus history and a mock ML service, ' +
        'and narrate an ML outage and its recovery.',
    )
    .addOption(
      new Option('--duration <duration>', 'how long to run after set-up (e.g. 90s, 5m); 0 runs until Ctrl-C')
        .argParser(parseDemoDuration)
        // Shown as written, not as the milliseconds it parses to.
        .default(90_000, '90s'),
    )
    .option('--no-prometheus', 'skip Prometheus even when installed (detection then runs Degraded)')
    .option('--quiet', 'print only the narrated steps, not the periodic status table')
    .option('--dir <dir>', 'where the kubeconfig and the engine log are written', '.demo')
    .action(async (opts: { duration: number; prometheus: boolean; quiet?: boolean; dir: string }) => {
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
        quiet: opts.quiet === true,
        dir: opts.dir,
        signal: stop.signal,
        say: (line) => process.stdout.write(`${line}\n`),
      });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Interrupted early is a normal, clean end; a run that outlived its duration without the story is not.
      process.exitCode = completed || stop.signal.aborted ? 0 : 1;
    });
}
