import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { builtinResources } from '../../src/sandbox/builtin-resources.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';

// The kubectl commands that send protobuf bodies (`create`), against the sandbox, checked through `get -o json`.
const run = promisify(execFile);
let sandbox: Sandbox;
let dir: string;
/** PodDisruptionBudgets are being added to the sandbox by another change; the test runs once they are served. */
const servesPdbs = builtinResources().some(
  (t) => t.group === 'policy' && t.plural === 'poddisruptionbudgets',
);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubectl-create-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
});
afterAll(async () => {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(...extra: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const args = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...extra];
  try {
    const { stdout, stderr } = await run('kubectl', args, { timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

async function getJson(...what: string[]) {
  const got = await kubectl('get', ...what, '-o', 'json');
  expect(got.stderr).toBe('');
  return JSON.parse(got.stdout);
}

/** The content type of the last POST to `path`: proves the protobuf path was the one exercised. */
function lastPostContentType(path: string): string | undefined {
  return sandbox.requests.findLast((r) => r.method === 'POST' && r.path === path)?.contentType;
}

describe('kubectl create with protobuf bodies', () => {
  it('creates a namespace and a deployment, and scales it', async () => {
    const ns = await kubectl('create', 'namespace', 'payments');
    expect(ns.stderr).toBe('');
    expect(ns.stdout).toContain('namespace/payments created');
    expect(lastPostContentType('/api/v1/namespaces')).toBe('application/vnd.kubernetes.protobuf');
    expect((await getJson('namespace', 'payments')).status.phase).toBe('Active');

    const created = await kubectl(
      'create',
      'deployment',
      'web',
      '--image=nginx',
      '--replicas=3',
      '-n',
      'payments',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('deployment.apps/web created');
    expect(lastPostContentType('/apis/apps/v1/namespaces/payments/deployments')).toBe(
      'application/vnd.kubernetes.protobuf',
    );
    const web = await getJson('deployment', 'web', '-n', 'payments');
    expect(web.metadata.labels).toEqual({ app: 'web' });
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(web.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(web.spec.template.spec.containers).toEqual([
      expect.objectContaining({ name: 'nginx', image: 'nginx' }),
    ]);
    // The same defaulting as a JSON create.
    expect(web.spec.strategy.type).toBe('RollingUpdate');
    expect(web.spec.template.spec.restartPolicy).toBe('Always');

    const scaled = await kubectl('scale', 'deployment', 'web', '--replicas=5', '-n', 'payments');
    expect(scaled.stdout).toContain('deployment.apps/web scaled');
    expect((await getJson('deployment', 'web', '-n', 'payments')).spec.replicas).toBe(5);
  });

  it('creates a configmap and secrets (generic, docker-registry) with their data', async () => {
    const cm = await kubectl(
      'create',
      'configmap',
      'app-config',
      '-n',
      'payments',
      '--from-literal=mode=fast',
      '--from-literal=level=3',
    );
    expect(cm.stdout).toContain('configmap/app-config created');
    expect((await getJson('configmap', 'app-config', '-n', 'payments')).data).toEqual({
      mode: 'fast',
      level: '3',
    });

    const secret = await kubectl(
      'create',
      'secret',
      'generic',
      'creds',
      '-n',
      'payments',
      '--from-literal=user=admin',
      '--from-literal=password=s3cr3t',
    );
    expect(secret.stdout).toContain('secret/creds created');
    const creds = await getJson('secret', 'creds', '-n', 'payments');
    expect(creds.data).toEqual({ user: 'YWRtaW4=', password: Buffer.from('s3cr3t').toString('base64') });

    const registry = await kubectl(
      'create',
      'secret',
      'docker-registry',
      'pull',
      '-n',
      'payments',
      '--docker-server=registry.example',
      '--docker-username=u',
      '--docker-password=p',
    );
    expect(registry.stdout).toContain('secret/pull created');
    const pull = await getJson('secret', 'pull', '-n', 'payments');
    expect(pull.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString('utf8'));
    expect(config.auths['registry.example']).toMatchObject({ username: 'u', password: 'p' });
  });

  it('creates ClusterIP and NodePort services with their ports', async () => {
    const api = await kubectl('create', 'service', 'clusterip', 'api', '--tcp=80:8080', '-n', 'payments');
    expect(api.stdout).toContain('service/api created');
    const svc = await getJson('service', 'api', '-n', 'payments');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({ app: 'api' });
    expect(svc.spec.ports).toEqual([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);

    const np = await kubectl(
      'create',
      'service',
      'nodeport',
      'np',
      '--tcp=443:https',
      '--node-port=30443',
      '-n',
      'payments',
    );
    expect(np.stdout).toContain('service/np created');
    const nodePort = await getJson('service', 'np', '-n', 'payments');
    expect(nodePort.spec.type).toBe('NodePort');
    expect(nodePort.spec.ports).toEqual([
      { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https', nodePort: 30443 },
    ]);
  });

  it.skipIf(!servesPdbs)('creates a pod disruption budget', async () => {
    const pdb = await kubectl(
      'create',
      'pdb',
      'web',
      '--selector=app=web',
      '--min-available=50%',
      '-n',
      'payments',
    );
    expect(pdb.stdout).toContain('poddisruptionbudget.policy/web created');
    const got = await getJson('pdb', 'web', '-n', 'payments');
    expect(got.spec).toMatchObject({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
  });

  it('answers a clean 404 for kinds the sandbox does not serve (jobs, cronjobs)', async () => {
    for (const args of [
      ['job', 'once', '--image=busybox'],
      ['cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *'],
    ]) {
      const result = await kubectl('create', ...args, '-n', 'payments');
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('the server could not find the requested resource');
    }
    const statuses = sandbox.requests.filter((r) => r.path.startsWith('/apis/batch/')).map((r) => r.status);
    expect(statuses).toEqual([404, 404]);
  });

  it('still takes JSON from kubectl run, apply and patch', async () => {
    const pod = await kubectl('run', 'shell', '--image=busybox', '-n', 'payments');
    expect(pod.stdout).toContain('pod/shell created');
    expect(lastPostContentType('/api/v1/namespaces/payments/pods')).toBe('application/json');

    const manifest = join(dir, 'cm.yaml');
    await writeFile(
      manifest,
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'applied', namespace: 'payments' },
        data: { k: 'v' },
      }),
    );
    expect((await kubectl('apply', '-f', manifest)).stdout).toContain('configmap/applied created');

    const patched = await kubectl(
      'patch',
      'deployment',
      'web',
      '-n',
      'payments',
      '-p',
      JSON.stringify({
        spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
      }),
    );
    expect(patched.stdout).toContain('deployment.apps/web patched');
    const web = await getJson('deployment', 'web', '-n', 'payments');
    expect(web.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect((await getJson('configmap', 'applied', '-n', 'payments')).data).toEqual({ k: 'v' });
  });

  it('answers a corrupt protobuf body with a 400 Status naming the problem', async () => {
    const post = (body: Buffer) =>
      fetch(`${sandbox.url}/apis/apps/v1/namespaces/payments/deployments`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${sandbox.authenticator.adminToken}`,
          'Content-Type': 'application/vnd.kubernetes.protobuf',
        },
        body,
      });
    // The envelope claims a 200-byte raw object that is not there.
    const truncated = await post(
      Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x12, 0xc8, 0x01, 0x0a])]),
    );
    expect(truncated.status).toBe(400);
    expect(truncated.headers.get('content-type')).toBe('application/json');
    const status = (await truncated.json()) as Record<string, unknown>;
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(status.message).toMatch(
      /couldn't decode the protobuf body as Deployment: invalid runtime\.Unknown envelope/,
    );

    const json = await post(Buffer.from(JSON.stringify({ kind: 'Deployment' })));
    expect(json.status).toBe(400);
    expect(((await json.json()) as { message: string }).message).toContain('"k8s\\x00" prefix');
  });
});
