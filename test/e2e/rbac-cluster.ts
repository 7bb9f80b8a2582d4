import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import { installCrds } from '../../src/demo/demo-cluster.js';
import { KubeRest } from '../../src/kube/rest-client.js';
import type { AuthorizationRecord } from '../../src/sandbox/access-control.js';
import { kubeconfigYaml } from '../../src/sandbox/kubeconfig.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { type RunningProcess, startCli } from '../support/child-process.js';
import { findManifest, type KubeManifest, renderChart } from '../support/helm-chart.js';

/**
 * A living cluster with RBAC on, and the engine process running as the Helm chart's ServiceAccount holding exactly
 * the chart's rendered ClusterRole, Roles and bindings (or those with one rule removed), configured by the rendered
 * Deployment's environment. The test harness itself (simulator, fixtures, assertions) uses the admin token.
 */

export const RELEASE = { name: 'coordination-engine', namespace: 'coordination-engine' };
/** The engine replica's name, as the Deployment's POD_NAME fieldRef would give it. */
export const ENGINE_POD = 'coordination-engine-7c9d5-x2x4p';

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
export type RbacObject = KubeManifest & { rules: RbacRule[] };

/**
 * One rule of the chart: entry `index` of `rules` in the ClusterRole, or in the Role, named `name`. Installed for a
 * namespace list, the chart renders one Role of the same name and rules per watched namespace: removing the rule
 * removes it from each (it is one line of the chart), and `namespaces` says where they are.
 */
export interface RuleRef {
  kind: 'ClusterRole' | 'Role';
  name: string;
  index: number;
  namespaces?: string[];
}

