import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/config/configuration-error.js';
import { kubeconfigSource, SERVICE_ACCOUNT_TOKEN } from '../src/kube/kubeconfig-source.js';

const files =
  (...existing: string[]) =>
  (file: string) =>
    existing.includes(file);

describe('kubeconfigSource: how the engine reaches Kubernetes', () => {
  it('takes the flag, then KUBECONFIG, then the in-cluster account, then ~/.kube/config', () => {
    const env = {
      HOME: '/home/me',
      KUBECONFIG: '/env/config',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    };
    const all = files('/flag/config', '/env/config', SERVICE_ACCOUNT_TOKEN, '/home/me/.kube/config');
    expect(kubeconfigSource('/flag/config', env, all)).toEqual({ kind: 'file', path: '/flag/config' });
    expect(kubeconfigSource(undefined, env, all)).toEqual({ kind: 'file', path: '/env/config' });
    expect(kubeconfigSource(undefined, { ...env, KUBECONFIG: '' }, all)).toEqual({ kind: 'in-cluster' });
    expect(kubeconfigSource(undefined, { HOME: '/home/me' }, all)).toEqual({
      kind: 'file',
      path: '/home/me/.kube/config',
    });
  });

  it('with none of them, one line saying what it looked for', () => {
    const run = () => kubeconfigSource(undefined, { HOME: '/empty' }, files());
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(
      'no Kubernetes to talk to: no kubeconfig (--kubeconfig and KUBECONFIG are unset, /empty/.kube/config does ' +
        'not exist) and not in a cluster (KUBERNETES_SERVICE_HOST is unset)',
    );
  });

  it('a named kubeconfig that does not exist, or a pod without its token, is an error, never a fallback', () => {
    expect(() => kubeconfigSource('/nope', { HOME: '/home/me' }, files('/home/me/.kube/config'))).toThrow(
      'kubeconfig /nope does not exist',
    );
    const inCluster = {
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      HOME: '/home/me',
    };
    expect(() => kubeconfigSource(undefined, inCluster, files('/home/me/.kube/config'))).toThrow(
      /no service-account token at \/var\/run\/secrets/,
    );
  });
});
