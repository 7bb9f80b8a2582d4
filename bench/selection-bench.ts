/**
 * npm run bench:selection — the engine's per-cycle target selection (targetsFor) at 10,000 pods in 2,000
 * Deployments over 10 namespaces, with one ClusterRemediationPolicy selecting every Deployment (as bench:engine).
 *
 *   before     the wiring engine.ts had: selectTargets + podsOfTargets over fresh list() copies, every call, with
 *              podsOfTargets as it was at BENCH_BEFORE (default 3d5c6ea, read with git show): the baseline
 *   cold       TargetPodsCache's first call: index the caches, select, look up the pods
 *   pod change a pod's status changed since the last call (the usual case in a busy cluster): the pods are
 *              re-indexed and looked up again; the selection and the other indexes are kept
 *   warm       nothing changed but the policy's status (each evaluation writes it, a new object in the cache)
 *              and the spec object (validated afresh): the remembered answer
 *
 * Every figure is the median of BENCH_RUNS (default 30) calls in this one process, after 3 unmeasured ones; the
 * ratios are to `before`. The caches are in-memory informer-like caches (test/support/memory-cache.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkloadCatalog } from '../src/cli/workloads-of.js';
import { policyScopeOf } from '../src/controller/policy-scope.js';
import { TargetPodsCache } from '../src/controller/target-pods-cache.js';
import type { podsOfTargets } from '../src/detection/workload-pods.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { selectTargets } from '../src/policy/target-selection.js';
import { validatePolicySpec } from '../src/policy/validate.js';
import { MemoryCache } from '../test/support/memory-cache.js';
import { testPolicy } from '../test/support/policy-fixtures.js';

const ROOT = resolve(import.meta.dirname, '..');
const BEFORE = process.env.BENCH_BEFORE ?? '3d5c6ea';
const NAMESPACES = 10;
const DEPLOYMENTS = 2_000;
const PODS_PER_DEPLOYMENT = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

const owner = (kind: string, name: string) => [
  { apiVersion: 'apps/v1', kind, name, uid: `${name}-uid`, controller: true, blockOwnerDeletion: true },
];

function pod(namespace: string, app: string, i: number, restarts = 0): KubeObject {
  const name = `${app}-rs-${i}`;
  return {
    metadata: {
      name,
      namespace,
      uid: `${namespace}-${name}-uid`,
      resourceVersion: String(restarts + 1),
      labels: { app, 'pod-template-hash': 'rs' },
      ownerReferences: owner('ReplicaSet', `${app}-rs`),
    },
    spec: { nodeName: `node-${i % 50}` },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: restarts, state: { running: {} } }],
    },
  };
}

function cluster() {
  const namespaces: KubeObject[] = [];
  const deployments: KubeObject[] = [];
  const replicaSets: KubeObject[] = [];
  const pods: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) namespaces.push({ metadata: { name: `bench-${n}`, labels: {} } });
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const namespace = `bench-${d % NAMESPACES}`;
    const app = `app-${d}`;
    deployments.push({
      metadata: { name: app, namespace, uid: `${app}-uid`, labels: { app, tier: 'bench' } },
    });
    replicaSets.push({
      metadata: {
        name: `${app}-rs`,
        namespace,
        uid: `${app}-rs-uid`,
        ownerReferences: owner('Deployment', app),
      },
    });
    for (let i = 0; i < PODS_PER_DEPLOYMENT; i++) pods.push(pod(namespace, app, i));
  }
  return {
    namespaces: new MemoryCache(namespaces),
    deployments: new MemoryCache(deployments),
    statefulSets: new MemoryCache(),
    replicaSets: new MemoryCache(replicaSets),
    pods: new MemoryCache(pods),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median milliseconds of `run`, with `prepare` (unmeasured) before each call. */
function time(run: () => unknown, prepare: () => void = () => {}): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    prepare();
    const start = performance.now();
    run();
    if (i >= 3) samples.push(performance.now() - start);
  }
  return median(samples);
}

/** workload-pods.ts as it was at BENCH_BEFORE, its imports pointed at today's src/ (types and status signals). */
async function podsOfTargetsBefore(): Promise<typeof podsOfTargets> {
  const source = execFileSync('git', ['show', `${BEFORE}:src/detection/workload-pods.ts`], {
    cwd: ROOT,
    encoding: 'utf8',
  }).replace(/from '\.\.?\/([^']+)'/g, (_, path: string) => {
    const dir = _.includes("'../") ? 'src' : 'src/detection';
    return `from '${pathToFileURL(join(ROOT, dir, path)).href}'`;
  });
  const dir = mkdtempSync(join(tmpdir(), 'selection-bench-'));
  try {
    const file = join(dir, 'workload-pods-before.ts');
    writeFileSync(file, source);
    return ((await import(pathToFileURL(file).href)) as { podsOfTargets: typeof podsOfTargets })
      .podsOfTargets;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const podsOfTargetsThen = await podsOfTargetsBefore();
const caches = cluster();
const catalog = new WorkloadCatalog(caches);
let policy = testPolicy('all-deployments')
  .clusterWide()
  .withSpecField('targets', { kinds: ['Deployment'], selector: { matchLabels: { tier: 'bench' } } })
  .build() as KubeObject;
const specOf = (object: KubeObject) => {
  const validation = validatePolicySpec(object.spec, 'Cluster');
  if (!validation.valid) throw new Error('invalid bench policy');
  return validation.spec;
};
const spec = specOf(policy);
let freshSpec = spec;
const namespaceLabelMap = () =>
  new Map(caches.namespaces.list().map((ns) => [ns.metadata.name, ns.metadata.labels ?? {}] as const));
const policies = {
  scopeOf: policyScopeOf,
  get: (key: string) => (key === policy.metadata.name ? policy : undefined),
  namespaceLabelMap,
  namespacesRevision: () => caches.namespaces.revision(),
};
const sources = { policies, workloads: catalog, ...caches };

const before = () =>
  podsOfTargetsThen(selectTargets(policyScopeOf(policy), spec, catalog.list(), namespaceLabelMap()), {
    deployments: caches.deployments.list(),
    statefulSets: caches.statefulSets.list(),
    replicaSets: caches.replicaSets.list(),
    pods: caches.pods.list(),
  });

let memo = new TargetPodsCache(sources);
const after = () => memo.targetsFor(policy, spec);
let restarts = 0;
const changeAPod = () => caches.pods.put(pod('bench-0', 'app-0', 0, ++restarts));

const expected = JSON.stringify(before());
if (JSON.stringify(after()) !== expected) throw new Error('the memo answers differently from the old wiring');
const pods = before().reduce((n, t) => n + t.pods.length, 0);

const results = {
  before: time(before),
  cold: time(after, () => {
    memo = new TargetPodsCache(sources);
  }),
  'pod change': time(after, changeAPod),
  warm: time(
    () => memo.targetsFor(policy, freshSpec),
    () => {
      policy = { ...policy, status: { lastEvaluationTime: new Date().toISOString() } };
      freshSpec = specOf(policy);
    },
  ),
};
console.log(
  `targetsFor, 1 policy selecting ${DEPLOYMENTS} Deployments (${pods} pods, ${NAMESPACES} namespaces), median of ${RUNS}:`,
);
for (const [name, ms] of Object.entries(results)) {
  const ratio = results.before / ms;
  console.log(
    `  ${name.padEnd(10)} ${ms.toFixed(3).padStart(9)} ms   ${ratio >= 1 ? `${ratio.toFixed(1)}x faster` : `${(1 / ratio).toFixed(2)}x slower`} than before`,
  );
}
