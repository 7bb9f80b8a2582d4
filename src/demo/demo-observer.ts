import { z } from 'zod';
import type { KubeRest } from '../kube/rest-client.js';
import { POLICY_API_VERSION } from '../policy/api-group.js';
import { policyStatusSchema } from '../policy/status-types.js';
import { parseRemediation, type RemediationRecord } from '../remediation/record.js';
import type { Scenario } from './demo-scenarios.js';

/**
 * Reads what a user would look at, through the API (`kubectl get rp,remediations,events`): each scenario's policy
 * status, its Remediation records and the Events the engine wrote, and narrates what changed since the last look
 * as detect / decide / act / verify lines. Everything is validated: it comes over HTTP.
 */
const policySchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
  status: policyStatusSchema.optional(),
});
export type PolicyView = z.infer<typeof policySchema>;

const eventSchema = z.object({
  metadata: z.object({ uid: z.string().optional(), name: z.string() }),
  type: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  involvedObject: z.object({ kind: z.string().optional(), name: z.string().optional() }),
  source: z.object({ component: z.string().optional() }).optional(),
});
type EventView = z.infer<typeof eventSchema>;

const ENGINE = 'coordination-engine';
/** Events on the workload worth a line (the same ones are on the policy too; one line each is enough). */
const WORKLOAD_REASONS = new Set(['Remediated', 'RemediationSucceeded', 'RemediationFailed', 'Escalated']);

/** What has been seen of one scenario so far. */
export interface ScenarioProgress {
  readonly scenario: Scenario;
  policy: PolicyView | undefined;
  /** Distinct evaluations seen (status.lastEvaluationTime values) and how each judged the targets. */
  evaluations: Array<{ time: string; healthy: number; anomalous: number; insufficient: number }>;
  records: RemediationRecord[];
  /** The first AnomalyDetected message: what the engine saw. */
  detected: string | undefined;
  events: EventView[];
}

export class DemoObserver {
  readonly progress: Map<string, ScenarioProgress>;
  private readonly seenEvents = new Set<string>();
  private readonly seenRecordState = new Map<string, { phase?: string; actions: number; skip?: string }>();
  private readonly degradedShown = new Map<string, string>();

  constructor(
    private readonly rest: KubeRest,
    scenarios: readonly Scenario[],
    private readonly say: (line: string) => void,
    private readonly startedAtMs: number,
  ) {
    this.progress = new Map(
      scenarios.map((scenario) => [
        scenario.namespace,
        { scenario, policy: undefined, evaluations: [], records: [], detected: undefined, events: [] },
      ]),
    );
  }

  /** One look at every scenario; prints what is new. */
  async poll(): Promise<void> {
    for (const p of this.progress.values()) await this.look(p);
  }

  private line(p: ScenarioProgress, stage: string, text: string): void {
    const at = `[+${Math.round((Date.now() - this.startedAtMs) / 1000)}s]`.padEnd(7);
    this.say(`${at} ${p.scenario.title.padEnd(13)} ${stage.padEnd(7)} ${text}`);
  }

