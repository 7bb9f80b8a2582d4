import type { Command } from 'commander';
import { parsePort } from './parse.js';

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
    .action(async (opts: { port: number; host: string; kubeconfig: string }) => {
      const { runSandboxUntilSignal } = await import('../sandbox/main.js');
      await runSandboxUntilSignal({ port: opts.port, host: opts.host, kubeconfigPath: opts.kubeconfig });
    });
}
