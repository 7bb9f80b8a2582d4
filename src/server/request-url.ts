import type { IncomingMessage } from 'node:http';

/**
 * The request's URL, or undefined when its request-target is not one. Node's parser lets through absolute forms
 * WHATWG URL refuses (`GET http://[::1/x`): `new URL` throws on them, and a throw in a request listener is an
 * uncaught exception that would end the engine for one bad request. Callers answer 400 instead.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

export const INVALID_REQUEST_TARGET = {
  code: 'InvalidRequestTarget',
  message: 'the request-target is not a valid URL',
} as const;