  private async look(p: ScenarioProgress): Promise<void> {
    const ns = p.scenario.namespace;
    const group = `/apis/${POLICY_API_VERSION}/namespaces/${ns}`;
    const [policy, records, events] = await Promise.all([
      this.rest.request({ method: 'GET', path: `${group}/remediationpolicies/${p.scenario.policy}` }),
      this.rest.request<{ items?: unknown[] }>({ method: 'GET', path: `${group}/remediations` }),
      this.rest.request<{ items?: unknown[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/events` }),
    ]);
    p.policy = policySchema.parse(policy);
    this.evaluation(p);
    p.events = (events.items ?? [])
      .map((e) => eventSchema.safeParse(e))
      .flatMap((r) => (r.success && r.data.source?.component === ENGINE ? [r.data] : []));
    p.records = (records.items ?? [])
      .map(parseRemediation)
      .filter((r): r is RemediationRecord => r !== undefined)
      .sort((a, b) => (a.status.startTime ?? '').localeCompare(b.status.startTime ?? ''));
    // In story order: what was detected, what the records say was decided and done, then the Events on the target.
    for (const e of p.events) if (e.involvedObject.kind === 'RemediationPolicy') this.event(p, e);
    for (const r of p.records) this.record(p, r);
    for (const e of p.events) if (e.involvedObject.kind !== 'RemediationPolicy') this.event(p, e);
  }

  private evaluation(p: ScenarioProgress): void {
    const status = p.policy?.status;
    const time = status?.lastEvaluationTime;
    const targets = status?.targets;
    if (!time || !targets || p.evaluations.at(-1)?.time === time) return;
    p.evaluations.push({
      time,
      healthy: targets.healthy,
      anomalous: targets.anomalous,
      insufficient: targets.insufficientData,
    });
    const n = p.evaluations.length;
    // Degraded only when it changes: a dependency problem is news once, and so is its end.
    const degraded = status.conditions?.find((c) => c.type === 'Degraded');
    const shown = this.degradedShown.get(p.scenario.namespace) ?? 'False';
    const state = degraded?.status === 'True' ? `${degraded.reason}: ${degraded.message ?? ''}` : 'False';
    if (state !== shown) {
      this.degradedShown.set(p.scenario.namespace, state);
      this.line(p, 'detect', state === 'False' ? 'policy no longer Degraded' : `policy Degraded (${state})`);
    }
    // The workload left alone gets a line now and then: it is being judged, and judged healthy.
    if (p.scenario.heals === undefined && (n === 1 || n % 3 === 0)) {
      const all = p.evaluations.filter((e) => e.healthy === 1 && e.anomalous === 0).length;
      this.line(
        p,
        'detect',
        `${p.scenario.kind} ${p.scenario.name} healthy in ${all} of ${n} evaluation(s) (insufficient data: ` +
          `${targets.insufficientData}); nothing to decide`,
      );
    }
  }

  private event(p: ScenarioProgress, e: EventView): void {
    const key = e.metadata.uid ?? e.metadata.name;
    if (this.seenEvents.has(key)) return;
    const onPolicy = e.involvedObject.kind === 'RemediationPolicy';
    if (onPolicy && e.reason === 'AnomalyDetected') {
      this.seenEvents.add(key);
      p.detected ??= e.message;
      this.line(p, 'detect', e.message ?? '');
    } else if (!onPolicy && WORKLOAD_REASONS.has(e.reason ?? '')) {
      this.seenEvents.add(key);
      this.line(p, '', `  Event on ${e.involvedObject.kind} ${e.involvedObject.name}: ${e.type} ${e.reason}`);
    }
  }

  private record(p: ScenarioProgress, r: RemediationRecord): void {
    const name = r.metadata.name ?? '?';
    const was = this.seenRecordState.get(name);
    const s = r.status;
    const now = { phase: s.phase, actions: s.actions.length, skip: s.lastSkip };
    this.seenRecordState.set(name, now);
    if (!was) {
      const step = p.scenario.ladder.find((l) => l.name === s.step);
      const passed = s.phase !== 'Pending' || s.actions.some((a) => a.result !== 'Skipped');
      this.line(
        p,
        'decide',
        `opened Remediation ${name}: step ${s.step ?? '?'} (${step?.type ?? '?'})` +
          (passed ? ', every safety gate passed' : ', waiting on the safety gates'),
      );
    }
    if (now.skip && now.skip !== was?.skip) this.line(p, 'decide', `held back: ${now.skip}`);
    for (const a of s.actions.slice(was?.actions ?? 0)) {
      this.line(p, 'act', `${a.action} ${a.result}${a.reason ? ` (${a.reason})` : ''}: ${a.message ?? ''}`);
    }
    if (now.phase === was?.phase) return;
    if (now.phase === 'Verifying') {
      this.line(p, 'verify', `watching the target until ${s.verifyDeadline ?? '?'} (verificationWindow)`);
    } else if (now.phase === 'Succeeded' || now.phase === 'Failed' || now.phase === 'Escalated') {
      const verified = s.conditions.find((c) => c.type === 'Verified' || c.type === 'Escalated');
      const mark = now.phase === 'Succeeded' ? '✓' : '✗';
      this.line(p, 'verify', `${mark} ${now.phase}${verified?.message ? `: ${verified.message}` : ''}`);
    } else if (now.phase === 'Recommended') {
      this.line(p, 'decide', 'recorded as a recommendation only');
    }
  }
}
