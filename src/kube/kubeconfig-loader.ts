import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig file when one is given, otherwise the in-cluster service account (the operator's normal case). */
export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) {
    kc.loadFromFile(kubeconfigPath);
  } else {
    kc.loadFromCluster();
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(
      kubeconfigPath
        ? `kubeconfig ${kubeconfigPath} has no current cluster`
        : 'no in-cluster configuration found',
    );
  }
  return kc;
}
