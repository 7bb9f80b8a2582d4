import type { JsonObject } from '../json/json-value.js';

/** One invalid field, as the apiserver reports it in Status.details.causes. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/**
 * An error the API answers with a metav1.Status body. Reasons and codes follow the real apiserver so that
 * client-go (kubectl) and client-node classify them the same way they would against a cluster.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: {
      name?: string;
      group?: string;
      kind?: string;
      causes?: StatusCause[];
      retryAfterSeconds?: number;
    },
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) {
      const details: JsonObject = {};
      if (this.details.name !== undefined) details.name = this.details.name;
      if (this.details.group !== undefined) details.group = this.details.group;
      if (this.details.kind !== undefined) details.kind = this.details.kind;
      if (this.details.causes)
        details.causes = this.details.causes.map((c) =>
          c.field ? { ...c } : { reason: c.reason, message: c.message },
        );
      if (this.details.retryAfterSeconds !== undefined)
        details.retryAfterSeconds = this.details.retryAfterSeconds;
      status.details = details;
    }
    return status;
  }
}

/** `pods "web" not found`: qualified resource is `plural` or `plural.group`. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string) =>
  new ApiError(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });

export const alreadyExists = (plural: string, group: string, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });

export const conflict = (plural: string, group: string, name: string, why: string) =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`,
    { name, group, kind: plural },
  );

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 naming every bad field: `Deployment.apps "web" is invalid: [spec.replicas: ..., ...]`. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const lines = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    group,
    kind,
    causes,
  });
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
export const methodNotAllowed = (message: string) => new ApiError(405, 'MethodNotAllowed', message);
export const unsupportedMediaType = (contentType: string) =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${contentType}`,
  );
export const gone = (message: string) => new ApiError(410, 'Expired', message);
