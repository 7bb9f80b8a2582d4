import type { StatusApi } from '../controller/status-writer.js';
import type { JsonObject } from '../json/json-value.js';
import { POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../policy/api-group.js';
import { type KubeObject, kubeObjectSchema } from './kube-object.js';
import { isStatus, type KubeRest } from './rest-client.js';

/** RemediationPolicy reads and /status merge patches over the REST client. */
export class PolicyStatusApi implements StatusApi {
  constructor(private readonly rest: KubeRest) {}

  private path(namespace: string, name: string): string {
    return `/apis/${POLICY_GROUP}/${POLICY_VERSION}/namespaces/${encodeURIComponent(namespace)}/${POLICY_PLURAL}/${encodeURIComponent(name)}`;
  }

  async get(namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return kubeObjectSchema.parse(
        await this.rest.request({ method: 'GET', path: this.path(namespace, name) }),
      );
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async patchStatus(namespace: string, name: string, patch: JsonObject): Promise<KubeObject> {
    const raw = await this.rest.request({
      method: 'PATCH',
      path: `${this.path(namespace, name)}/status`,
      body: patch,
      contentType: 'application/merge-patch+json',
    });
    return kubeObjectSchema.parse(raw);
  }
}