export interface RenderedEngine {
  /** The ServiceAccount, Roles, ClusterRoles and bindings, as rendered. */
  rbac: KubeManifest[];
  /** The engine container's environment, fieldRefs resolved as the kubelet would. */
  env: Record<string, string>;
}

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Renders the chart with these values as the release the tests install; the engine's RBAC and its env. */
export async function renderEngine(values: Record<string, unknown>): Promise<RenderedEngine> {
  const { documents } = await renderChart(values, {
    releaseName: RELEASE.name,
    namespace: RELEASE.namespace,
  });
  const deployment = findManifest(documents, 'Deployment') as KubeManifest & {
    spec: { template: { spec: { containers: { name: string; env: EnvVar[] }[] } } };
  };
  const container = deployment.spec.template.spec.containers.find((c) => c.name === 'engine');
  if (!container) throw new Error('the rendered Deployment has no engine container');
  const env: Record<string, string> = {};
  for (const v of container.env) env[v.name] = resolveEnv(v);
  return { rbac: documents.filter((d) => RBAC_KINDS.has(d.kind)), env };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

function resolveEnv(v: EnvVar): string {
  if (v.value !== undefined) return v.value;
  const field = v.valueFrom?.fieldRef?.fieldPath;
  if (field === 'metadata.name') return ENGINE_POD;
  if (field === 'metadata.namespace') return RELEASE.namespace;
  throw new Error(`env ${v.name}: no value the test can give it (${JSON.stringify(v.valueFrom)})`);
}

const isRole = (d: KubeManifest): d is RbacObject => d.kind === 'Role' || d.kind === 'ClusterRole';

/** Every rule of the rendered Roles and ClusterRoles, once per role name, in document order. */
export function rulesOf(rbac: readonly KubeManifest[]): { ref: RuleRef; rule: RbacRule }[] {
  const roles = rbac.filter(isRole);
  const first = roles.filter(
    (r, i) => roles.findIndex((o) => o.kind === r.kind && o.metadata.name === r.metadata.name) === i,
  );
  return first.flatMap((role) => {
    const copies = roles.filter((r) => r.kind === role.kind && r.metadata.name === role.metadata.name);
    if (copies.some((c) => JSON.stringify(c.rules) !== JSON.stringify(role.rules)))
      throw new Error(`the ${role.kind}s named ${role.metadata.name} differ in their rules`);
    const namespaces = copies.map((c) => c.metadata.namespace).filter((n): n is string => n !== undefined);
    return role.rules.map((rule, index) => ({
      ref: {
        kind: role.kind as RuleRef['kind'],
        name: role.metadata.name,
        index,
        ...(namespaces.length > 0 ? { namespaces } : {}),
      },
      rule,
    }));
  });
}

/** "ClusterRole coordination-engine[8]: create pods/eviction", how a rule is named in reports. */
export function describeRule(ref: RuleRef, rule: RbacRule): string {
  const ns = ref.namespaces ?? [];
  const where = ns.length === 0 ? '' : ns.length > 2 ? `(${ns.length} namespaces)/` : `${ns.join(',')}/`;
  const names = rule.resourceNames ? ` (${rule.resourceNames.join(', ')})` : '';
  return `${ref.kind} ${where}${ref.name}[${ref.index}]: ${rule.verbs.join(',')} ${rule.resources.join(',')}${names}`;
}

export const sameRole = (ref: Pick<RuleRef, 'kind' | 'name'>, doc: KubeManifest) =>
  doc.kind === ref.kind && doc.metadata.name === ref.name;

/** The RBAC objects with one rule of the chart taken out (of every Role of that name); the rest as rendered. */
export function withoutRule(rbac: readonly KubeManifest[], ref: RuleRef): KubeManifest[] {
  return rbac.map((doc) => {
    if (!sameRole(ref, doc)) return doc;
    const rules = [...(doc as RbacObject).rules];
    if (!rules[ref.index]) throw new Error(`${ref.kind} ${ref.name} has no rule ${ref.index}`);
    rules.splice(ref.index, 1);
    return { ...doc, rules };
  });
}

const PLURALS: Record<string, string> = {
  ServiceAccount: 'serviceaccounts',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
};

function collectionPath(doc: KubeManifest): string {
  const base = doc.apiVersion === 'v1' ? '/api/v1' : `/apis/${doc.apiVersion}`;
  const ns = doc.metadata.namespace ? `/namespaces/${doc.metadata.namespace}` : '';
  return `${base}${ns}/${PLURALS[doc.kind]}`;
}

export interface ChartCluster {
  sandbox: Sandbox;
  simulator: Simulator;
  /** A client with the admin token: fixtures and reads, never the engine's own requests. */
  admin: KubeRest;
  ml: MockMlServer;
  engine: RunningProcess;
  /** The RBAC objects the engine's ServiceAccount holds. */
  rbac: KubeManifest[];
  /** The RBAC objects as rendered, before any removal. */
  rendered: KubeManifest[];
  /** The authorization decisions about the engine's requests (its ServiceAccount's), oldest first. */
  engineDecisions(): AuthorizationRecord[];
  stop(): Promise<void>;
}

export const ENGINE_USER = `system:serviceaccount:${RELEASE.namespace}:${RELEASE.name}`;

/**
 * Starts the sandbox (RBAC on), the CRDs, the simulator and the mock ML service; lays out the scenarios
 * (`prepare`); installs the chart's ServiceAccount and RBAC (minus `removed`); then starts the engine.
 */
export async function startChartCluster(options: {
  removed?: RuleRef;
  /** Chart values beyond the ML service's URL, e.g. watchNamespaces. */
  values?: Record<string, unknown>;
  prepare(admin: KubeRest, sandbox: Sandbox): Promise<void>;
}): Promise<ChartCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'rbac-e2e-'));
  const sandbox = await startSandbox({ rbac: true, bookmarkIntervalMs: 1_000, requestLogLimit: 50_000 });
  const parts: { simulator?: Simulator; ml?: MockMlServer; engine?: RunningProcess } = {};
  const stop = async () => {
    const { engine } = parts;
    if (engine && engine.child.exitCode === null && engine.child.signalCode === null) {
      engine.child.kill('SIGKILL');
      await engine.exited;
    }
    await Promise.all([parts.simulator?.stop(), parts.ml?.close()]);
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const admin = new KubeRest(sandbox.kubeConfig());
    await installCrds(admin);
    parts.simulator = await startSimulator({ kubeConfig: sandbox.kubeConfig() });
    parts.ml = await startMockMlServer({ port: 0, faults: {} });
    const rendered = await renderEngine({ ...options.values, ml: { url: parts.ml.url } });
    const rbac = options.removed ? withoutRule(rendered.rbac, options.removed) : rendered.rbac;
    await admin.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: RELEASE.namespace } },
    });
    // The scenarios' namespaces first: a namespace list's Roles go into them, as into namespaces that exist.
    await options.prepare(admin, sandbox);
    for (const doc of rbac) await admin.request({ method: 'POST', path: collectionPath(doc), body: doc });
    const kubeconfig = join(dir, 'engine-kubeconfig');
    const token = sandbox.authenticator.tokenForServiceAccount(RELEASE.namespace, RELEASE.name);
    await writeFile(kubeconfig, kubeconfigYaml(sandbox.url, token, RELEASE.namespace));
    // Free ports instead of the chart's 8080/9090: several engines may run on this machine at once.
    parts.engine = startCli(['run', '--kubeconfig', kubeconfig], {
      ...rendered.env,
      PORT: '0',
      METRICS_PORT: '0',
    });
    // Deadlines measure the engine's behaviour, not how long a loaded machine takes to start a Node process.
    await parts.engine.waitForOutput(/"msg":"engine started"/, 90_000);
    const { simulator, ml, engine } = parts as Required<typeof parts>;
    return {
      sandbox,
      simulator,
      admin,
      ml,
      engine,
      rbac,
      rendered: rendered.rbac,
      engineDecisions: () => sandbox.authorizations.filter((a) => a.attributes.user.name === ENGINE_USER),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A denied request in words, as the apiserver's 403 says it. */
export function describeRequest(a: AuthorizationRecord['attributes']): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const group = a.apiGroup || 'core';
  const where = a.namespace ? ` in ${a.namespace}` : ' (cluster scope)';
  return `${a.verb} ${group}/${resource}${a.name ? ` ${a.name}` : ''}${where}`;
}
