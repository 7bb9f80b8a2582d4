import { POLICY_API_VERSION, POLICY_GROUP, POLICY_VERSION } from '../policy/api-group.js';
import type { PolicyRef, RemediationRecord, RemediationStatus } from '../remediation/record.js';
import { LABEL_OPEN, parseRemediation, REMEDIATION_KIND, REMEDIATION_PLURAL } from '../remediation/record.js';
import { policyLabels, type RemediationDraft } from '../remediation/record-identity.js';
import { listSchema } from './kube-object.js';
import { isStatus, KubeApiError, type KubeRest } from './rest-client.js';

/**
 * What every write needs: the leadership term's signal, and a fence that throws when this engine is no longer the
 * leader. Both are checked immediately before each request is sent, so a deposed leader never writes.
 */
export interface WriteContext {
  signal: AbortSignal;
  fence(): void;
}

/**
 * The record changed since it was read (HTTP 409 on a write carrying its resourceVersion or uid). Nothing was
 * written; the caller re-reads the record and decides again, never writes blind.
 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly namespace: string,
    readonly recordName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A record with the episode's deterministic name exists but belongs to another target (a name collision). */
export class RecordCollisionError extends Error {
  override readonly name = 'RecordCollisionError';
}

const PAGE_SIZE = 250;

/** Remediation records (crds/remediation.yaml) over the Kubernetes API. */
export class RemediationStore {
  constructor(private readonly rest: KubeRest) {}

  private collection(namespace?: string): string {
    const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    return `/apis/${POLICY_GROUP}/${POLICY_VERSION}${scope}/${REMEDIATION_PLURAL}`;
  }

  private path(namespace: string, name: string): string {
    return `${this.collection(namespace)}/${encodeURIComponent(name)}`;
  }

