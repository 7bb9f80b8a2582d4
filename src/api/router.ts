import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { INVALID_REQUEST_TARGET, requestUrl } from '../server/request-url.js';
import { ApiError, ErrorCode, sendError } from './errors.js';

export type Method = 'GET' | 'POST';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path parameters by their name in the template, percent-decoded (not yet validated). */
  params: Record<string, string>;
  /** When the request arrived (wall clock, ms): the webhook measures delivery-to-evaluation from here. */
  receivedAtMs: number;
}

export interface Route {
  method: Method;
  /** The path as docs/api/openapi.yaml writes it, e.g. `/api/v1/policies/{namespace}/{name}`. */
  path: string;
  handle(ctx: RouteContext): Promise<void>;
}

interface Compiled extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

export interface RouterOptions {
  logger: Logger;
  now: () => number;
  /** Called once per request with the route template (or "unmatched") and the status answered. */
  observe?(route: string, method: string, status: number): void;
}

/**
 * The API's router: templates as in the OpenAPI document, JSON errors for everything (unknown path 404, wrong
 * method 405 with Allow, a thrown ApiError as itself, anything else 500). Returns the request handler.
 */
export function createRouter(
  routes: readonly Route[],
  options: RouterOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const compiled = routes.map(compile);
  return (req, res) => {
    const receivedAtMs = options.now();
    const url = requestUrl(req);
    if (!url) {
      res.once('finish', () => options.observe?.('unmatched', req.method ?? '', res.statusCode));
      return sendError(
        res,
        new ApiError(400, ErrorCode.InvalidRequestTarget, INVALID_REQUEST_TARGET.message),
      );
    }
    const matching = compiled.filter((r) => r.pattern.test(url.pathname));
    const route = matching.find((r) => r.method === req.method);
    const template = route?.path ?? matching[0]?.path ?? 'unmatched';
    res.once('finish', () => options.observe?.(template, req.method ?? '', res.statusCode));
    const fail = (error: unknown) => {
      if (res.headersSent) return void res.destroy();
      // Refused before its body was read (401, 503, 413): close rather than drain what the client still sends.
      if (!req.complete) res.setHeader('Connection', 'close');
      if (error instanceof ApiError) return sendError(res, error);
      options.logger.error({ err: error, path: url.pathname }, 'API request failed');
      sendError(res, new ApiError(500, ErrorCode.Internal, 'internal error; the engine log has the details'));
    };
    if (!route) {
      if (matching.length === 0) {
        return fail(new ApiError(404, ErrorCode.RouteNotFound, `no route for ${url.pathname}`));
      }
      const allow = [...new Set(matching.map((r) => r.method))].join(', ');
      return fail(
        new ApiError(
          405,
          ErrorCode.MethodNotAllowed,
          `${req.method} is not allowed on ${url.pathname} (allowed: ${allow})`,
          undefined,
          { Allow: allow },
        ),
      );
    }
    const params: Record<string, string> = {};
    const values = route.pattern.exec(url.pathname)?.slice(1) ?? [];
    try {
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(values[i] ?? '');
      });
    } catch {
      return fail(
        new ApiError(400, ErrorCode.InvalidParameter, `malformed percent-encoding in ${url.pathname}`),
      );
    }
    route.handle({ req, res, url, params, receivedAtMs }).catch(fail);
  };
}
