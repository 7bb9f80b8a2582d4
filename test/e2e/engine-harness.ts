import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCrds } from '../../src/demo/demo-cluster.js';
import { KubeRest } from '../../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { type RunningProcess, startCli } from '../support/child-process.js';
import { waitFor } from '../support/wait-for.js';

export const LEASE = { namespace: 'default', name: 'coordination-engine-leader' };

/**
 * A sandbox with both policy CRDs (RemediationPolicy, ClusterRemediationPolicy) installed through the API, as
 * `kubectl apply -f crds/` would: the engine watches both kinds and is not ready until both are served.
 */
/** `bookmarkIntervalMs`: 1 s by default, so tests see bookmarks soon; a bench wants kube-apiserver's minute. */
export async function sandboxWithCrd(options: { bookmarkIntervalMs?: number } = {}): Promise<{
  sandbox: Sandbox;
  dir: string;
  rest: KubeRest;
  cleanup(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'ce-e2e-'));
  const sandbox = await startSandbox({
    port: 0,
    kubeconfigPath: join(dir, 'kubeconfig'),
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1_000,
  });
  const rest = new KubeRest(sandbox.kubeConfig());
  await installCrds(rest);
  return {
    sandbox,
    dir,
    rest,
    async cleanup() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EngineProcess {
  proc: RunningProcess;
  identity: string;
  apiPort: number;
  metricsPort: number;
  get(path: string): Promise<{ status: number; text: string }>;
  metric(name: string, labels?: string): Promise<number | undefined>;
}

/** Starts `coordination-engine run` as a user would, on free ports it reports in its logs. */
export async function startEngineProcess(
  kubeconfig: string,
  identity: string,
  extraArgs: string[] = [],
): Promise<EngineProcess> {
  const proc = startCli([
    'run',
    '--kubeconfig',
    kubeconfig,
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--leader-election-identity',
    identity,
    '--leader-election-lease-duration',
    '3s',
    '--leader-election-renew-deadline',
    '2s',
    '--leader-election-retry-period',
    '500ms',
    ...extraArgs,
  ]);
  const api = await proc.waitForOutput(/"port":(\d+),"msg":"api server listening"/);
  const metrics = await proc.waitForOutput(/"port":(\d+),"msg":"metrics server listening"/);
  // The servers listen before the engine is built (so /healthz answers at once); callers want the engine.
  await proc.waitForOutput(/"msg":"engine started"/);
  const apiPort = Number(api[1]);
  const metricsPort = Number(metrics[1]);
  const get = async (path: string) => {
    const port = path === '/metrics' ? metricsPort : apiPort;
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, text: await res.text() };
  };
  return {
    proc,
    identity,
    apiPort,
    metricsPort,
    get,
    async metric(name, labels = '') {
      const { text } = await get('/metrics');
      const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    },
  };
}

export async function stopProcess(engine: EngineProcess | undefined): Promise<void> {
  if (!engine || engine.proc.child.exitCode !== null || engine.proc.child.signalCode !== null) return;
  engine.proc.child.kill('SIGKILL');
  await engine.proc.exited;
}

export function leaseSpec(
  sandbox: Sandbox,
): { holderIdentity?: string; renewTime?: string; acquireTime?: string } | undefined {
  const lease = sandbox.getObject('coordination.k8s.io', 'leases', LEASE.namespace, LEASE.name);
  return lease?.spec as { holderIdentity?: string; renewTime?: string; acquireTime?: string } | undefined;
}

export function leaseHolder(sandbox: Sandbox): string | undefined {
  return leaseSpec(sandbox)?.holderIdentity;
}

export function policyStatus(
  sandbox: Sandbox,
  namespace: string,
  name: string,
): PolicyStatusView | undefined {
  const policy = sandbox.getObject('coordination-engine.io', 'remediationpolicies', namespace, name);
  return policy?.status as PolicyStatusView | undefined;
}

/** The status of a ClusterRemediationPolicy, read from the cluster-scoped object itself. */
export function clusterPolicyStatus(sandbox: Sandbox, name: string): PolicyStatusView | undefined {
  const policy = sandbox.getObject('coordination-engine.io', 'clusterremediationpolicies', undefined, name);
  return policy?.status as PolicyStatusView | undefined;
}

export interface PolicyStatusView {
  observedGeneration?: number;
  phase?: string;
  lastEvaluationTime?: string;
  targets?: { total: number };
  conditions?: {
    type: string;
    status: string;
    reason: string;
    message: string;
    observedGeneration?: number;
  }[];
}

export function readyCondition(status: PolicyStatusView | undefined) {
  return status?.conditions?.find((c) => c.type === 'Ready');
}

export async function waitForReady(sandbox: Sandbox, namespace: string, name: string, generation: number) {
  return waitFor(
    `${namespace}/${name} Ready=True at generation ${generation}`,
    () => {
      const status = policyStatus(sandbox, namespace, name);
      const ready = readyCondition(status);
      return status?.observedGeneration === generation && ready?.status === 'True' ? status : undefined;
    },
    { timeoutMs: 20_000 },
  );
}
