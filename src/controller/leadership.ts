/** Thrown by fence() when this replica may no longer act: it lost the lease, or the term it acts for has ended. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}

/**
 * What an action needs to act safely as the leader. `signal` is the current leadership term's: it aborts the
 * moment the lease is lost. fence() is called immediately before each mutation and throws LeadershipLostError
 * unless this replica leads now and the term has not ended.
 */
export interface Leadership {
  signal(): AbortSignal;
  fence(): void;
}

/** A term bound at one moment: its fence also fails once a later term has begun (the work belongs to the old). */
export interface TermContext {
  signal: AbortSignal;
  fence(): void;
}

/**
 * Leadership terms: one AbortController per term, begun when this replica becomes leader and aborted when it
 * stops leading. Outside a term the signal is already aborted, so nothing can act between terms.
 */
export class LeadershipTerms implements Leadership {
  private current: AbortController | undefined;
  private readonly ended = AbortSignal.abort(new LeadershipLostError('not leading'));

  /** @param isLeader whether this replica holds the lease right now (the elector's view, or always true). */
  constructor(private readonly isLeader: () => boolean) {}

  /** Starts a new term (ending any previous one) and returns its signal. */
  begin(): AbortSignal {
    this.end('a new leadership term began');
    this.current = new AbortController();
    return this.current.signal;
  }

  /** Ends the current term at once: its signal aborts, so in-flight work stops before its next mutation. */
  end(why: string): void {
    // The ended term stays current until the next begins, so its abort reason tells fence() callers why.
    if (this.current && !this.current.signal.aborted) this.current.abort(new LeadershipLostError(why));
  }

  signal(): AbortSignal {
    return this.current?.signal ?? this.ended;
  }

  fence(): void {
    fenceOn(this.signal(), this.isLeader);
  }

  /** The current term as a value: work started now keeps this term's signal and fence. */
  context(): TermContext {
    const signal = this.signal();
    return { signal, fence: () => fenceOn(signal, this.isLeader) };
  }
}

function fenceOn(signal: AbortSignal, isLeader: () => boolean): void {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    throw reason instanceof LeadershipLostError
      ? reason
      : new LeadershipLostError('the leadership term ended');
  }
  if (!isLeader()) throw new LeadershipLostError('this replica is not the leader');
}
