import type { IncomingMessage } from 'node:http';
import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { ApiError, badRequest } from './api-error.js';
import { decodeProtobufObject, isProtobufContentType } from './protobuf/decode-request.js';

const MAX_BODY = 8 * 1024 * 1024;

/** The raw request body: protobuf bodies are binary, so callers decode text themselves. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a request body that must be one JSON object; 400 naming `what` otherwise. */
export function parseJsonObject(raw: string, what: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw badRequest(`${what}: couldn't decode body: ${(err as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw badRequest(`${what}: the body must be a JSON object`);
  return parsed;
}

/**
 * The object a create/update/delete request carries: JSON, or a Kubernetes protobuf body decoded to the same
 * JSON shape, so both take the same path. `expected` is the kind the URL implies (protobuf bodies name
 * their own). CBOR is not spoken.
 */
export function parseRequestObject(
  request: { contentType?: string; body?: string; rawBody?: Buffer },
  expected: { apiVersion: string; kind: string },
): JsonObject {
  if (isProtobufContentType(request.contentType)) {
    return decodeProtobufObject(request.rawBody ?? Buffer.alloc(0), expected);
  }
  if (/cbor/i.test(request.contentType ?? '')) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf',
    );
  }
  return parseJsonObject(request.body ?? '', expected.kind);
}
