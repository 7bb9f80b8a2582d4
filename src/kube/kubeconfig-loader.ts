import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '../config/configuration-error.js';
import { kubeconfigSource } from './kubeconfig-source.js';

/**
 * A KubeConfig from the --kubeconfig flag or KUBECONFIG, the in-cluster service account (the operator's normal
 * case), or ~/.kube/config (kubeconfigSource). Throws a ConfigurationError when there is none or it is unusable.
 */
export function loadKubeConfig(
  kubeconfigPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KubeConfig {
  const source = kubeconfigSource(kubeconfigPath, env);
  const kc = new KubeConfig();
  try {
    if (source.kind === 'file') kc.loadFromFile(source.path);
    else kc.loadFromCluster();
  } catch (error) {
    const where = source.kind === 'file' ? `kubeconfig ${source.path}` : 'in-cluster configuration';
    throw new ConfigurationError(
      `${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new ConfigurationError(
      source.kind === 'file'
        ? `kubeconfig ${source.path} has no current cluster`
        : 'no in-cluster configuration found',
    );
  }
  return kc;
}
