import type { StatusApi } from '../controller/status-writer.js';
import type { JsonObject } from '../json/json-value.js';
import { CLUSTER_POLICY_PLURAL, POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../policy/api-group.js';
import { type KubeObject, kubeObjectSchema } from './kube-object.js';
import { isStatus, type KubeRest } from './rest-client.js';

/**
 * The object path of a policy: a RemediationPolicy lives in a namespace; a ClusterRemediationPolicy (no
 * namespace, as every cluster-scoped object) directly under the group version.
 */
export function policyPath(namespace: string | undefined, name: string): string {
  const base = `/apis/${POLICY_GROUP}/${POLICY_VERSION}`;
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${POLICY_PLURAL}/${encodeURIComponent(name)}`
    : `${base}/${CLUSTER_POLICY_PLURAL}/${encodeURIComponent(name)}`;
}

/** RemediationPolicy and ClusterRemediationPolicy reads and /status merge patches over the REST client. */
export class PolicyStatusApi implements StatusApi {
  constructor(private readonly rest: KubeRest) {}

  async get(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return kubeObjectSchema.parse(
        await this.rest.request({ method: 'GET', path: policyPath(namespace, name) }),
      );
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async patchStatus(namespace: string | undefined, name: string, patch: JsonObject): Promise<KubeObject> {
    const raw = await this.rest.request({
      method: 'PATCH',
      path: `${policyPath(namespace, name)}/status`,
      body: patch,
      contentType: 'application/merge-patch+json',
    });
    return kubeObjectSchema.parse(raw);
  }
}
