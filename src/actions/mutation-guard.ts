import type { KubeRequest, KubeRest } from '../kube/rest-client.js';
import { LeadershipLostError } from './leadership-lost-error.js';
import type { ActionContext } from './workload-actions.js';

/**
 * The only way actions talk to the API server. Reads carry the term's signal; every mutating request is preceded,
 * synchronously and with nothing awaited in between, by ctx.fence() and a check of ctx.signal, so a replica that
 * lost its leadership sends nothing more.
 */
export class GuardedKube {
  constructor(private readonly rest: KubeRest) {}

  read<T = unknown>(ctx: ActionContext | undefined, req: Omit<KubeRequest, 'method' | 'signal'>): Promise<T> {
    return this.rest.request<T>({ ...req, method: 'GET', ...(ctx ? { signal: ctx.signal } : {}) });
  }

  mutate<T = unknown>(ctx: ActionContext, what: string, req: KubeRequest): Promise<T> {
    if (req.method === 'GET') throw new Error('mutate() is for writes; use read()');
    ctx.fence();
    if (ctx.signal.aborted) throw new LeadershipLostError(`leadership term ended before ${what}`);
    return this.rest.request<T>({ ...req, signal: ctx.signal });
  }
}
