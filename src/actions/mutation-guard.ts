import { KubeApiError, type KubeRequest, type KubeRest } from '../kube/rest-client.js';
import { LeadershipLostError } from './leadership-lost-error.js';
import type { ActionContext } from './workload-actions.js';

/**
 * The only way actions talk to the API server. Reads carry the term's signal; every mutating request is preceded,
 * synchronously and with nothing awaited in between, by ctx.fence() and a check of ctx.signal, so a replica that
 * lost its leadership sends nothing more. A request cut off because the term ended is a LeadershipLostError too;
 * for a write, the server may have applied it, so the runner must observe rather than assume.
 */
export class GuardedKube {
  constructor(private readonly rest: KubeRest) {}

  async read<T = unknown>(
    ctx: ActionContext | undefined,
    req: Omit<KubeRequest, 'method' | 'signal'>,
  ): Promise<T> {
    if (!ctx) return this.rest.request<T>({ ...req, method: 'GET' });
    try {
      return await this.rest.request<T>({ ...req, method: 'GET', signal: ctx.signal });
    } catch (error) {
      throw termEnded(ctx, error, `the leadership term ended while reading ${req.path}`);
    }
  }

  async mutate<T = unknown>(ctx: ActionContext, what: string, req: KubeRequest): Promise<T> {
    if (req.method === 'GET') throw new Error('mutate() is for writes; use read()');
    ctx.fence();
    if (ctx.signal.aborted) throw new LeadershipLostError(`the leadership term ended before ${what}`);
    try {
      return await this.rest.request<T>({ ...req, signal: ctx.signal });
    } catch (error) {
      throw termEnded(ctx, error, `the leadership term ended during ${what}; it may have been applied`);
    }
  }
}

function termEnded(ctx: ActionContext, error: unknown, message: string): unknown {
  if (!ctx.signal.aborted || error instanceof KubeApiError) return error;
  return new LeadershipLostError(message, { cause: error });
}
