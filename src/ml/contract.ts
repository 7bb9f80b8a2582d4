/**
 * The ML service contracts as zod schemas: the single source for runtime validation and for the TypeScript
 * types. openapi/ml-service.yaml describes the same shapes for humans and other languages; a test keeps the two
 * in agreement (required fields, enums, ranges). Response objects are non-strict: unknown extra fields are
 * tolerated (and dropped), because real servers add fields such as model_version.
 */
import { z } from 'zod';
import { feedbackExampleSchema } from '../remediation/feedback-example.js';

/** Durations as the ADR writes them in responses and requests: "90s", "5m", "2h", "3d". */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
const duration = z.string().regex(new RegExp(DURATION_PATTERN));
const probability = z.number().min(0).max(1);
const rfc3339 = z.iso.datetime({ offset: true });

// ---- ADR-009 REST contract -------------------------------------------------------------------------------

export const MetricPointSchema = z.object({
  name: z.string().min(1),
  value: z.number(),
  timestamp: rfc3339,
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const AnomalyContextSchema = z.object({
  namespace: z.string().min(1),
  resource: z.string().min(1),
});

export const AnomalyDetectRequestSchema = z.object({
  metrics: z.array(MetricPointSchema).min(1),
  context: AnomalyContextSchema,
});
export type AnomalyDetectRequest = z.infer<typeof AnomalyDetectRequestSchema>;

export const AnomalyDetectResponseSchema = z.object({
  anomaly_detected: z.boolean(),
  confidence: probability,
  anomaly_score: z.number(),
  recommendations: z.array(z.string()).optional(),
});
export type AnomalyDetectResponse = z.infer<typeof AnomalyDetectResponseSchema>;

export const CURRENT_STATES = ['healthy', 'degraded', 'critical', 'unknown'] as const;
export type CurrentState = (typeof CURRENT_STATES)[number];

export const PredictionRequestSchema = z.object({
  issue_context: z.object({
    current_state: z.enum(CURRENT_STATES),
    recent_events: z.array(z.string()),
    metrics: z.array(MetricPointSchema),
  }),
});
export type PredictionRequest = z.infer<typeof PredictionRequestSchema>;

export const PredictedIssueSchema = z.object({
  issue: z.string().min(1),
  probability,
  time_to_occurrence: duration,
});
export type PredictedIssue = z.infer<typeof PredictedIssueSchema>;

export const PredictionResponseSchema = z.object({
  predicted_issues: z.array(PredictedIssueSchema),
  suggested_actions: z.array(z.string()),
});
export type PredictionResponse = z.infer<typeof PredictionResponseSchema>;

/** The ADR leaves the event shape open; this is ours (shared/reference/ml-service.md). */
export const PatternEventSchema = z.object({
  timestamp: rfc3339,
  type: z.string().min(1),
  value: z.number().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type PatternEvent = z.infer<typeof PatternEventSchema>;

export const PatternRequestSchema = z.object({
  historical_data: z.object({
    time_range: duration,
    events: z.array(PatternEventSchema),
  }),
});
export type PatternRequest = z.infer<typeof PatternRequestSchema>;

export const PatternSchema = z.object({
  pattern: z.string().min(1),
  confidence: probability,
  event_type: z.string().optional(),
  period_seconds: z.number().positive().optional(),
});
export type Pattern = z.infer<typeof PatternSchema>;

export const CorrelationSchema = z.object({
  events: z.array(z.string()).min(2),
  confidence: probability,
  lag_seconds: z.number().min(0).optional(),
});
export type Correlation = z.infer<typeof CorrelationSchema>;

export const PatternResponseSchema = z.object({
  patterns: z.array(PatternSchema),
  correlations: z.array(CorrelationSchema).optional(),
});
export type PatternResponse = z.infer<typeof PatternResponseSchema>;

export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;

export const HealthResponseSchema = z.object({
  status: z.enum(HEALTH_STATUSES),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** What every error body looks like (ours and the sklearn/Flask servers': `{"error": "…"}`). */
export const ErrorResponseSchema = z.object({
  error: z.string(),
  field: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

// ---- KServe v1 inference protocol ------------------------------------------------------------------------

export const KServePredictRequestSchema = z.object({
  instances: z.array(z.array(z.number()).min(1)).min(1),
});
export type KServePredictRequest = z.infer<typeof KServePredictRequestSchema>;

/** Numbers (sklearn labels or scores) or booleans; which one is configuration (prediction-encoding.ts). */
export const KServePredictResponseSchema = z.object({
  predictions: z.array(z.union([z.number(), z.boolean()])),
  model_name: z.string().optional(),
  model_version: z.string().optional(),
});
export type KServePredictResponse = z.infer<typeof KServePredictResponseSchema>;

export const KServeModelStatusSchema = z.object({
  name: z.string().min(1),
  ready: z.boolean(),
});
export type KServeModelStatus = z.infer<typeof KServeModelStatusSchema>;

export const KServeModelEntrySchema = z.object({
  name: z.string().min(1),
  ready: z.boolean().optional(),
  version: z.string().optional(),
});

export const KServeModelListSchema = z.object({
  models: z.array(z.union([z.string(), KServeModelEntrySchema])),
});
export type KServeModelList = z.infer<typeof KServeModelListSchema>;

// ---- Feedback (finished remediation episodes as training examples, docs/feedback.md) ----------------------

/** POST /api/v1/feedback takes one FeedbackExample (src/remediation/feedback-example.ts) and answers 202 with this. */
export const FeedbackResponseSchema = z.object({ status: z.enum(['accepted']) });
export type FeedbackResponse = z.infer<typeof FeedbackResponseSchema>;

/** Component name in openapi/ml-service.yaml → zod schema. The agreement test walks this table. */
export const OPENAPI_COMPONENTS = {
  MetricPoint: MetricPointSchema,
  AnomalyDetectRequest: AnomalyDetectRequestSchema,
  AnomalyDetectResponse: AnomalyDetectResponseSchema,
  PredictionRequest: PredictionRequestSchema,
  PredictedIssue: PredictedIssueSchema,
  PredictionResponse: PredictionResponseSchema,
  PatternEvent: PatternEventSchema,
  PatternRequest: PatternRequestSchema,
  Pattern: PatternSchema,
  Correlation: CorrelationSchema,
  PatternResponse: PatternResponseSchema,
  HealthResponse: HealthResponseSchema,
  ErrorResponse: ErrorResponseSchema,
  KServePredictRequest: KServePredictRequestSchema,
  KServePredictResponse: KServePredictResponseSchema,
  KServeModelStatus: KServeModelStatusSchema,
  KServeModelList: KServeModelListSchema,
  FeedbackExample: feedbackExampleSchema,
  FeedbackResponse: FeedbackResponseSchema,
} as const;
