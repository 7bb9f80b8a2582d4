import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../config/configuration-error.js';

/** Where the service-account token of an in-cluster pod is mounted. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type KubeconfigSource = { kind: 'file'; path: string } | { kind: 'in-cluster' };

/**
 * How to reach Kubernetes, in controller-runtime's order: the --kubeconfig flag or KUBECONFIG, then the in-cluster
 * service account, then ~/.kube/config. Decided with file checks only (no client library loaded), so a process
 * that can never reach a cluster says so in its first milliseconds, with one line naming what it looked for,
 * instead of retrying an `Invalid URL` forever.
 */
export function kubeconfigSource(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  fileExists: (file: string) => boolean = existsSync,
): KubeconfigSource {
  const explicit = path ?? (env.KUBECONFIG || undefined);
  if (explicit !== undefined) {
    if (!fileExists(explicit)) throw new ConfigurationError(`kubeconfig ${explicit} does not exist`);
    return { kind: 'file', path: explicit };
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    if (!env.KUBERNETES_SERVICE_PORT) {
      throw new ConfigurationError(
        'in a cluster (KUBERNETES_SERVICE_HOST is set) but KUBERNETES_SERVICE_PORT is not',
      );
    }
    if (!fileExists(SERVICE_ACCOUNT_TOKEN)) {
      throw new ConfigurationError(
        `in a cluster (KUBERNETES_SERVICE_HOST is set) but no service-account token at ${SERVICE_ACCOUNT_TOKEN} ` +
          '(is automountServiceAccountToken false?)',
      );
    }
    return { kind: 'in-cluster' };
  }
  const home = join(env.HOME || homedir(), '.kube', 'config');
  if (fileExists(home)) return { kind: 'file', path: home };
  throw new ConfigurationError(
    `no Kubernetes to talk to: no kubeconfig (--kubeconfig and KUBECONFIG are unset, ${home} does not exist) ` +
      'and not in a cluster (KUBERNETES_SERVICE_HOST is unset)',
  );
}
