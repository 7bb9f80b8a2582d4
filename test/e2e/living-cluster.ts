import type { MockMlServer } from '../../mock-ml-server/src/server.js';
import type { RunningPrometheus } from '../../src/demo/prometheus-launcher.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { type EngineProcess, sandboxWithCrd, stopProcess } from './engine-harness.js';

/**
 * The living cluster the remediation e2e tests act on: the sandbox with every CRD, the simulated control plane with
 * its exporter, and one namespace to put workloads in (`post` writes through the API, as a user's client does).
 */
export async function startLivingCluster(namespace: string) {
  const env = await sandboxWithCrd();
  const simulator = await startSimulator({ kubeConfig: env.sandbox.kubeConfig(), exporterPort: 0 });
  const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
  await post('/api/v1/namespaces', { metadata: { name: namespace } });
  return { env, sandbox: env.sandbox, simulator, post };
}

/** Stops whatever of the stack was started, the engine first so it cannot act on a half-stopped cluster. */
export async function stopLivingCluster(parts: {
  engine?: EngineProcess;
  prometheus?: RunningPrometheus;
  simulator?: Simulator;
  ml?: MockMlServer;
  env?: { cleanup(): Promise<void> };
}): Promise<void> {
  await stopProcess(parts.engine);
  await Promise.all([parts.prometheus?.stop(), parts.simulator?.stop(), parts.ml?.close()]);
  await parts.env?.cleanup();
}
