/**
 * The request log tests read (`sandbox.requests`): an ordinary array of the newest entries. It forgets the
 * oldest once it holds more than `limit` (in chunks of a tenth, so trimming costs O(1) per request on
 * average), so a long-running sandbox does not keep every request body it ever received. Entries carry a
 * `seq` that keeps counting, so "requests since" is `filter((r) => r.seq > seq)` whatever was forgotten.
 */
export class RequestLog<T> extends Array<T> {
  // map/filter/slice of the log are plain arrays (and must not call this constructor with a length).
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  // An ES private field: a normal property would be enumerable on the array.
  #limit = Number.POSITIVE_INFINITY;

  static bounded<T>(limit: number): RequestLog<T> {
    const log = new RequestLog<T>();
    log.#limit = Math.max(1, limit);
    return log;
  }

  override push(...items: T[]): number {
    const length = super.push(...items);
    if (length > this.#limit + Math.ceil(this.#limit / 10)) this.splice(0, length - this.#limit);
    return this.length;
  }
}
