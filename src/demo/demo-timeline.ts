import { setTimeout as delay } from 'node:timers/promises';
import type { DemoObserver } from './demo-observer.js';
import { ML_POLICY, RESTART_POLICY } from './demo-policies.js';
import type { DemoStack } from './demo-stack.js';
import { condition, type PolicyView } from './status-table.js';

const POLL_MS = 500;

export interface TimelineOptions {
  stack: DemoStack;
  observer: DemoObserver;
  /** Aborted when the duration is over or on Ctrl-C. */
  signal: AbortSignal;
  quiet: boolean;
  say(line: string): void;
}

/** Polls `check` until it returns a value; undefined when the run ends first. The table is printed meanwhile. */
async function until<T>(
  options: TimelineOptions,
  check: (policies: PolicyView[]) => T | undefined | Promise<T | undefined>,
): Promise<T | undefined> {
  const { observer, signal, quiet } = options;
  while (!signal.aborted) {
    const policies = await observer.policies().catch(() => []);
    const value = await check(policies);
    if (value !== undefined) return value;
    if (!quiet) await observer.printTableIfDue().catch(() => undefined);
    await delay(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

const byName = (policies: PolicyView[], name: string) => policies.find((p) => p.metadata.name === name);
const evaluatedAfter = (policy: PolicyView | undefined, afterIso: string) =>
  (policy?.status?.lastEvaluationTime ?? '') > afterIso;

/**
 * The scripted story: a first full evaluation, an ML outage the engine rides out on rules and its local detector
 * (Degraded=MLServiceUnavailable), and the recovery. Each step waits on what the API shows, never on a timer.
 * Returns true when every step was seen before the run ended.
 */
export async function runTimeline(options: TimelineOptions): Promise<boolean> {
  const { stack, observer, say } = options;
  const withPrometheus = stack.prometheus !== undefined;
  const started = Date.now();
  const at = () => `[+${Math.round((Date.now() - started) / 1000)}s]`;

  say('');
  say(`${at()} 1/3 waiting for the engine to win leader election and evaluate both policies…`);
  const first = await until(options, (policies) => {
    const ml = byName(policies, ML_POLICY);
    const rules = byName(policies, RESTART_POLICY);
    const evaluated = [ml, rules].every(
      (p) => p?.status?.lastEvaluationTime !== undefined && condition(p, 'Ready')?.status === 'True',
    );
    const judged = !withPrometheus || ml?.status?.targets?.insufficientData === 0;
    return evaluated && judged && (ml?.status?.targets?.total ?? 0) > 0 ? ml : undefined;
  });
  if (!first) return false;
  const t = first.status?.targets;
  const rules = byName(await observer.policies(), RESTART_POLICY)?.status;
  say(
    `${at()} ✓ first full evaluation: ${RESTART_POLICY} ${rules?.phase ?? '-'}, ${ML_POLICY} ${first.status?.phase}`,
  );
  say(
    `    · ${ML_POLICY} judged all ${t?.total} targets (Deployment, StatefulSet, Pod): healthy ${t?.healthy}, ` +
      `anomalous ${t?.anomalous}, insufficient ${t?.insufficientData}`,
  );
  say(
    `    · ${RESTART_POLICY} (rules, dry-run): anomalous ${rules?.targets?.anomalous ?? '-'} of ` +
      `${rules?.targets?.total ?? '-'} (its hot pod trips pod_cpu_usage.value > 0.9)`,
  );
  if (!withPrometheus)
    say('    (no Prometheus: every target is "insufficient" and Degraded=PrometheusUnavailable)');
  await observer.printTable();
  // Which targets and why: one Event per newly anomalous target (nothing acts on them yet).
  await observer.printEvents('AnomalyDetected');
  await observer.printHealth();

  say('');
  const faultAt = new Date().toISOString();
  stack.ml.faults.set({ failEvery: 1, failStatus: 503, failMessage: 'demo: ML service outage' });
  say(`${at()} 2/3 ✗ ML service outage injected (POST /control/faults: every request → 503)`);
  const down = await until(options, async (policies) => {
    if (!withPrometheus)
      return (await observer.health()).dependencies.mlService?.status === 'degraded' || undefined;
    const ml = byName(policies, ML_POLICY);
    const degraded = ml && condition(ml, 'Degraded');
    return evaluatedAfter(ml, faultAt) &&
      degraded?.status === 'True' &&
      degraded.reason === 'MLServiceUnavailable'
      ? ml
      : undefined;
  });
  if (!down) return false;
  if (withPrometheus && down !== true) {
    const dt = down.status?.targets;
    say(
      `${at()} ⚠ ${ML_POLICY} Degraded=True MLServiceUnavailable, phase ${down.status?.phase}; still judging ` +
        `${dt?.total} targets on rules and the local detector (insufficient ${dt?.insufficientData})`,
    );
  } else {
    say(
      `${at()} ⚠ the engine reports the ML service degraded (without Prometheus nothing is judged either way)`,
    );
  }
  await observer.printTable();
  await observer.printHealth();

  say('');
  const recoverAt = new Date().toISOString();
  stack.ml.faults.set({});
  say(`${at()} 3/3 ✓ ML service recovered (DELETE /control/faults); waiting for the engine to notice…`);
  const cleared = await until(options, async (policies) => {
    if (!withPrometheus)
      return (await observer.health()).dependencies.mlService?.status === 'ok' || undefined;
    const ml = byName(policies, ML_POLICY);
    return evaluatedAfter(ml, recoverAt) && condition(ml as PolicyView, 'Degraded')?.status === 'False'
      ? ml
      : undefined;
  });
  if (!cleared) return false;
  say(
    withPrometheus
      ? `${at()} ✓ ${ML_POLICY} Degraded cleared (${condition(cleared as PolicyView, 'Degraded')?.reason}), phase ${(cleared as PolicyView).status?.phase}`
      : `${at()} ✓ the engine reports the ML service ok again`,
  );
  await observer.printTable();
  await observer.printHealth();
  say('');
  say(`${at()} timeline complete; the engine keeps evaluating every 10s until the demo ends`);
  await until(options, () => undefined);
  return true;
}
