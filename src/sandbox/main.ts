import { createLogger } from '../log/logger.js';
import { startSimulator } from '../simulator/simulator.js';
import { startSandbox } from './sandbox.js';

export interface RunSandboxOptions {
  port: number;
  host: string;
  kubeconfigPath: string;
  /** Run the simulated control plane in the same process. */
  simulate?: { nodes: number; exporterPort?: number };
}

/** Runs the sandbox (and the simulator) until SIGINT or SIGTERM, logging where it listens. */
export async function runSandboxUntilSignal(options: RunSandboxOptions): Promise<void> {
  const log = createLogger({ name: 'sandbox' });
  const sandbox = await startSandbox({
    port: options.port,
    host: options.host,
    kubeconfigPath: options.kubeconfigPath,
  });
  log.info({ url: sandbox.url, kubeconfig: options.kubeconfigPath }, `sandbox listening on ${sandbox.url}`);
  const simulator = options.simulate
    ? await startSimulator({
        kubeConfig: sandbox.kubeConfig(),
        nodes: { count: options.simulate.nodes },
        exporterPort: options.simulate.exporterPort,
        exporterHost: options.host,
        logger: createLogger({ name: 'simulator', level: 'warn' }),
      })
    : undefined;
  if (simulator) {
    log.info(
      { nodes: options.simulate?.nodes, exporter: simulator.exporter?.url },
      `simulator running${simulator.exporter ? `; metrics at ${simulator.exporter.url}/metrics` : ''}`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await simulator?.stop();
  await sandbox.stop();
  log.info('sandbox stopped');
}
