import type { Logger } from 'pino';
import { isJsonObject, type JsonObject } from '../json/json-value.js';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import { createMergePatch } from './merge-patch.js';

/** Reads and status-patches one kind of object. `namespace` is undefined for a cluster-scoped object. */
export interface StatusApi {
  get(namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Merge patch on the /status subresource; the patch carries metadata.resourceVersion, so a stale write is 409. */
  patchStatus(namespace: string | undefined, name: string, patch: JsonObject): Promise<KubeObject>;
}

export type StatusWriteResult = 'unchanged' | 'written' | 'gone';

/** The top-level fields of `value` that are in `fields` (a non-object counts as empty). */
function pick(value: unknown, fields: ReadonlySet<string>): JsonObject {
  const picked: JsonObject = {};
  if (!isJsonObject(value)) return picked;
  for (const [key, field] of Object.entries(value)) if (fields.has(key)) picked[key] = field;
  return picked;
}

/**
 * Writes status the careful way: computes the desired status from a snapshot, skips the request entirely when it
 * equals what is stored, sends only the changed fields to /status, and on a conflict re-reads the object and
 * recomputes from fresh data (the compute function is pure over the object it is given).
 *
 * It writes and removes only the top-level status fields it owns: a field added by a newer engine version (during
 * a rolling upgrade) or by another writer is never sent, so never nulled.
 */
export class StatusWriter {
  private readonly owned: ReadonlySet<string>;

  constructor(
    private readonly api: StatusApi,
    private readonly logger: Logger,
    ownedFields: readonly string[],
    private readonly maxAttempts = 4,
  ) {
    this.owned = new Set(ownedFields);
  }

  async write(
    snapshot: KubeObject,
    compute: (current: KubeObject) => JsonObject,
  ): Promise<StatusWriteResult> {
    let current: KubeObject | undefined = snapshot;
    // No namespace means a cluster-scoped object: the API builds its path from that, so it is passed as it is.
    const { namespace, name } = snapshot.metadata;
    for (let attempt = 1; ; attempt++) {
      const desired = pick(compute(current), this.owned);
      const patch = createMergePatch(pick(current.status, this.owned), desired);
      if (patch === undefined) return 'unchanged';
      try {
        await this.api.patchStatus(namespace, name, {
          metadata: { resourceVersion: current.metadata.resourceVersion ?? null },
          status: patch,
        });
        return 'written';
      } catch (error) {
        if (!isStatus(error, 409) || attempt >= this.maxAttempts) throw error;
        this.logger.debug({ namespace, name, attempt }, 'status conflict; retrying with a fresh read');
        current = await this.api.get(namespace, name);
        if (!current) return 'gone';
      }
    }
  }
}
