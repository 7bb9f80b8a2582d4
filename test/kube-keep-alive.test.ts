import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT_MS, KeepAliveAgents } from '../src/kube/keep-alive-agents.js';
import { KubeRest } from '../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { startKeepAliveServer } from './support/keep-alive-server.js';
import { waitFor } from './support/wait-for.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

/** A TCP proxy in front of the sandbox that counts the connections made through it. */
async function countingProxy(
  port: number,
): Promise<{ url: string; connections: () => number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('requests to the API server share connections', () => {
  let sandbox: Sandbox;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let rest: KubeRest;

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, bookmarkIntervalMs: 60_000 });
    proxy = await countingProxy(Number(new URL(sandbox.url).port));
    const kc = sandbox.kubeConfig();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster');
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: proxy.url } : c));
    rest = new KubeRest(kc);
  });
  afterEach(async () => {
    await proxy.close();
    await sandbox.stop();
  });

  it('makes twenty requests over one connection, not twenty', async () => {
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) {
        await rest.request({
          method: 'POST',
          path: LEASES,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: `l-${i}` },
            spec: {},
          },
        });
      } else await rest.request({ method: 'GET', path: LEASES });
    }
    expect(proxy.connections()).toBe(1);
  });

  it('opens a new connection when the kept one was closed, and the request succeeds', async () => {
    await rest.request({ method: 'GET', path: LEASES });
    proxy.cut();
    // Once the agent has heard the close it drops the socket, and the next request opens a new one.
    const agents = (rest as unknown as { agents: { agents: Map<string, HttpAgent> } }).agents.agents;
    const idle = () =>
      [...agents.values()].reduce((n, a) => n + Object.values(a.freeSockets).flat().length, 0);
    await waitFor('the kept connection seen closed', () => idle() === 0);
    const list = await rest.request<{ items: unknown[] }>({ method: 'GET', path: LEASES });
    expect(list.items).toEqual([]);
    expect(proxy.connections()).toBe(2);
  });
});

describe('an idle connection to the API server', () => {
  it('is closed by the engine before the server closes it, so no request is sent on a closing connection', async () => {
    const server = await startKeepAliveServer(2, { kind: 'LeaseList', items: [] });
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
        users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      await new KubeRest(kc).request({ method: 'GET', path: LEASES });
      await waitFor('the idle connection closed', () => server.closes.length === 1, { timeoutMs: 10_000 });
      expect(server.closes[0]?.by).toBe('client');
      // A second before the advertised 2 s (Node's agent's margin), not at the agent's own 30 s.
      expect(server.closes[0]?.idleMs).toBeLessThan(2_000);
    } finally {
      await server.stop();
    }
  });
});

describe('KeepAliveAgents', () => {
  it('hands out one keep-alive agent per set of connection options, and leaves other agents alone', () => {
    const agents = new KeepAliveAgents();
    const a = agents.reuse(new HttpsAgent({ ca: 'CA-1', rejectUnauthorized: true }));
    const b = agents.reuse(new HttpsAgent({ ca: 'CA-1', rejectUnauthorized: true }));
    const c = agents.reuse(new HttpsAgent({ ca: 'CA-2', rejectUnauthorized: true }));
    const d = agents.reuse(new HttpsAgent({ ca: 'CA-1', rejectUnauthorized: false }));
    const e = agents.reuse(new HttpAgent({}));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    expect(e).not.toBe(a);
    expect(e).toBeInstanceOf(HttpAgent);
    expect(a).toBeInstanceOf(HttpsAgent);
    expect((a as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
    // Without a timeout of its own, Node 20's agent ignores the server's keep-alive hint.
    expect((a as unknown as { options: { timeout: unknown } }).options.timeout).toBe(IDLE_TIMEOUT_MS);
    expect((a as unknown as { options: { ca: unknown } }).options.ca).toBe('CA-1');
    // A proxy agent (a subclass, as client-node's proxy agents are) is used as it is.
    class ProxyAgent extends HttpAgent {}
    const proxyAgent = new ProxyAgent();
    expect(agents.reuse(proxyAgent)).toBe(proxyAgent);
  });

  it('is what KubeRest uses: a kubeconfig with a CA gets the same agent for every request', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: 'c', server: 'https://127.0.0.1:1', caData: Buffer.from('not a CA').toString('base64') },
      ],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const agents = new KeepAliveAgents();
    const seen = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const context = {
        agent: undefined as unknown,
        setHeaderParam() {},
        setAgent(agent: unknown) {
          this.agent = agent;
        },
      };
      await kc.applySecurityAuthentication(context as never);
      seen.add(agents.reuse(context.agent as HttpsAgent));
    }
    expect(seen.size).toBe(1);
  });
});
