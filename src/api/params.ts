import { z } from 'zod';
import { ApiError, ErrorCode, validationError } from './errors.js';

/**
 * Names as Kubernetes validates them, checked before anything is looked up: a namespace is a DNS-1123 label, an
 * object name a DNS-1123 subdomain. Anything else cannot name an object, so it is a 400, not a 404.
 */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const namespaceName = z
  .string()
  .max(63, 'a namespace is at most 63 characters')
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label (lowercase letters, digits and "-")');

export const objectName = z
  .string()
  .max(253, 'a name is at most 253 characters')
  .regex(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")');

export const TARGET_KINDS = ['Deployment', 'StatefulSet', 'Pod'] as const;
export const targetKind = z.enum(TARGET_KINDS);

/** Parses path or query parameters with `schema`; a failure is a 400 naming the parameter (`path.namespace`). */
export function parseParams<T>(schema: z.ZodType<T>, value: unknown, where: 'path' | 'query'): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(ErrorCode.InvalidParameter, parsed.error, where);
  return parsed.data;
}

/** The query string as a plain object; a parameter given twice is refused instead of silently picking one. */
export function queryObject(url: URL, allowed: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!allowed.includes(key)) {
      throw new ApiError(
        400,
        ErrorCode.InvalidParameter,
        `query.${key}: unknown parameter (allowed: ${allowed.join(', ') || 'none'})`,
        [{ field: `query.${key}`, message: 'unknown parameter' }],
      );
    }
    if (key in query) {
      throw new ApiError(400, ErrorCode.InvalidParameter, `query.${key}: given more than once`, [
        { field: `query.${key}`, message: 'given more than once' },
      ]);
    }
    query[key] = value;
  }
  return query;
}
