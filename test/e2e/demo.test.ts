import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { prometheusAvailable } from '../../src/demo/prometheus-launcher.js';
import { type RunningProcess, startCli } from '../support/child-process.js';

/**
 * `coordination-engine demo --keep-running` as a user runs it, twice at once: with a real Prometheus, and with the
 * built-in feature source (`--no-prometheus`). Each must tell the whole story and end with the summary table; then,
 * while it is still running, the real kubectl reads the cluster through the printed kubeconfig to check that what
 * the table claims happened: records Succeeded, the template restarted, the pod replaced, the image rolled back,
 * the noisy workload untouched. Ctrl-C then ends it cleanly with exit code 0.
 */
const execFileAsync = promisify(execFile);
const STORY_MS = 200_000;
const running: RunningProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const demo of running)
    if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Row {
  scenario: string;
  target: string;
  detected: string;
  done: string;
  verified: string;
  notDone: string;
}

/** The summary table after "What happened": columns start where the header's titles start. */
function summary(text: string): Row[] {
  const lines = text.slice(text.indexOf('What happened')).split('\n').slice(1);
  const header = lines[0] ?? '';
  const titles = ['SCENARIO', 'TARGET', 'DETECTED', 'DONE', 'VERIFIED', 'DELIBERATELY NOT DONE'];
  const starts = titles.map((t) => header.indexOf(t));
  expect(
    starts.every((s) => s >= 0),
    header,
  ).toBe(true);
  const rows: Row[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') break;
    const cell = (i: number) => line.slice(starts[i], starts[i + 1]).trim();
    rows.push({
      scenario: cell(0),
      target: cell(1),
      detected: cell(2),
      done: cell(3),
      verified: cell(4),
      notDone: cell(5),
    });
  }
  return rows;
}

type Json = {
  metadata: {
    name: string;
    uid?: string;
    namespace?: string;
    creationTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown> & {
    replicas?: number;
    template?: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: { image: string }[] };
    };
  };
  status?: Record<string, unknown>;
  involvedObject?: { kind: string; name: string };
  reason?: string;
};

