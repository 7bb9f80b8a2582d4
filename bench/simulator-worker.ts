/**
 * The simulator alone in a process (forked by bench/simulator-bench.ts), so its CPU and memory are its own.
 * argv: <kubeconfig> <nodes>. Sends {ready, exporter} once running, and {stats} when asked.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { startSimulator } from '../src/simulator/simulator.js';

const [kubeconfig, nodes] = process.argv.slice(2);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig as string);
const simulator = await startSimulator({
  kubeConfig: kc,
  nodes: { count: Number(nodes), maxPods: 110 },
  exporterPort: 0,
});
process.send?.({ ready: true, exporter: simulator.exporter?.url });
process.on('message', async (message: { stats?: boolean; stop?: boolean }) => {
  if (message.stats)
    process.send?.({ stats: simulator.stats(), memory: process.memoryUsage(), cpu: process.cpuUsage() });
  if (message.stop) {
    await simulator.stop();
    process.exit(0);
  }
});
