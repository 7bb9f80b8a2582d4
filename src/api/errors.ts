import type { ServerResponse } from 'node:http';
import type { z } from 'zod';

/**
 * Every error of the REST API and the webhook is JSON `{ code, message }` (plus `details` for validation): a stable
 * machine-readable code, a message a person can act on. Codes are API: scripts match on them.
 */
export const ErrorCode = {
  InvalidParameter: 'InvalidParameter',
  InvalidBody: 'InvalidBody',
  InvalidJson: 'InvalidJson',
  InvalidRequestTarget: 'InvalidRequestTarget',
  Unauthorized: 'Unauthorized',
  Disabled: 'Disabled',
  TokenUnavailable: 'TokenUnavailable',
  NotFound: 'NotFound',
  RouteNotFound: 'RouteNotFound',
  MethodNotAllowed: 'MethodNotAllowed',
  PayloadTooLarge: 'PayloadTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  NotLeader: 'NotLeader',
  TargetNotSelected: 'TargetNotSelected',
  PolicyInvalid: 'PolicyInvalid',
  EvaluationTimeout: 'EvaluationTimeout',
  Unavailable: 'Unavailable',
  Internal: 'Internal',
} as const;
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetail {
  /** Where the problem is: `query.limit`, `path.namespace`, `body.alerts[0].labels`. */
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCodeName,
    message: string,
    readonly details?: readonly ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** zod issues as details whose field names the place in the request, e.g. `body.alerts[2].fingerprint`. */
export function detailsOf(error: z.ZodError, root: string): ErrorDetail[] {
  return error.issues.map((issue) => ({
    field: [root, ...issue.path].reduce<string>(
      (at, part) =>
        typeof part === 'number' ? `${at}[${part}]` : at === '' ? String(part) : `${at}.${String(part)}`,
      '',
    ),
    message: issue.message,
  }));
}

/** A 400 naming the first problem in its message and every problem in details. */
export function validationError(code: ErrorCodeName, error: z.ZodError, root: string): ApiError {
  const details = detailsOf(error, root);
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem(s), see details)` : '';
  const message = first ? `${first.field}: ${first.message}${more}` : 'invalid request';
  return new ApiError(400, code, message, details);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(
    res,
    error.status,
    { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    error.headers,
  );
}
