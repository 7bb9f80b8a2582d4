import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '../json/json-value.js';
import { Authenticator, type AuthorizationRecord } from './access-control.js';
import { ApiServer, type RequestLogEntry } from './api-server.js';
import { DEFAULT_EVENT_TTL_SECONDS, expireEvents } from './event-ttl.js';
import type { FaultInjector } from './faults.js';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceService } from './resource-service.js';

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Where to write a kubeconfig for kubectl and client-node once the server listens. */
  kubeconfigPath?: string;
  /** Interval of BOOKMARK events on watches that ask for them. */
  bookmarkIntervalMs?: number;
  watchTimeoutSeconds?: number;
  /** Enforce RBAC from stored Roles/ClusterRoles and bindings; requests then need a bearer token. */
  rbac?: boolean;
  clock?: () => Date;
  /** Events older than this (since last seen) are deleted, as the apiserver's --event-ttl does. Default 1 h. */
  eventTtlSeconds?: number;
  /** How many of the newest requests `requests` keeps (default 10,000). */
  requestLogLimit?: number;
}

/**
 * A Kubernetes API server in memory, faithful enough for kubectl and client-node: discovery, CRDs,
 * list/watch with resourceVersions, 409/410 semantics, subresources, patches and fault injection.
 */
export class Sandbox {
  private readonly sockets = new Set<Socket>();
  private suspended = false;
  private eventSweeper: NodeJS.Timeout | undefined;

  private constructor(
    private server: Server,
    readonly api: ApiServer,
    readonly authenticator: Authenticator,
    readonly host: string,
    readonly port: number,
    readonly kubeconfigPath: string | undefined,
  ) {}

  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const host = options.host ?? '127.0.0.1';
    const authenticator = new Authenticator(options.rbac ?? false);
    const api = new ApiServer({
      authenticator,
      rbac: options.rbac,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      clock: options.clock,
      requestLogLimit: options.requestLogLimit,
    });
    const server = Sandbox.createHttpServer(api);
    await Sandbox.listen(server, options.port ?? 0, host);
    const port = (server.address() as AddressInfo).port;
    const sandbox = new Sandbox(server, api, authenticator, host, port, options.kubeconfigPath);
    sandbox.track(server);
    const ttl = options.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS;
    const now = options.clock ?? (() => new Date());
    sandbox.eventSweeper = setInterval(
      () => expireEvents(api.store, now().getTime(), ttl),
      Math.min(60_000, ttl * 250),
    );
    sandbox.eventSweeper.unref();
    if (options.kubeconfigPath)
      await writeKubeconfig(options.kubeconfigPath, sandbox.url, authenticator.adminToken);
    return sandbox;
  }

  private static createHttpServer(api: ApiServer): Server {
    const server = createServer((req, res) => {
      void api.handle(req, res);
    });
    server.keepAliveTimeout = 5_000;
    return server;
  }

  private static listen(server: Server, port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private track(server: Server): void {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get store(): ObjectStore {
    return this.api.store;
  }
  get service(): ResourceService {
    return this.api.service;
  }
  get registry(): ResourceRegistry {
    return this.api.registry;
  }
  get faults(): FaultInjector {
    return this.api.faults;
  }
  /**
   * The newest requests received (up to `requestLogLimit`), oldest first: method, path, query, body, status,
   * user. `seq` numbers every request ever received, so select "since" by seq rather than by index.
   */
  get requests(): RequestLogEntry[] {
    return this.api.requests;
  }

  /**
   * With RBAC on: every authorization decision about a user outside system:masters (a service account, say),
   * oldest first: the request attributes, allowed or denied, and the binding, role and rule index that allowed
   * it. A denied request is also in `requests` with status 403.
   */
  get authorizations(): AuthorizationRecord[] {
    return this.api.authorizations;
  }

  /** The admin kubeconfig as YAML. */
  kubeconfig(): string {
    return kubeconfigYaml(this.url, this.authenticator.adminToken);
  }

  /** A client-node KubeConfig for the admin user. */
  kubeConfig(token = this.authenticator.adminToken): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml(this.url, token));
    return kc;
  }

  /** Reads an object straight from storage (stored shape), or undefined. */
  getObject(
    group: string,
    plural: string,
    namespace: string | undefined,
    name: string,
  ): JsonObject | undefined {
    return this.store.get(group ? `${plural}.${group}` : plural, namespace, name);
  }

  /** Creates an object through the same admission path as the API (built-in or custom). */
  create(group: string, version: string, plural: string, object: JsonObject): JsonObject {
    const type = this.registry.find(group, version, plural);
    if (!type) throw new Error(`the sandbox does not serve ${group}/${version} ${plural}`);
    const namespace = type.namespaced
      ? String((object.metadata as JsonObject | undefined)?.namespace ?? 'default')
      : undefined;
    return this.service.create(type, version, namespace, object).object;
  }

  /** API outage: stop listening and cut every connection. `resume()` listens on the same port again. */
  async suspend(): Promise<void> {
    if (this.suspended) return;
    this.suspended = true;
    this.api.closeAllWatches();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async resume(): Promise<void> {
    if (!this.suspended) return;
    this.server = Sandbox.createHttpServer(this.api);
    this.track(this.server);
    await Sandbox.listen(this.server, this.port, this.host);
    this.suspended = false;
  }

  /** Stops for good: an outage nobody resumes. */
  stop(): Promise<void> {
    clearInterval(this.eventSweeper);
    return this.suspend();
  }
}

export function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return Sandbox.start(options);
}
