import { z } from 'zod';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SCHEMA_VERSION } from '../metrics/feature-catalogue.js';
import {
  ACTION_RESULTS,
  OUTCOMES,
  POLICY_KINDS,
  REMEDIATION_PHASES,
  type RemediationRecord,
} from './record.js';

/**
 * A finished remediation episode as a labelled training example (docs/feedback.md). One JSON line per episode:
 * the inputs at decision time (feature vectors with their names, rules, ML answers, fallback), the actions taken,
 * and the outcome as the label. The format is self-describing on purpose: a consumer needs this schema (or the
 * documentation), never the engine's code. Any change that is not purely additive gets a new schemaVersion.
 */

export const FEEDBACK_SCHEMA_VERSION = 'coordination-engine.io/feedback/v1' as const;

/**
 * The label: the episode's outcome, except that an episode that ended with no action carried out because a
 * recurring pattern explained its anomaly (an `ExpectedPattern` skip and no entry other than skips) is
 * `expected-pattern`: what a model learns from it is "normal for this target", not "healed".
 */
export const FEEDBACK_OUTCOMES = [...OUTCOMES, 'expected-pattern'] as const;
export type FeedbackOutcome = (typeof FEEDBACK_OUTCOMES)[number];

const featureVectorSchema = z.object({
  pod: z.string(),
  podUid: z.string().optional(),
  values: z.array(z.number().nullable()).length(FEATURE_COUNT),
});

