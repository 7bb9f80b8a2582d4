import { type Command, InvalidArgumentError } from 'commander';
import { parsePort } from './parse.js';

function parseNodeCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 5000) {
    throw new InvalidArgumentError(`--nodes must be an integer between 1 and 5000, got "${value}"`);
  }
  return n;
}

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('Start the in-memory Kubernetes API sandbox (for tests and the demo).')
    .option('--port <port>', 'port to listen on (0 picks a free port)', parsePort, 0)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option(
      '--kubeconfig <file>',
      'where to write a kubeconfig for kubectl and client-node',
      'sandbox.kubeconfig',
    )
    .option(
      '--simulate',
      'also run the simulated control plane: controllers, scheduler and kubelets (failures on demand)',
      false,
    )
    .option('--nodes <count>', 'simulated nodes (with --simulate)', parseNodeCount, 3)
    .option(
      '--exporter-port <port>',
      'with --simulate: serve cAdvisor, kube-state-metrics and node-exporter series on this port (/metrics)',
      parsePort,
    )
    .action(
      async (opts: {
        port: number;
        host: string;
        kubeconfig: string;
        simulate: boolean;
        nodes: number;
        exporterPort?: number;
      }) => {
        if (opts.exporterPort !== undefined && !opts.simulate) {
          throw new Error('--exporter-port needs --simulate (the exporter reports the simulated pods)');
        }
        const { runSandboxUntilSignal } = await import('../sandbox/main.js');
        await runSandboxUntilSignal({
          port: opts.port,
          host: opts.host,
          kubeconfigPath: opts.kubeconfig,
          simulate: opts.simulate ? { nodes: opts.nodes, exporterPort: opts.exporterPort } : undefined,
        });
      },
    );
}
