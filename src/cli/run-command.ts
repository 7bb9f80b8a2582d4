import { type Command, Option } from 'commander';
import { resolveConfig, SETTINGS } from '../config/settings.js';
import { kubeconfigSource } from '../kube/kubeconfig-source.js';
import { createLogger } from '../log/logger.js';
import { EngineEndpoints } from '../server/http-servers.js';

/**
 * `coordination-engine run`: every setting is a flag and an environment variable (the flag wins), generated from
 * the settings table so --help always documents all of them with their defaults.
 */
export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('Run the engine: watch RemediationPolicy resources and the workloads they select.')
    .addHelpText(
      'after',
      '\nEvery flag can also be set through the environment variable shown; the flag wins.\n' +
        'Durations are written like 500ms, 30s, 5m or 1h30m.',
    );
  for (const setting of SETTINGS) {
    const value = setting.boolean ? '[bool]' : '<value>';
    const defaultText = setting.defaultText === undefined ? 'unset' : setting.defaultText;
    const option = new Option(
      `${setting.flag} ${value}`,
      `${setting.help} [env ${setting.env}; default: ${defaultText}]`,
    );
    command.addOption(option);
  }
  command.action(async (opts: Record<string, string | boolean | undefined>) => {
    const flags: Record<string, string | boolean | undefined> = {};
    for (const setting of SETTINGS) {
      const attribute = new Option(`${setting.flag} <v>`).attributeName();
      flags[setting.key] = opts[attribute];
    }
    // Both throw a ConfigurationError (a bad setting, naming the flag and variable; no way to reach Kubernetes):
    // main.ts prints it as one line and exits 2.
    const config = resolveConfig(flags, process.env);
    kubeconfigSource(config.kubeconfig);
    const logger = createLogger({
      level: config.logLevel,
      pretty: config.logFormat === 'pretty',
      name: 'coordination-engine',
    });
    logger.info({ pid: process.pid }, 'starting');
    // The servers listen before the engine (and the Kubernetes client, the slowest module to load) is imported:
    // /healthz answers within a second of start, whatever the dependencies do.
    const endpoints = await EngineEndpoints.listen(config.port, config.metricsPort);
    logger.info({ port: endpoints.apiPort }, 'api server listening');
    logger.info({ port: endpoints.metricsPort }, 'metrics server listening');
    const { startEngine } = await import('./engine.js');
    const engine = await startEngine(config, logger, {
      endpoints,
      // As controller-runtime does: a replica that lost the lease exits at once (its term's signal has already
      // aborted in-flight work) and its Deployment restarts it as a fresh follower with no stale state.
      onLostLeadership: () => {
        logger.flush?.();
        process.exit(1);
      },
    }).catch(async (error: unknown) => {
      await endpoints.close();
      throw error;
    });

    let signalled = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
        process.exit(1);
      }
      signalled = true;
      logger.info({ signal }, 'signal received');
      engine.stop().then(
        () => {
          logger.flush?.();
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: String(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  });
}
