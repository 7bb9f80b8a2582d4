import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import type { PodRef } from '../metrics/feature-vector-builder.js';

// Only the fields the feature builder needs; anything else in the API answer is ignored.
const podSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string() }),
  spec: z.object({ nodeName: z.string().optional() }).optional(),
});

/**
 * Lists pods through the Kubernetes API (with a kubeconfig) so the feature builder gets each pod's spec.nodeName
 * directly and can skip the kube_pod_info join. Pods not yet scheduled come back without a node.
 */
export async function listScheduledPods(
  kubeconfigPath: string,
  namespaces: readonly string[],
  pod?: string,
): Promise<PodRef[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const refs: PodRef[] = [];
  for (const namespace of namespaces) {
    const list = await core.listNamespacedPod({
      namespace,
      ...(pod !== undefined ? { fieldSelector: `metadata.name=${pod}` } : {}),
    });
    for (const [i, item] of list.items.entries()) {
      const parsed = podSchema.safeParse(item);
      if (!parsed.success) throw new Error(`pod ${i} in namespace ${namespace}: ${parsed.error.message}`);
      const nodeName = parsed.data.spec?.nodeName;
      refs.push({ namespace, name: parsed.data.metadata.name, ...(nodeName ? { nodeName } : {}) });
    }
  }
  return refs;
}
