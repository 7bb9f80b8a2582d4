import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The JSON Schema a consumer of `feedback export` is pointed to (docs/feedback.md), read from the file as published,
 * not from the engine's code: exported lines are checked against what the documentation promises.
 */
export const PUBLISHED_FEEDBACK_SCHEMA_PATH = new URL(
  '../../schemas/feedback-example.v1.schema.json',
  import.meta.url,
);

export const publishedFeedbackSchema = JSON.parse(
  readFileSync(PUBLISHED_FEEDBACK_SCHEMA_PATH, 'utf8'),
) as Record<string, unknown>;

const validator = z.fromJSONSchema(publishedFeedbackSchema as Parameters<typeof z.fromJSONSchema>[0]);

/** The problems of one parsed line against the published schema, as "path: message"; empty when valid. */
export function publishedSchemaProblems(line: unknown): string[] {
  const result = validator.safeParse(line);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