async function tellsTheStory(variant: 'prometheus' | 'builtin'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `ce-demo-${variant}-`));
  dirs.push(dir);
  const kubeconfig = join(dir, 'kubeconfig');
  const demo = startCli([
    'demo',
    '--keep-running',
    '--dir',
    dir,
    ...(variant === 'builtin' ? ['--no-prometheus'] : []),
  ]);
  running.push(demo);
  const kubectl = async <T = Json>(...args: string[]): Promise<T> => {
    const { stdout } = await execFileAsync('kubectl', [...args, '-o', 'json'], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    return JSON.parse(stdout) as T;
  };
  // Either the story ends and the demo keeps running, or the process ends early: then its output says why.
  await Promise.race([
    demo.waitForOutput(/Still running \(--keep-running\)|the story did not complete/, STORY_MS),
    demo.exited,
  ]);
  const text = demo.output();
  expect(text, text).toContain('✓ story complete');
  expect(text).toContain(`export KUBECONFIG=${kubeconfig}`);
  expect(text).toContain('kubectl get rp,remediations,pods -A -w');
  if (variant === 'prometheus')
    expect(text).toMatch(/▸ metrics: a real Prometheus on http:\/\/127\.0\.0\.1:\d+/);
  else expect(text).toMatch(/▸ metrics: BUILT-IN FEATURE SOURCE \(--no-prometheus\)/);
  // Features were there from the first evaluation: no policy was ever Degraded.
  expect(text).not.toMatch(/policy Degraded/);
  // Progress was shown as it happened, stage by stage.
  for (const stage of ['detect', 'decide', 'act', 'verify'])
    expect(text).toMatch(new RegExp(`crash loop +${stage} `));
  expect(text).toMatch(/memory leak +detect .*pod_oom predicted/);

  // The table: what was detected, done, verified, and deliberately not done.
  const rows = summary(text);
  expect(rows.map((r) => r.scenario)).toEqual(['crash loop', 'memory leak', 'bad rollout', 'noisy service']);
  const [crash, leak, rollout, noisy] = rows;
  expect(crash).toMatchObject({ target: 'deploy/checkout', detected: 'rule crashing (CrashLoopBackOff)' });
  expect(crash?.done).toMatch(/^RolloutRestart: template restarted/);
  expect(leak?.detected).toMatch(/^predicted pod_oom in \d+m/);
  expect(leak?.done).toMatch(/^RestartPod: cache-0 evicted before any OOM kill/);
  expect(rollout?.detected).toMatch(/^rule never-ready \(NotReadySeconds/);
  expect(rollout?.done).toBe('Rollback: payments/payments:1 again (revision 3)');
  for (const row of [crash, leak, rollout]) expect(row?.verified).toMatch(/^Succeeded after /);
  expect(crash?.notDone).toBe('tell-a-human (RecommendOnly): not needed');
  expect(noisy).toMatchObject({ done: 'nothing', verified: 'untouched' });
  expect(noisy?.detected).toMatch(/^nothing: healthy (\d+) of \1 times$/);
  expect(noisy?.notDone).toMatch(/^restart, roll: healthy/);

  // What the cluster says, through the real kubectl, while the demo keeps running.
  const policies = await kubectl<{ items: Json[] }>('get', 'rp', '-A');
  expect(policies.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual([
    'cache/oom-ahead',
    'catalog/noisy-but-fine',
    'checkout/crash-loop',
    'payments/bad-rollout',
  ]);
  const records = (await kubectl<{ items: Json[] }>('get', 'remediations', '-A')).items;
  const byNamespace = new Map(records.map((r) => [r.metadata.namespace, r]));
  expect(records).toHaveLength(3);
  for (const [ns, action] of [
    ['checkout', 'RolloutRestart'],
    ['cache', 'RestartPod'],
    ['payments', 'Rollback'],
  ] as const) {
    const status = byNamespace.get(ns)?.status as
      | { phase?: string; actions?: { action: string; result: string }[] }
      | undefined;
    expect(status?.phase, `${ns} record`).toBe('Succeeded');
    expect(status?.actions?.filter((a) => a.result === 'Succeeded').map((a) => a.action)).toEqual([action]);
    const events = await kubectl<{ items: Json[] }>(
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      'reason=RemediationSucceeded',
    );
    expect(events.items.map((e) => e.involvedObject?.kind).sort(), `${ns} events`).toEqual(
      [ns === 'cache' ? 'StatefulSet' : 'Deployment', 'RemediationPolicy'].sort(),
    );
  }
  const checkout = await kubectl('get', 'deployment', 'checkout', '-n', 'checkout');
  expect(checkout.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
  // The leak: acted on the prediction, before any rule (the OOMKilled signal) fired, and the pod was replaced.
  const decision = (
    byNamespace.get('cache')?.status as
      | {
          decision?: {
            rules: unknown[];
            prediction?: { issue: string }[];
            features: { pod: string; podUid: string }[];
          };
        }
      | undefined
  )?.decision;
  expect(decision?.rules).toEqual([]);
  expect(decision?.prediction?.[0]?.issue).toBe('pod_oom');
  const cache0 = await kubectl('get', 'pod', 'cache-0', '-n', 'cache');
  expect(decision?.features[0]?.pod).toBe('cache-0');
  expect(cache0.metadata.uid).not.toBe(decision?.features[0]?.podUid);
  const payments = await kubectl('get', 'deployment', 'payments', '-n', 'payments');
  expect(payments.spec?.template?.spec.containers[0]?.image).toBe('payments/payments:1');
  expect(payments.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  const sets = (await kubectl<{ items: Json[] }>('get', 'replicasets', '-n', 'payments')).items;
  expect(sets.map((rs) => rs.spec?.replicas).sort()).toEqual([0, 2]);
  // The noisy workload: never restarted, rolled or replaced; its pods predate its policy.
  const catalog = await kubectl('get', 'deployment', 'catalog', '-n', 'catalog');
  expect(
    catalog.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
  ).toBeUndefined();
  expect((await kubectl<{ items: Json[] }>('get', 'replicasets', '-n', 'catalog')).items).toHaveLength(1);
  const policyCreated = policies.items.find((p) => p.metadata.namespace === 'catalog')?.metadata
    .creationTimestamp;
  const pods = (await kubectl<{ items: Json[] }>('get', 'pods', '-n', 'catalog')).items;
  expect(pods).toHaveLength(2);
  for (const pod of pods) expect((pod.metadata.creationTimestamp ?? '') <= (policyCreated ?? '')).toBe(true);

  // Ctrl-C: a clean shutdown, exit code 0 (the story completed), the kubeconfig of the stopped sandbox removed.
  demo.child.kill('SIGINT');
  expect(await demo.exited, demo.output()).toBe(0);
  expect(demo.output()).toContain('✓ clean shutdown');
  expect(existsSync(kubeconfig)).toBe(false);
  expect(existsSync(join(dir, 'engine.log'))).toBe(true);
}

// Both variants at once: each is mostly waiting (evaluation intervals, verification windows), so together they take
// about as long as one.
describe.concurrent('npm run demo', () => {
  it.skipIf(!prometheusAvailable())(
    'heals a crash loop, a memory leak (predicted) and a bad rollout, and leaves a noisy service alone, with Prometheus',
    () => tellsTheStory('prometheus'),
    STORY_MS + 40_000,
  );
  it(
    'does the same with the built-in feature source when there is no Prometheus (--no-prometheus)',
    () => tellsTheStory('builtin'),
    STORY_MS + 40_000,
  );
});
