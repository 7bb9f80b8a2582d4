/** A rule that matches requests by method and path (a substring, or a regular expression). */
export interface RequestMatch {
  method?: string;
  path?: string | RegExp;
}

export interface FailRule extends RequestMatch {
  /** How many matching requests to affect. */
  count: number;
  /** HTTP status to answer with (omit to only delay). */
  status?: number;
  delayMs?: number;
  message?: string;
}

export interface FaultDecision {
  delayMs: number;
  fail?: { status: number; message: string };
}

function matches(rule: RequestMatch, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path);
}

/**
 * Faults the sandbox can inject so tests see real HTTP failure modes: failed or slow requests, dropped
 * watch streams, a forced 410 on the next watch and compaction of old resourceVersions.
 */
export class FaultInjector {
  private readonly rules: FailRule[] = [];
  private goneRules: Array<RequestMatch & { count: number }> = [];

  constructor(private readonly hooks: { dropWatches(): number; compact(): void }) {}

  /** Fail (and/or delay) the next `count` requests that match. */
  failNext(rule: FailRule): void {
    this.rules.push({ ...rule });
  }

  delayNext(rule: RequestMatch & { count: number; delayMs: number }): void {
    this.rules.push({ ...rule });
  }

  /** The next watch request that matches gets a 410 Gone event instead of a stream. */
  forceGoneOnNextWatch(match: RequestMatch = {}): void {
    this.goneRules.push({ ...match, count: 1 });
  }

  /** Cuts every open watch connection; returns how many were open. */
  dropWatches(): number {
    return this.hooks.dropWatches();
  }

  /** Forgets history: watches and continue tokens from older resourceVersions get 410. */
  compact(): void {
    this.hooks.compact();
  }

  clear(): void {
    this.rules.length = 0;
    this.goneRules = [];
  }

  decide(method: string, path: string): FaultDecision {
    const rule = this.rules.find((r) => r.count > 0 && matches(r, method, path));
    if (!rule) return { delayMs: 0 };
    rule.count--;
    if (rule.count === 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return {
      delayMs: rule.delayMs ?? 0,
      fail: rule.status
        ? { status: rule.status, message: rule.message ?? `injected failure (${rule.status})` }
        : undefined,
    };
  }

  takeForcedGone(path: string): boolean {
    const rule = this.goneRules.find((r) => r.count > 0 && matches(r, 'GET', path));
    if (!rule) return false;
    this.goneRules = this.goneRules.filter((r) => r !== rule);
    return true;
  }
}
