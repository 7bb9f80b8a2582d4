import { z } from 'zod';
import type { CoreEvent, EventPatch, EventSink } from '../controller/event-recorder.js';
import type { KubeRest } from './rest-client.js';

const createdSchema = z.looseObject({ metadata: z.looseObject({ name: z.string() }) });

/** core/v1 Events over the REST client. */
export class KubeEventSink implements EventSink {
  constructor(private readonly rest: KubeRest) {}

  async create(namespace: string, event: CoreEvent): Promise<{ name: string }> {
    const raw = await this.rest.request({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: { apiVersion: 'v1', kind: 'Event', ...event },
      timeoutMs: 5_000,
    });
    return { name: createdSchema.parse(raw).metadata.name };
  }

  async patch(namespace: string, name: string, patch: EventPatch): Promise<void> {
    await this.rest.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events/${encodeURIComponent(name)}`,
      body: patch,
      contentType: 'application/merge-patch+json',
      timeoutMs: 5_000,
    });
  }
}
