/**
 * The Deployment the remediation e2e tests run: one container with small requests (the simulated nodes have 4
 * cores) and limits (so memory and CPU-to-limit features exist), misbehaving as its annotations say
 * (docs/simulator.md, "Failures on demand").
 */
export function appDeployment(options: {
  name: string;
  /** Prefix of the image name (`<imagePrefix>/<name>:1`), usually the namespace. */
  imagePrefix: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  replicas?: number;
}) {
  const { name } = options;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...options.labels }, annotations: options.annotations ?? {} },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `${options.imagePrefix}/${name}:1`,
              resources: { requests: { cpu: '50m' }, limits: { cpu: '500m', memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
}