  /**
   * Creates the episode's record, then writes its initial status (a create cannot set status when status is a
   * subresource). Idempotent by the deterministic name: if the record exists already it is returned as stored
   * and nothing is written, so a retry or a second engine joins the episode instead of duplicating it.
   */
  async create(ctx: WriteContext, draft: RemediationDraft): Promise<RemediationRecord> {
    const { namespace, name } = draft.metadata;
    let created: RemediationRecord;
    try {
      guard(ctx);
      created = parsed(
        await this.rest.request({
          method: 'POST',
          path: this.collection(namespace),
          body: {
            apiVersion: POLICY_API_VERSION,
            kind: REMEDIATION_KIND,
            metadata: draft.metadata,
            spec: draft.spec,
          },
          signal: ctx.signal,
        }),
      );
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409 && error.reason === 'AlreadyExists'))
        throw error;
      const existing = await this.get(namespace, name, ctx.signal);
      if (!existing) throw error;
      const uid = existing.spec?.targetRef.uid;
      if (uid !== undefined && uid !== draft.spec.targetRef.uid) {
        throw new RecordCollisionError(
          `Remediation ${namespace}/${name} exists for target uid ${uid}, not ${draft.spec.targetRef.uid}`,
        );
      }
      return existing;
    }
    return draft.status ? this.updateStatus(ctx, created, draft.status) : created;
  }

  async get(namespace: string, name: string, signal?: AbortSignal): Promise<RemediationRecord | undefined> {
    try {
      return parsed(await this.rest.request({ method: 'GET', path: this.path(namespace, name), signal }));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** The policy's open episodes (label coordination-engine.io/open=true). */
  listOpen(policy: PolicyRef, signal?: AbortSignal): Promise<RemediationRecord[]> {
    return this.list(policy, { [LABEL_OPEN]: 'true' }, signal);
  }

  /** All the policy's records, open and closed. */
  listAll(policy: PolicyRef, signal?: AbortSignal): Promise<RemediationRecord[]> {
    return this.list(policy, {}, signal);
  }

  /**
   * A namespaced policy's records live in its own namespace; a cluster policy's anywhere. The labels carry the
   * policy's name, which a recreated policy shares, so records are matched to this policy by uid as well.
   */
  private async list(
    policy: PolicyRef,
    extra: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<RemediationRecord[]> {
    const labels = { ...policyLabels(policy), ...extra };
    const labelSelector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const namespace = policy.kind === 'RemediationPolicy' ? policy.namespace : undefined;
    const records: RemediationRecord[] = [];
    let token: string | undefined;
    do {
      const list = listSchema.parse(
        await this.rest.request({
          method: 'GET',
          path: this.collection(namespace),
          query: { labelSelector, limit: PAGE_SIZE, continue: token },
          signal,
        }),
      );
      for (const item of list.items) {
        const record = parseRemediation(item);
        if (record && ownedBy(record, policy.uid)) records.push(record);
      }
      token = list.metadata.continue || undefined;
    } while (token);
    return records;
  }

  /**
   * Replaces the status through /status, conditional on the resourceVersion (and uid) the record was read at:
   * a record changed since throws ConflictError and nothing is written.
   */
  async updateStatus(
    ctx: WriteContext,
    record: RemediationRecord,
    status: RemediationStatus,
  ): Promise<RemediationRecord> {
    const { namespace, name } = identity(record);
    return this.conditional(namespace, name, () => {
      guard(ctx);
      return this.rest.request({
        method: 'PUT',
        path: `${this.path(namespace, name)}/status`,
        body: {
          apiVersion: POLICY_API_VERSION,
          kind: REMEDIATION_KIND,
          metadata: preconditionMeta(record),
          ...(record.spec ? { spec: record.spec } : {}),
          status,
        },
        signal: ctx.signal,
      });
    });
  }

  /** Marks the episode closed (label open=false), conditional on the resourceVersion it was read at. */
  async close(ctx: WriteContext, record: RemediationRecord): Promise<RemediationRecord> {
    const { namespace, name } = identity(record);
    return this.conditional(namespace, name, () => {
      guard(ctx);
      return this.rest.request({
        method: 'PATCH',
        path: this.path(namespace, name),
        // A merge patch carrying metadata.resourceVersion (and uid) is refused with 409 if either is stale.
        body: { metadata: { ...preconditionMeta(record), labels: { [LABEL_OPEN]: 'false' } } },
        contentType: 'application/merge-patch+json',
        signal: ctx.signal,
      });
    });
  }

  /**
   * Deletes the record if it is still exactly what was read (uid and resourceVersion preconditions).
   * Returns false if it was already gone; throws ConflictError if it changed since.
   */
  async delete(ctx: WriteContext, record: RemediationRecord): Promise<boolean> {
    const { namespace, name } = identity(record);
    const meta = preconditionMeta(record);
    try {
      guard(ctx);
      await this.rest.request({
        method: 'DELETE',
        path: this.path(namespace, name),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Background',
          preconditions: { uid: meta.uid, resourceVersion: meta.resourceVersion },
        },
        signal: ctx.signal,
      });
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw asConflict(error, namespace, name);
    }
  }

  private async conditional(
    namespace: string,
    name: string,
    send: () => Promise<unknown>,
  ): Promise<RemediationRecord> {
    try {
      return parsed(await send());
    } catch (error) {
      throw asConflict(error, namespace, name);
    }
  }
}

/** Calls the fence and checks the signal: the last thing before a request leaves. */
function guard(ctx: WriteContext): void {
  ctx.fence();
  ctx.signal.throwIfAborted();
}

function parsed(raw: unknown): RemediationRecord {
  const record = parseRemediation(raw);
  if (!record) throw new Error('the API server answered with an object without metadata');
  return record;
}

function identity(record: RemediationRecord): { namespace: string; name: string } {
  const namespace = record.metadata.namespace;
  if (!namespace) throw new Error(`Remediation ${record.metadata.name} has no namespace`);
  return { namespace, name: record.metadata.name };
}

/** The metadata a conditional write carries: a write without a resourceVersion would be a blind write. */
function preconditionMeta(record: RemediationRecord): {
  name: string;
  namespace: string;
  uid: string | undefined;
  resourceVersion: string;
} {
  const { resourceVersion, uid } = record.metadata;
  if (!resourceVersion)
    throw new Error(`Remediation ${record.metadata.name} was not read from the API server`);
  return { ...identity(record), uid, resourceVersion };
}

function asConflict(error: unknown, namespace: string, name: string): unknown {
  if (!isStatus(error, 409)) return error;
  return new ConflictError(namespace, name, (error as KubeApiError).message);
}

function ownedBy(record: RemediationRecord, policyUid: string): boolean {
  const uid = record.spec?.policyRef.uid;
  if (uid !== undefined) return uid === policyUid;
  return record.metadata.ownerReferences?.some((ref) => ref.uid === policyUid) ?? false;
}
