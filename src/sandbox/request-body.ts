import type { IncomingMessage } from 'node:http';
import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { ApiError, badRequest } from './api-error.js';

const MAX_BODY = 8 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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
