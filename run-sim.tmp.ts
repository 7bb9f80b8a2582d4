import { startSandbox } from './src/sandbox/sandbox.js';
import { startSimulator } from './src/simulator/simulator.js';
const sandbox = await startSandbox({ kubeconfigPath: '/tmp/sim/kubeconfig', port: 0 });
const sim = await startSimulator({ kubeConfig: sandbox.kubeConfig(), exporterPort: 19191 });
console.log('ready', sandbox.url, sim.exporter?.url);
await new Promise(r => setTimeout(r, 600000));