export const feedbackExampleSchema = z.object({
  schemaVersion: z.literal(FEEDBACK_SCHEMA_VERSION),
  /** The Remediation record this example came from. */
  episode: z.object({ namespace: z.string(), name: z.string(), uid: z.string().optional() }),
  policy: z.object({
    kind: z.enum(POLICY_KINDS),
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string(),
  }),
  target: z.object({
    apiVersion: z.string(),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    uid: z.string(),
  }),
  dryRun: z.boolean(),
  /** The label (FEEDBACK_OUTCOMES). */
  outcome: z.enum(FEEDBACK_OUTCOMES),
  phase: z.enum(REMEDIATION_PHASES).optional(),
  startTime: z.string().optional(),
  completionTime: z.string(),
  attempts: z.number().int().min(0).max(1000),
  /** Absent when the record holds no (readable) decision. */
  decision: z
    .object({
      time: z.string().optional(),
      rules: z.array(
        z.object({ name: z.string(), input: z.string().optional(), value: z.number().nullable().optional() }),
      ),
      ml: z.array(
        z.object({
          source: z.string(),
          anomaly: z.boolean().optional(),
          confidence: z.number().min(0).max(1).optional(),
        }),
      ),
      /** Predicted issues that made pods at risk (the episode acted before the failure); absent when none. */
      prediction: z
        .array(
          z.object({
            issue: z.string(),
            probability: z.number().min(0).max(1),
            timeToOccurrenceSeconds: z.number().min(0),
          }),
        )
        .optional(),
      fallback: z.boolean(),
      featureSchemaVersion: z.literal(FEATURE_SCHEMA_VERSION),
      /** values[i] of every vector is featureNames[i]. */
      featureNames: z.array(z.string()).length(FEATURE_COUNT),
      features: z.array(featureVectorSchema),
    })
    .optional(),
  /** Oldest first; the record keeps only the newest 20. */
  actions: z.array(
    z.object({
      step: z.string(),
      action: z.string(),
      time: z.string(),
      result: z.enum(ACTION_RESULTS),
      reason: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
  /** Parts of the record that could not be read and were left out, as "path: why". Empty when complete. */
  problems: z.array(z.string()),
});
export type FeedbackExample = z.infer<typeof feedbackExampleSchema>;

/**
 * The published JSON Schema of one line (schemas/feedback-example.v1.schema.json, printed by `coordination-engine
 * feedback schema`), derived from the zod schema so the two cannot differ. Input mode leaves objects open: a
 * consumer's copy keeps accepting lines after a purely additive change, which keeps the schemaVersion.
 */
export function feedbackJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(feedbackExampleSchema, { io: 'input' });
  return {
    $schema,
    title: `Remediation feedback example (${FEEDBACK_SCHEMA_VERSION})`,
    description:
      'One finished remediation episode as a labelled training example: one line of `coordination-engine ' +
      'feedback export`, and the body of POST /api/v1/feedback. Fields and labels: docs/feedback.md.',
    ...rest,
  };
}

/** See FEEDBACK_OUTCOMES. */
export function labelOf(
  outcome: (typeof OUTCOMES)[number],
  actions: ReadonlyArray<{ result: string; reason?: string }>,
): FeedbackOutcome {
  const stoodDown = actions.some((a) => a.result === 'Skipped' && a.reason === 'ExpectedPattern');
  // Any entry but a skip is the engine deciding to act (done, failed, in dry run, or recommended to a person).
  const acted = actions.some((a) => a.result !== 'Skipped');
  return outcome === 'resolved' && stoodDown && !acted ? 'expected-pattern' : outcome;
}

/** Why a record is not an example. Only the first three are counted as skipped; the rest are simply not finished. */
export type NotAnExample =
  | { skip: 'no_spec'; message: string }
  | { skip: 'no_outcome'; message: string }
  | { skip: 'no_completion_time'; message: string }
  | { skip: 'open' };

/**
 * The example for a closed Remediation record, or why there is none.
 * An episode is finished when its record is closed (label open=false). A finished record without the three things
 * that make an example (spec: whose episode; outcome: the label; completionTime: when) is skipped and reported;
 * anything else that is malformed (the decision, a feature vector not 45 wide, an action entry) is left out and
 * named in `problems`, so one bad field costs that field, not the episode.
 */
export function toFeedbackExample(record: RemediationRecord): FeedbackExample | NotAnExample {
  if (record.open) return { skip: 'open' };
  const where = `${record.metadata.namespace ?? ''}/${record.metadata.name}`;
  const { spec, status } = record;
  if (!spec) return { skip: 'no_spec', message: `${where}: ${reasonFor(record, 'spec', 'no spec')}` };
  if (!status.outcome)
    return { skip: 'no_outcome', message: `${where}: ${reasonFor(record, 'status.outcome', 'no outcome')}` };
  if (!status.completionTime) {
    return {
      skip: 'no_completion_time',
      message: `${where}: ${reasonFor(record, 'status.completionTime', 'no completionTime')}`,
    };
  }
  const problems = [...record.problems];
  const decision = status.decision;
  const features = (decision?.features ?? []).filter((vector, i) => {
    if (vector.values.length === FEATURE_COUNT) return true;
    problems.push(
      `status.decision.features[${i}]: ${vector.values.length} values, expected ${FEATURE_COUNT}`,
    );
    return false;
  });
  return {
    schemaVersion: FEEDBACK_SCHEMA_VERSION,
    episode: {
      namespace: record.metadata.namespace ?? spec.targetRef.namespace,
      name: record.metadata.name,
      ...(record.metadata.uid ? { uid: record.metadata.uid } : {}),
    },
    policy: { ...spec.policyRef },
    target: { ...spec.targetRef },
    dryRun: spec.dryRun,
    outcome: labelOf(status.outcome, status.actions ?? []),
    ...(status.phase ? { phase: status.phase } : {}),
    ...(status.startTime ? { startTime: status.startTime } : {}),
    completionTime: status.completionTime,
    attempts: status.attempts ?? 0,
    ...(decision
      ? {
          decision: {
            ...(decision.time ? { time: decision.time } : {}),
            rules: decision.rules.map((r) => ({ ...r })),
            ml: decision.ml.map((m) => ({ ...m })),
            ...(decision.prediction?.length
              ? {
                  prediction: decision.prediction.map(({ issue, probability, timeToOccurrenceSeconds }) => ({
                    issue,
                    probability,
                    timeToOccurrenceSeconds,
                  })),
                }
              : {}),
            fallback: decision.fallback,
            featureSchemaVersion: FEATURE_SCHEMA_VERSION,
            featureNames: [...FEATURE_NAMES],
            features: features.map((f) => ({ ...f, values: [...f.values] })),
          },
        }
      : {}),
    actions: status.actions.map(({ step, action, time, result, reason, message }) => ({
      step,
      action,
      time,
      result,
      ...(reason !== undefined ? { reason } : {}),
      ...(message !== undefined ? { message } : {}),
    })),
    problems,
  };
}

export function isFeedbackExample(value: FeedbackExample | NotAnExample): value is FeedbackExample {
  return 'schemaVersion' in value;
}

/** The parse problem behind a missing section, if it was present but unreadable. */
function reasonFor(record: RemediationRecord, path: string, fallback: string): string {
  return record.problems.find((p) => p.startsWith(`${path}:`)) ?? fallback;
}
