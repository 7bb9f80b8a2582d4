import { setTimeout as delay } from 'node:timers/promises';
import type { KubeRest } from '../kube/rest-client.js';
import { workloadPath } from './demo-cluster.js';
import type { DemoObserver, ScenarioProgress } from './demo-observer.js';
import { healingEnded, quietEnough } from './demo-outcome.js';
import { BAD_ROLLOUT, SIM } from './demo-scenarios.js';

const POLL_MS = 1_000;

export interface TimelineOptions {
  rest: KubeRest;
  observer: DemoObserver;
  /** Aborted when the story's time is up or on Ctrl-C. */
  signal: AbortSignal;
  say(line: string): void;
  startedAtMs: number;
}

const wait = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * The one thing the demo does to the cluster itself, as a person would with kubectl: once the engine has judged
 * payments healthy at revision 1, roll out revision 2, which the simulator makes crash before it is Ready.
 */
async function badRollout(o: TimelineOptions, progress: ScenarioProgress): Promise<void> {
  const { rest, signal, say } = o;
  const s = BAD_ROLLOUT;
  const at = () => `[+${Math.round((Date.now() - o.startedAtMs) / 1000)}s]`.padEnd(7);
  while (!signal.aborted && !progress.evaluations.some((e) => e.healthy === 1)) await wait(POLL_MS, signal);
  if (signal.aborted) return;
  await rest.request({
    method: 'PATCH',
    path: workloadPath(s),
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { [`${SIM}/behaviour`]: 'bad-rollout' } } },
  });
  // The simulator marks the revisions that exist when the annotation appears as good: it must have seen it
  // (on revision 1's ReplicaSet, where the Deployment controller copies it) before revision 2 exists.
  for (;;) {
    const sets = await rest.request<{ items: Array<{ metadata: { annotations?: Record<string, string> } }> }>(
      {
        method: 'GET',
        path: `/apis/apps/v1/namespaces/${s.namespace}/replicasets`,
      },
    );
    if (sets.items.some((rs) => rs.metadata.annotations?.[`${SIM}/behaviour`] === 'bad-rollout')) break;
    if (signal.aborted) return;
    await wait(100, signal);
  }
  await rest.request({
    method: 'PATCH',
    path: workloadPath(s),
    contentType: 'application/json-patch+json',
    body: [
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${s.namespace}/${s.name}:2` },
    ],
  });
  say(
    `${at()} ${s.title.padEnd(13)} (you)   payments was healthy at revision 1; now: kubectl set image ` +
      `deployment/${s.name} app=${s.namespace}/${s.name}:2 — its new pods crash before they are Ready`,
  );
}

/**
 * Plays the story until every healing scenario's episode has ended and the noisy workload has been judged for at
 * least a minute, or until `signal` aborts. Each step waits on what the API shows, never on a timer.
 */
export async function runTimeline(o: TimelineOptions): Promise<void> {
  const { observer, signal } = o;
  const progress = [...observer.progress.values()];
  const rollout = observer.progress.get(BAD_ROLLOUT.namespace);
  const script = rollout ? badRollout(o, rollout) : Promise.resolve();
  script.catch((error: unknown) => o.say(`  (the bad rollout could not be started: ${String(error)})`));
  while (!signal.aborted) {
    try {
      await observer.poll();
    } catch (error) {
      o.say(`  (could not read the cluster: ${error instanceof Error ? error.message : String(error)})`);
    }
    const done = progress.every((p) => (p.scenario.heals ? healingEnded(p) : quietEnough(p)));
    if (done) break;
    await wait(POLL_MS, signal);
  }
  await script.catch(() => undefined);
}
