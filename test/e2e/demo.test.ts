import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningProcess, startCli } from '../support/child-process.js';

const execFileAsync = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';

/**
 * `coordination-engine demo` as a user runs it: everything (sandbox, Prometheus, mock ML, engine) starts inside
 * one process, the story is told on stdout, and the process exits 0 after a clean shutdown. The assertions read
 * the printed status table, i.e. what the viewer sees.
 */
interface Row {
  policy: string;
  phase: string;
  ready: string;
  degraded: string;
  total: number;
  healthy: number;
  anomalous: number;
  insufficient: number;
  lastEval: string;
}

/** Table rows in output order (header lines are skipped); columns are separated by two or more spaces. */
function rows(text: string): Array<Row & { offset: number }> {
  const out: Array<Row & { offset: number }> = [];
  const re = /^ {4}((?:ml-guided|restart-web) .*)$/gm;
  for (const m of text.matchAll(re)) {
    const cells = (m[1] ?? '').split(/\s{2,}/);
    const [
      policy = '',
      phase = '',
      ready = '',
      degraded = '',
      total,
      healthy,
      anomalous,
      insufficient,
      lastEval = '',
    ] = cells;
    out.push({
      offset: m.index ?? 0,
      policy,
      phase,
      ready,
      degraded,
      total: Number(total),
      healthy: Number(healthy),
      anomalous: Number(anomalous),
      insufficient: Number(insufficient),
      lastEval,
    });
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'ce-demo-'));
let demo: RunningProcess | undefined;

afterAll(() => {
  if (demo && demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('tells the whole story (Active, full judgement, ML outage and recovery) and exits 0', async () => {
    demo = startCli(['demo', '--duration', '45s', '--dir', dir]);
    const kubeconfig = join(dir, 'kubeconfig');

    // While it runs, the real kubectl sees the policies through the printed kubeconfig.
    await demo.waitForOutput(/1\/3 waiting for the engine/, 60_000);
    if (existsSync(KUBECTL)) {
      const { stdout } = await execFileAsync(KUBECTL, ['get', 'rp', '-n', 'shop', '-o', 'name'], {
        env: { ...process.env, KUBECONFIG: kubeconfig },
      });
      expect(stdout.split('\n').filter(Boolean).sort()).toEqual([
        'remediationpolicy.coordination-engine.io/ml-guided',
        'remediationpolicy.coordination-engine.io/restart-web',
      ]);
    }

    const code = await demo.exited;
    const text = demo.output();
    expect(code, text).toBe(0);
    expect(text).toMatch(/▸ Prometheus on http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain('KUBECONFIG=');
    expect(text).toContain('kubectl get rp -n shop');

    const table = rows(text);
    const outageAt = text.indexOf('ML service outage injected');
    const recoveredAt = text.indexOf('ML service recovered');
    expect(outageAt, text).toBeGreaterThan(0);
    expect(recoveredAt, text).toBeGreaterThan(outageAt);

    // No row shows a policy before its first evaluation: its counts would judge nothing (every selected target
    // counts as lacking data until it has been assessed), and the first Active row below must be a judgement.
    expect(
      table.filter((r) => !/^\d+s ago$/.test(r.lastEval)),
      text,
    ).toEqual([]);

    // 1. Both policies Active; the ML-guided one judged every target with Prometheus present.
    const beforeOutage = table.filter((r) => r.offset < outageAt);
    for (const policy of ['restart-web', 'ml-guided']) {
      expect(
        beforeOutage.some(
          (r) => r.policy === policy && r.phase === 'Active' && r.ready === 'True Reconciled',
        ),
      ).toBe(true);
    }
    const judged = beforeOutage.find((r) => r.policy === 'ml-guided' && r.phase === 'Active');
    expect(judged?.total).toBe(3);
    expect(judged?.insufficient).toBe(0);
    expect((judged?.healthy ?? 0) + (judged?.anomalous ?? 0)).toBe(3);
    expect(text).toMatch(/ml-guided judged all 3 targets .*insufficient 0/);
    // The rules policy flags the web pod the simulator runs hot (its backfilled and live CPU).
    expect(beforeOutage.find((r) => r.policy === 'restart-web' && r.phase === 'Active')).toMatchObject({
      total: 1,
      anomalous: 1,
    });

    // 2. The outage: Degraded=MLServiceUnavailable while every target is still judged.
    const during = table.filter(
      (r) => r.offset > outageAt && r.offset < recoveredAt && r.policy === 'ml-guided',
    );
    const degraded = during.find((r) => r.degraded === 'True MLServiceUnavailable');
    expect(degraded, text).toBeDefined();
    expect(degraded).toMatchObject({ phase: 'Degraded', total: 3, insufficient: 0 });
    const healthDuring = text.slice(outageAt, recoveredAt);
    expect(healthDuring).toMatch(
      /GET \/api\/v1\/health → degraded: .*mlService degraded \(breaker (open|half_open)\)/,
    );

    // 3. Recovery: the condition clears and health is ok again.
    const after = table.filter((r) => r.offset > recoveredAt && r.policy === 'ml-guided');
    expect(
      after.some((r) => r.phase === 'Active' && r.degraded === 'False DependenciesHealthy'),
      text,
    ).toBe(true);
    expect(text.slice(recoveredAt)).toMatch(/GET \/api\/v1\/health → ok: .*mlService ok \(breaker closed\)/);
    expect(text).toContain('timeline complete');

    // Clean shutdown: the kubeconfig pointing at the stopped sandbox is gone, the engine log stays for reading.
    expect(text).toContain('✓ clean shutdown');
    expect(existsSync(kubeconfig)).toBe(false);
    expect(existsSync(join(dir, 'engine.log'))).toBe(true);
  }, 90_000);
});
