import { createLogger } from '../log/logger.js';
import { startSandbox } from './sandbox.js';

export interface RunSandboxOptions {
  port: number;
  host: string;
  kubeconfigPath: string;
}

/** Runs the sandbox until SIGINT or SIGTERM, logging one line with where it listens. */
export async function runSandboxUntilSignal(options: RunSandboxOptions): Promise<void> {
  const log = createLogger({ name: 'sandbox' });
  const sandbox = await startSandbox({
    port: options.port,
    host: options.host,
    kubeconfigPath: options.kubeconfigPath,
  });
  log.info({ url: sandbox.url, kubeconfig: options.kubeconfigPath }, `sandbox listening on ${sandbox.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.stop();
  log.info('sandbox stopped');
}
