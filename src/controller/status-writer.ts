import type { Logger } from 'pino';
import type { JsonObject, JsonValue } from '../json/json-value.js';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/rest-client.js';
import { createMergePatch } from './merge-patch.js';

/** Reads and status-patches one kind of object. */
export interface StatusApi {
  get(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Merge patch on the /status subresource; the patch carries metadata.resourceVersion, so a stale write is 409. */
  patchStatus(namespace: string, name: string, patch: JsonObject): Promise<KubeObject>;
}

export type StatusWriteResult = 'unchanged' | 'written' | 'gone';

/**
 * Writes status the careful way: computes the desired status from a snapshot, skips the request entirely when it
 * equals what is stored, sends only the changed fields to /status, and on a conflict re-reads the object and
 * recomputes from fresh data (the compute function is pure over the object it is given).
 */
export class StatusWriter {
  constructor(
    private readonly api: StatusApi,
    private readonly logger: Logger,
    private readonly maxAttempts = 4,
  ) {}

  async write(
    snapshot: KubeObject,
    compute: (current: KubeObject) => JsonObject,
  ): Promise<StatusWriteResult> {
    let current: KubeObject | undefined = snapshot;
    const { namespace = '', name } = snapshot.metadata;
    for (let attempt = 1; ; attempt++) {
      const desired = compute(current);
      const patch = createMergePatch((current.status ?? {}) as JsonValue, desired);
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
