/**
 * Request bodies the real kubectl (v1.32) sent as application/vnd.kubernetes.protobuf, captured from the
 * sandbox's request log (`rawBody`), with the JSON each must decode to. `json` is what the same kubectl prints
 * for the command with `--dry-run=client -o json` (the JSON it would send instead), less the empty values Go
 * writes there and the JSON API treats as absent (`creationTimestamp: null`, `{}`; for the PDBs the all-zero
 * status counters).
 */
export interface ProtobufFixture {
  command: string;
  apiVersion: string;
  kind: string;
  base64: string;
  json: Record<string, unknown>;
}

export const kubectlProtobufFixtures: ProtobufFixture[] = [
  {
    command: 'kubectl create namespace payments',
    apiVersion: 'v1',
    kind: 'Namespace',
    base64: ['azhzAAoPCgJ2MRIJTmFtZXNwYWNlEiAKGAoIcGF5bWVudHMSABoAIgAqADIAOABCABIAGgIKABoAIgA='].join(''),
    json: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'payments' } },
  },
  {
    command: 'kubectl create deployment web --image=nginx --replicas=3 -n payments --port=8080',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    base64: [
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsEBCicKA3dlYhIAGghwYXltZW50cyIAKgAyADgAQgBaCgoDYXBwEgN3ZWIS',
      'hwEIAxIMCgoKA2FwcBIDd2ViGm0KHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISTRIvCgVuZ2lueBIFbmdpbngqADIL',
      'CgAQABiQPyIAKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAY',
      'ACAAKAA4ABoAIgA=',
    ].join(''),
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', namespace: 'payments', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  },
  {
    command: 'kubectl create deployment cmd --image=busybox -n payments -- sleep 3600',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    base64: [
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsUBCicKA2NtZBIAGghwYXltZW50cyIAKgAyADgAQgBaCgoDYXBwEgNjbWQS',
      'iwEIARIMCgoKA2FwcBIDY21kGnEKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgNjbWQSURIzCgdidXN5Ym94EgdidXN5Ym94',
      'GgVzbGVlcBoEMzYwMCoAQgBqAHIAgAEAiAEAkAEAogEAGgAyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBACICCgAoADgAGgwI',
      'ABAAGAAgACgAOAAaACIA',
    ].join(''),
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'cmd', namespace: 'payments', labels: { app: 'cmd' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'cmd' } },
        template: {
          metadata: { labels: { app: 'cmd' } },
          spec: { containers: [{ name: 'busybox', image: 'busybox', command: ['sleep', '3600'] }] },
        },
      },
    },
  },
  {
    command: 'kubectl create configmap app-config -n payments --from-literal=a=1 --from-literal=b=two',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    base64: [
      'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEjYKIgoKYXBwLWNvbmZpZxIAGghwYXltZW50cyIAKgAyADgAQgASBgoBYRIBMRIICgFi',
      'EgN0d28aACIA',
    ].join(''),
    json: {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'app-config', namespace: 'payments' },
      data: { a: '1', b: 'two' },
    },
  },
  {
    command:
      'kubectl create secret generic creds -n payments --from-literal=user=admin --from-literal=pass=s3cr3t',
    apiVersion: 'v1',
    kind: 'Secret',
    base64: [
      'azhzAAoMCgJ2MRIGU2VjcmV0EkAKHQoFY3JlZHMSABoIcGF5bWVudHMiACoAMgA4AEIAEg4KBHBhc3MSBnMzY3IzdBINCgR1',
      'c2VyEgVhZG1pbhoAGgAiAA==',
    ].join(''),
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'creds', namespace: 'payments' },
      data: { pass: 'czNjcjN0', user: 'YWRtaW4=' },
    },
  },
  {
    command:
      'kubectl create secret docker-registry reg -n payments --docker-server=registry.example --docker-username=u --docker-password=p',
    apiVersion: 'v1',
    kind: 'Secret',
    base64: [
      'azhzAAoMCgJ2MRIGU2VjcmV0EqABChsKA3JlZxIAGghwYXltZW50cyIAKgAyADgAQgASYQoRLmRvY2tlcmNvbmZpZ2pzb24S',
      'THsiYXV0aHMiOnsicmVnaXN0cnkuZXhhbXBsZSI6eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJhdXRoIjoiZFRw',
      'dyJ9fX0aHmt1YmVybmV0ZXMuaW8vZG9ja2VyY29uZmlnanNvbhoAIgA=',
    ].join(''),
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'reg', namespace: 'payments' },
      data: {
        '.dockerconfigjson':
          'eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ==',
      },
      type: 'kubernetes.io/dockerconfigjson',
    },
  },
  {
    command: 'kubectl create service clusterip api -n payments --tcp=80:8080',
    apiVersion: 'v1',
    kind: 'Service',
    base64: [
      'azhzAAoNCgJ2MRIHU2VydmljZRJxCicKA2FwaRIAGghwYXltZW50cyIAKgAyADgAQgBaCgoDYXBwEgNhcGkSQgobCgc4MC04',
      'MDgwEgNUQ1AYUCIHCAAQkD8aACgAEgoKA2FwcBIDYXBpGgAiCUNsdXN0ZXJJUDoAQgBSAFoAYABoABoCCgAaACIA',
    ].join(''),
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'api', namespace: 'payments', labels: { app: 'api' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'api' },
        type: 'ClusterIP',
      },
    },
  },
  {
    command: 'kubectl create service nodeport np -n payments --tcp=80:http --node-port=30080',
    apiVersion: 'v1',
    kind: 'Service',
    base64: [
      'azhzAAoNCgJ2MRIHU2VydmljZRJyCiUKAm5wEgAaCHBheW1lbnRzIgAqADIAOABCAFoJCgNhcHASAm5wEkUKIAoHODAtaHR0',
      'cBIDVENQGFAiCggBEAAaBGh0dHAogOsBEgkKA2FwcBICbnAaACIITm9kZVBvcnQ6AEIAUgBaAGAAaAAaAgoAGgAiAA==',
    ].join(''),
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'np', namespace: 'payments', labels: { app: 'np' } },
      spec: {
        ports: [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
        selector: { app: 'np' },
        type: 'NodePort',
      },
    },
  },
  {
    command:
      'kubectl create rolebinding rb -n payments --role=reader --serviceaccount=payments:robot --user=alice',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    base64: [
      'azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtSb2xlQmluZGluZxKYAQoaCgJyYhIAGghwYXltZW50cyIA',
      'KgAyADgAQgASKgoEVXNlchIZcmJhYy5hdXRob3JpemF0aW9uLms4cy5pbxoFYWxpY2UiABIjCg5TZXJ2aWNlQWNjb3VudBIA',
      'GgVyb2JvdCIIcGF5bWVudHMaKQoZcmJhYy5hdXRob3JpemF0aW9uLms4cy5pbxIEUm9sZRoGcmVhZGVyGgAiAA==',
    ].join(''),
    json: {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'rb', namespace: 'payments' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
        { kind: 'ServiceAccount', name: 'robot', namespace: 'payments' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    },
  },
  {
    command: 'kubectl create pdb web-pdb -n payments --selector=app=web --min-available=50%',
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    base64: [
      'azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSSAofCgd3ZWItcGRiEgAaCHBheW1lbnRzIgAqADIAOABC',
      'ABIZCgkIARAAGgM1MCUSDAoKCgNhcHASA3dlYhoKCAAYACAAKAAwABoAIgA=',
    ].join(''),
    json: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'web-pdb', namespace: 'payments' },
      spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } },
    },
  },
  {
    command: 'kubectl create pdb web-pdb2 -n payments --selector=app=web --max-unavailable=1',
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    base64: [
      'azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSRgogCgh3ZWItcGRiMhIAGghwYXltZW50cyIAKgAyADgA',
      'QgASFhIMCgoKA2FwcBIDd2ViGgYIABABGgAaCggAGAAgACgAMAAaACIA',
    ].join(''),
    json: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'web-pdb2', namespace: 'payments' },
      spec: { selector: { matchLabels: { app: 'web' } }, maxUnavailable: 1 },
    },
  },
  {
    command: 'kubectl create quota q -n payments --hard=cpu=1500m,memory=1Gi,pods=10',
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    base64: [
      'azhzAAoTCgJ2MRINUmVzb3VyY2VRdW90YRJOChkKAXESABoIcGF5bWVudHMiACoAMgA4AEIAEi8KDgoDY3B1EgcKBTE1MDBt',
      'Cg8KBm1lbW9yeRIFCgMxR2kKDAoEcG9kcxIECgIxMBoAGgAiAA==',
    ].join(''),
    json: {
      kind: 'ResourceQuota',
      apiVersion: 'v1',
      metadata: { name: 'q', namespace: 'payments' },
      spec: { hard: { cpu: '1500m', memory: '1Gi', pods: '10' } },
    },
  },
];
