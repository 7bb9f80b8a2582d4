import protobuf from 'protobufjs';
import type { JsonObject } from '../../json/json-value.js';
import { ApiError, badRequest } from '../api-error.js';
import { envelopeType, objectType } from './schema.js';
import { messageToJson, UndecodedFieldError } from './to-json.js';

/** Every Kubernetes protobuf body starts with these 4 bytes, then a runtime.Unknown envelope. */
const MAGIC = Buffer.from('k8s\0', 'latin1');

export function isProtobufContentType(contentType: string | undefined): boolean {
  return /^application\/vnd\.kubernetes\.protobuf\b/i.test(contentType?.trim() ?? '');
}

function unsupported(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', message);
}

function decode(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  const reader = protobuf.Reader.create(bytes);
  // Keep unknown fields so to-json can reject ones that carry content instead of losing them.
  reader.discardUnknown = false;
  return type.decode(reader) as unknown as Record<string, unknown>;
}

/**
 * Decodes a `application/vnd.kubernetes.protobuf` request body into the JSON object the same request would
 * have carried as JSON, so it takes the same create/update path. `expected` (from the URL) stands in when the
 * envelope names no type. A body that does not decode is a 400 naming the problem; a kind or field the
 * sandbox has no definition for is a 415.
 */
export function decodeProtobufObject(
  body: Uint8Array,
  expected: { apiVersion: string; kind: string },
): JsonObject {
  const what = `couldn't decode the protobuf body as ${expected.kind}`;
  if (body.length < MAGIC.length || !MAGIC.equals(body.subarray(0, MAGIC.length))) {
    throw badRequest(
      `${what}: it does not start with the "k8s\\x00" prefix of a Kubernetes protobuf message`,
    );
  }
  let envelope: Record<string, unknown>;
  try {
    envelope = decode(envelopeType(), body.subarray(MAGIC.length));
  } catch (err) {
    throw badRequest(`${what}: invalid runtime.Unknown envelope: ${(err as Error).message}`);
  }
  if (envelope.contentEncoding) {
    throw unsupported(`the sandbox does not decode contentEncoding "${String(envelope.contentEncoding)}"`);
  }
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion || expected.apiVersion;
  const kind = typeMeta.kind || expected.kind;
  const type = objectType(apiVersion, kind);
  if (!type) {
    throw unsupported(
      `the sandbox cannot decode protobuf for ${kind} (${apiVersion}) - accepted media types include: application/json`,
    );
  }
  let message: Record<string, unknown>;
  try {
    message = decode(type, (envelope.raw as Uint8Array | undefined) ?? new Uint8Array());
  } catch (err) {
    throw badRequest(`couldn't decode the protobuf body as ${kind}: ${(err as Error).message}`);
  }
  try {
    return { apiVersion, kind, ...messageToJson(type, message, '') };
  } catch (err) {
    if (err instanceof UndecodedFieldError) throw unsupported(`${err.message}; send it as application/json`);
    throw err;
  }
}
