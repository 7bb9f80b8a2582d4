/**
 * The objects `npm run bench:sandbox` writes: Deployments, ReplicaSets owned by them and Pods owned by the
 * ReplicaSets, shaped like what a Deployment controller and a kubelet would write (a pod is ~2.5 KB of JSON).
 */

export interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

const TEMPLATE_HASH = '7d9f8b6c5';

export function labelsFor(app: string): Record<string, string> {
  return {
    app,
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/part-of': 'bench-shop',
    'app.kubernetes.io/managed-by': 'bench',
    tier: 'backend',
  };
}

function container(app: string): Record<string, unknown> {
  return {
    name: app,
    image: `registry.example.com/bench/${app}:1.27.3`,
    imagePullPolicy: 'IfNotPresent',
    args: ['--listen=:8080', '--metrics=:9090', '--log-level=info'],
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: [
      { name: 'APP_NAME', value: app },
      { name: 'GOMAXPROCS', value: '2' },
      { name: 'DATABASE_URL', value: 'postgres://db.bench-shop.svc:5432/shop' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    resources: {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port: 8080, scheme: 'HTTP' },
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
      initialDelaySeconds: 15,
      periodSeconds: 20,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

function podSpec(app: string): Record<string, unknown> {
  return {
    containers: [container(app)],
    volumes: [{ name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    schedulerName: 'default-scheduler',
    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
  };
}

function ownerReference(owner: Owner): Record<string, unknown> {
  return { ...owner, controller: true, blockOwnerDeletion: true };
}

export function deployment(namespace: string, app: string, replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace, labels: labelsFor(app) },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: labelsFor(app) }, spec: podSpec(app) },
    },
  };
}

export function replicaSet(namespace: string, app: string, replicas: number, owner: Owner) {
  const labels = { ...labelsFor(app), 'pod-template-hash': TEMPLATE_HASH };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${app}-${TEMPLATE_HASH}`,
      namespace,
      labels,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [ownerReference(owner)],
    },
    spec: {
      replicas,
      selector: { matchLabels: { app, 'pod-template-hash': TEMPLATE_HASH } },
      template: { metadata: { labels }, spec: podSpec(app) },
    },
  };
}

export function pod(namespace: string, app: string, index: number, node: string, owner: Owner) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${owner.name}-${index.toString(36).padStart(5, '0')}`,
      namespace,
      labels: { ...labelsFor(app), 'pod-template-hash': TEMPLATE_HASH },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9090',
        'kubectl.kubernetes.io/default-container': app,
      },
      ownerReferences: [ownerReference(owner)],
    },
    spec: { ...podSpec(app), nodeName: node },
  };
}

/** What a kubelet reports once the pod runs: a merge patch to /status. */
export function runningStatus(ip: string, startedAt: string, app: string): Record<string, unknown> {
  const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: startedAt });
  return {
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: '10.0.0.1',
      startTime: startedAt,
      qosClass: 'Burstable',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
      containerStatuses: [
        {
          name: app,
          ready: true,
          started: true,
          restartCount: 0,
          image: `registry.example.com/bench/${app}:1.27.3`,
          imageID: `registry.example.com/bench/${app}@sha256:${'ab'.repeat(32)}`,
          containerID: `containerd://${'cd'.repeat(32)}`,
          state: { running: { startedAt } },
        },
      ],
    },
  };
}
