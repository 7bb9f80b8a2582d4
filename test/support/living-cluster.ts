import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { KubeRest } from '../../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import type { NodePlan } from '../../src/simulator/nodes.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';

const run = promisify(execFile);

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A sandbox with the simulated control plane running in it, and the real kubectl pointed at it. */
export interface LivingCluster {
  sandbox: Sandbox;
  simulator: Simulator;
  rest: KubeRest;
  dir: string;
  kubeconfig: string;
  kubectl(...args: string[]): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout. */
  ok(...args: string[]): Promise<string>;
  manifest(name: string, object: unknown): Promise<string>;
  getJson<T = Record<string, unknown>>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startLivingCluster(
  options: { nodes?: NodePlan; exporter?: boolean } = {},
): Promise<LivingCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'living-cluster-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ kubeconfigPath: kubeconfig });
  const simulator = await startSimulator({
    kubeConfig: sandbox.kubeConfig(),
    nodes: options.nodes,
    ...(options.exporter ? { exporterPort: 0 } : {}),
  });
  const rest = new KubeRest(sandbox.kubeConfig());
  const kubectl = async (...args: string[]): Promise<KubectlResult> => {
    try {
      const { stdout, stderr } = await run(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 90_000 },
      );
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return {
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
        code: typeof e.code === 'number' ? e.code : 1,
      };
    }
  };
  return {
    sandbox,
    simulator,
    rest,
    dir,
    kubeconfig,
    kubectl,
    async ok(...args) {
      const result = await kubectl(...args);
      if (result.code !== 0)
        throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return result.stdout;
    },
    async manifest(name, object) {
      const path = join(dir, name);
      await writeFile(path, stringify(object));
      return path;
    },
    getJson: (path) => rest.request({ method: 'GET', path }),
    async stop() {
      await simulator.stop();
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Rows of a `kubectl get` table, split on the column padding (cells hold at most single spaces). */
export function tableRows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s{2,}/));
}

export interface PodView {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { name: string; image: string }[] };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state: Record<string, Record<string, unknown>>;
      lastState: { terminated?: { reason: string; exitCode: number } };
    }[];
  };
}

export function isReady(pod: PodView): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export function restarts(pod: PodView): number {
  return (pod.status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}
