/** What a real installation sets: Thanos with a token, KServe, a namespace list, the webhook, monitoring. */
export const REALISTIC_VALUES = {
  image: { repository: 'registry.example.com/platform/coordination-engine', tag: '0.1.0' },
  watchNamespaces: ['shop', 'payments'],
  protectedNamespaces: ['kube-system', 'monitoring'],
  dryRun: true,
  prometheus: {
    url: 'https://thanos-querier.openshift-monitoring.svc:9091',
    timeout: '45s',
    bearerToken: { file: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
  },
  ml: {
    url: 'http://anomaly-detector-predictor.ml.svc:8080',
    backend: 'kserve',
    kserve: { anomalyModel: 'anomaly-detector', encoding: 'score' },
    circuitBreaker: { threshold: 5, timeout: '1m' },
  },
  webhook: { tokenSecretName: 'coordination-engine-webhook' },
  log: { level: 'debug' },
  resources: { requests: { cpu: '200m', memory: '384Mi' }, limits: { memory: '1Gi' } },
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  networkPolicy: {
    enabled: true,
    apiFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
};
