import type { IncomingMessage } from 'node:http';
import { type FeedbackExample, feedbackExampleSchema } from '../../src/remediation/feedback-example.js';
import { readJson } from './http-io.js';

/** Enough for any test; older examples are dropped first so a long-running demo cannot grow without bound. */
export const MAX_FEEDBACK_KEPT = 1000;

/**
 * POST /api/v1/feedback: one finished episode (docs/feedback.md). Validated against the same schema the engine
 * exports with, so a test that reads it back via /control/feedback sees exactly what a real service would accept;
 * a bad body gets 400 naming the field.
 */
export function receiveFeedback(req: IncomingMessage): Promise<FeedbackExample> {
  return readJson(req, feedbackExampleSchema);
}
