import { z } from 'zod';
import type { LeaseRecord, LeaseStore } from '../controller/leader-election.js';
import { isStatus, type KubeRest } from './rest-client.js';

const leaseSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string() }),
  spec: z
    .object({
      holderIdentity: z.string().optional(),
      leaseDurationSeconds: z.number().optional(),
      acquireTime: z.string().optional(),
      renewTime: z.string().optional(),
      leaseTransitions: z.number().optional(),
    })
    .default({}),
});

/** A coordination.k8s.io/v1 Lease as the leader-election store. Updates carry resourceVersion: 409 on a race. */
export class KubeLeaseStore implements LeaseStore {
  constructor(
    private readonly rest: KubeRest,
    private readonly namespace: string,
    private readonly name: string,
    /** Keep below the renew deadline so one hung request cannot cost the lease. */
    private readonly requestTimeoutMs = 5_000,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  private get collection(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
  }

  async get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined> {
    try {
      const raw = await this.rest.request({
        method: 'GET',
        path: `${this.collection}/${encodeURIComponent(this.name)}`,
        timeoutMs: this.requestTimeoutMs,
      });
      const lease = leaseSchema.parse(raw);
      return { record: lease.spec, resourceVersion: lease.metadata.resourceVersion };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async create(record: LeaseRecord): Promise<string> {
    const raw = await this.rest.request({
      method: 'POST',
      path: this.collection,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: record,
      },
      timeoutMs: this.requestTimeoutMs,
    });
    return leaseSchema.parse(raw).metadata.resourceVersion;
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<string> {
    const raw = await this.rest.request({
      method: 'PUT',
      path: `${this.collection}/${encodeURIComponent(this.name)}`,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace, resourceVersion },
        spec: record,
      },
      timeoutMs: this.requestTimeoutMs,
    });
    return leaseSchema.parse(raw).metadata.resourceVersion;
  }
}
