import type { IncomingMessage } from 'node:http';
import { ApiError, ErrorCode } from './errors.js';

/** Alertmanager sends a group's alerts in one body; 1 MiB holds thousands of them and bounds what a client costs. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON body of at most `limit` bytes. A declared Content-Length over the limit is refused before reading;
 * a body that grows past it while streaming is cut off. Throws ApiError 413, 415 or 400 (InvalidJson).
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json') {
    throw new ApiError(
      415,
      ErrorCode.UnsupportedMediaType,
      `expected Content-Type application/json, got ${type === '' ? 'none' : `"${type}"`}`,
    );
  }
  const tooLarge = () =>
    // The rest of the body is not read: the connection is closed rather than kept alive after it.
    new ApiError(
      413,
      ErrorCode.PayloadTooLarge,
      `the body is larger than the limit of ${limit} bytes`,
      undefined,
      { Connection: 'close' },
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ApiError(400, ErrorCode.InvalidJson, `the body is not JSON: ${why}`);
  }
}
