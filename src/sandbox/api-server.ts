import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject, JsonValue } from '../json/json-value.js';
import { type Authenticator, type AuthorizationRecord, authorizeRequest } from './access-control.js';
import type { FieldValidation } from './admission.js';
import { ApiError, badRequest, methodNotAllowed } from './api-error.js';
import { builtinResources } from './builtin-resources.js';
import { parseDeleteOptions } from './delete-options.js';
import { nonResourceBody } from './discovery.js';
import { FaultInjector } from './faults.js';
import { type ListQuery, matchesQuery, paginate, parseListQuery } from './list-query.js';
import { meta } from './object-meta.js';
import { ObjectStore } from './object-store.js';
import { patchTypeOf } from './patch.js';
import { isPodActionSubresource, servePodAction } from './pod-subresources.js';
import { parseRequestObject, readBody } from './request-body.js';
import { parseRequestPath, type RequestTarget } from './request-info.js';
import { RequestLog } from './request-log.js';
import { ResourceRegistry } from './resource-registry.js';
import { type DeleteOptions, ResourceService } from './resource-service.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';
import { serveScale } from './scale.js';
import { toTable, wantsTable } from './table.js';
import { WatchStream } from './watch-stream.js';

export interface RequestLogEntry {
  seq: number;
  time: Date;
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  /** The body as UTF-8 text (JSON, YAML); meaningless for protobuf, whose bytes are in `rawBody`. */
  body?: string;
  rawBody?: Buffer;
  user?: string;
  status?: number;
  watch: boolean;
}

export interface ApiServerOptions {
  bookmarkIntervalMs?: number;
  watchTimeoutSeconds?: number;
  clock?: () => Date;
  authenticator: Authenticator;
  /** Check every request against stored RBAC objects (off: every authenticated user is admin). */
  rbac?: boolean;
  /** How many of the newest requests `requests` keeps (default 10,000). */
  requestLogLimit?: number;
}

function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn';
  if (value !== 'Strict' && value !== 'Warn' && value !== 'Ignore') {
    throw badRequest(`fieldValidation: Invalid value: "${value}": must be one of Ignore, Warn, Strict`);
  }
  return value;
}

function send(res: ServerResponse, status: number, body: JsonValue, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(status, headers);
  res.end(text);
}

/** A DELETE may carry DeleteOptions (JSON or protobuf) or nothing. */
function deleteOptionsBody(entry: RequestLogEntry): JsonObject | undefined {
  if (!entry.rawBody || entry.rawBody.length === 0) return undefined;
  return parseRequestObject(entry, { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' });
}

/** The sandbox's request pipeline: log, faults, authentication, authorization, then the API itself. */
export class ApiServer {
  readonly store = new ObjectStore();
  readonly registry = new ResourceRegistry(builtinResources());
  readonly service: ResourceService;
  readonly requests: RequestLogEntry[];
  /** RBAC decisions on the requests of users outside system:masters (newest `requestLogLimit`), with RBAC on. */
  readonly authorizations: AuthorizationRecord[];
  readonly faults: FaultInjector;
  private readonly watches = new Set<WatchStream>();
  private seq = 0;

  private readonly clock: () => Date;

  constructor(private readonly options: ApiServerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.service = new ResourceService(this.store, this.registry, this.clock);
    this.requests = RequestLog.bounded(options.requestLogLimit ?? 10_000);
    this.authorizations = RequestLog.bounded(options.requestLogLimit ?? 10_000);
    this.faults = new FaultInjector({
      dropWatches: () => {
        const open = [...this.watches];
        for (const w of open) w.drop();
        return open.length;
      },
      compact: () => this.store.compact(),
    });
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.service.create(this.type('', 'v1', 'namespaces'), 'v1', undefined, { metadata: { name: ns } });
    }
  }

  get openWatchCount(): number {
    return this.watches.size;
  }

  closeAllWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  private type(group: string, version: string, plural: string): ResourceType {
    const type = this.registry.find(group, version, plural);
    if (!type) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return type;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      time: new Date(),
      method,
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      watch: url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1',
    };
    this.requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      entry.status ??= res.statusCode;
    });
    try {
      if (method !== 'GET') {
        entry.rawBody = await readBody(req);
        entry.body = entry.rawBody.toString('utf8');
      }
      const fault = this.faults.decide(method, url.pathname);
      if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.fail)
        throw new ApiError(
          fault.fail.status,
          fault.fail.status >= 500 ? 'InternalError' : 'BadRequest',
          fault.fail.message,
        );
      const user = this.options.authenticator.authenticate(req.headers.authorization);
      entry.user = user.name;
      const target = parseRequestPath(url.pathname);
      if (this.options.rbac) {
        const record = user.groups.includes('system:masters')
          ? undefined
          : (attributes: AuthorizationRecord['attributes'], decision: AuthorizationRecord['decision']) =>
              this.authorizations.push({ seq: entry.seq, attributes, decision });
        authorizeRequest(user, method, target, url.searchParams, this.rbacObjects(), record);
      }
      await this.route(target, method, url.searchParams, entry, req, res);
    } catch (err) {
      const apiError =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'InternalError', `internal error: ${(err as Error).message}`);
      if (!res.headersSent) send(res, apiError.code, apiError.toStatus());
      else res.destroy();
    }
  }

  private rbacObjects() {
    const list = (plural: string) => this.store.list(`${plural}.rbac.authorization.k8s.io`);
    return {
      roles: list('roles'),
      clusterRoles: list('clusterroles'),
      roleBindings: list('rolebindings'),
      clusterRoleBindings: list('clusterrolebindings'),
    };
  }

  private async route(
    target: RequestTarget,
    method: string,
    query: URLSearchParams,
    entry: RequestLogEntry,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (target.kind === 'nonResource') {
      if (method !== 'GET') throw methodNotAllowed(`${method} is not supported on ${target.path}`);
      const body = nonResourceBody(this.registry, target.path);
      if (!body) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      send(res, 200, body);
      return;
    }
    const { group, version, namespace, name, subresource } = target;
    if (!target.resource) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const type = this.type(group, version, target.resource);
    if (!type.namespaced && namespace !== undefined) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (
      subresource &&
      !(subresource === 'status' && type.statusSubresource) &&
      !(subresource === 'scale' && type.scale) &&
      !isPodActionSubresource(type, subresource)
    ) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const dryRun = query.get('dryRun') === 'All';
    const accept = req.headers.accept;
    const tableOptions = wantsTable(accept)
      ? { includeObject: query.get('includeObject') ?? undefined }
      : undefined;

    if (method === 'GET' && name === undefined) {
      const listQuery = parseListQuery(type, query);
      if (entry.watch) {
        this.watch(type, version, namespace, listQuery, tableOptions, res, target);
        return;
      }
      send(res, 200, this.list(type, version, namespace, listQuery, tableOptions));
      return;
    }
    if (method === 'POST' && name === undefined) {
      const body = parseRequestObject(entry, { apiVersion: apiVersionOf(group, version), kind: type.kind });
      const result = this.service.create(type, version, namespace, body, {
        dryRun,
        fieldValidation: fieldValidationOf(query),
      });
      send(res, 201, result.object, result.warnings);
      return;
    }
    if (method === 'DELETE' && name === undefined) {
      send(
        res,
        200,
        this.deleteCollection(
          type,
          version,
          namespace,
          parseListQuery(type, query),
          parseDeleteOptions(deleteOptionsBody(entry), query),
        ),
      );
      return;
    }
    if (name === undefined) throw methodNotAllowed(`${method} is not supported on a collection`);

    if (isPodActionSubresource(type, subresource)) {
      if (method !== 'POST') throw methodNotAllowed(`${method} is not supported on pods/${subresource}`);
      const answer = servePodAction(
        { store: this.store, service: this.service, registry: this.registry, clock: this.clock, dryRun },
        type,
        namespace ?? 'default',
        name,
        subresource ?? '',
        parseRequestObject(
          entry,
          subresource === 'eviction'
            ? { apiVersion: 'policy/v1', kind: 'Eviction' }
            : { apiVersion: 'v1', kind: 'Binding' },
        ),
      );
      send(res, answer.code, answer.body);
      return;
    }
    if (subresource === 'scale' && type.scale) {
      const request = {
        method,
        body: entry.body,
        contentType: entry.contentType,
        dryRun,
        parseObject: () => parseRequestObject(entry, { apiVersion: 'autoscaling/v1', kind: 'Scale' }),
      };
      send(res, 200, serveScale(this.service, type, version, namespace, name, type.scale, request));
      return;
    }
    const sub = subresource === 'status' ? 'status' : undefined;
    switch (method) {
      case 'GET': {
        const object = this.service.get(type, version, namespace, name);
        send(
          res,
          200,
          tableOptions
            ? toTable(
                type,
                version,
                [object],
                { resourceVersion: meta(object).resourceVersion ?? '' },
                tableOptions,
              )
            : object,
        );
        return;
      }
      case 'PUT': {
        const body = parseRequestObject(entry, { apiVersion: apiVersionOf(group, version), kind: type.kind });
        const result = this.service.update(type, version, namespace, name, body, {
          dryRun,
          subresource: sub,
          fieldValidation: fieldValidationOf(query),
        });
        send(res, 200, result.object, result.warnings);
        return;
      }
      case 'PATCH': {
        const patchType = patchTypeOf(entry.contentType);
        if (!patchType) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${type.supportsStrategicMerge ? ', application/strategic-merge-patch+json' : ''}`,
          );
        }
        const result = this.service.patch(type, version, namespace, name, entry.body ?? '', patchType, {
          dryRun,
          subresource: sub,
          fieldManager: query.get('fieldManager') ?? undefined,
          fieldValidation: fieldValidationOf(query),
        });
        send(res, result.created ? 201 : 200, result.object, result.warnings);
        return;
      }
      case 'DELETE': {
        if (sub) throw methodNotAllowed('DELETE is not supported on the status subresource');
        const options = parseDeleteOptions(deleteOptionsBody(entry), query);
        const object = this.service.delete(type, version, namespace, name, {
          ...options,
          dryRun: dryRun || options.dryRun,
        });
        const pending = this.store.get(type.storageKey, namespace, name) !== undefined && !dryRun;
        send(res, pending ? 202 : 200, object);
        return;
      }
      default:
        throw methodNotAllowed(`${method} is not supported`);
    }
  }

  private list(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    query: ListQuery,
    table: { includeObject?: string } | undefined,
  ): JsonObject {
    const page = this.page(type, version, namespace, query);
    const listMeta: JsonObject = { resourceVersion: String(page.resourceVersion) };
    if (page.continueToken) listMeta.continue = page.continueToken;
    if (page.remaining !== undefined) listMeta.remainingItemCount = page.remaining;
    if (table) return toTable(type, version, page.items, listMeta, table);
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type.group, version),
      metadata: listMeta,
      items: page.items,
    };
  }

  private watch(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    query: ListQuery,
    table: { includeObject?: string } | undefined,
    res: ServerResponse,
    target: RequestTarget,
  ): void {
    const path =
      target.kind === 'resource'
        ? `/${type.group ? `apis/${type.group}` : 'api'}/${version}${namespace ? `/namespaces/${namespace}` : ''}/${type.plural}`
        : '';
    const stream = new WatchStream(
      { type, version, namespace, query, table, forceGone: this.faults.takeForcedGone(path) },
      res,
      this.store,
      this.service,
      {
        bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 5_000,
        defaultTimeoutSeconds: this.options.watchTimeoutSeconds ?? 1_800,
      },
      () => this.watches.delete(stream),
    );
    this.watches.add(stream);
    stream.start();
  }

  /** The objects a list selects, converted to `version`; one page of them when the query pages. */
  private page(type: ResourceType, version: string, namespace: string | undefined, query: ListQuery) {
    return paginate(
      this.store.scan(type.storageKey, namespace),
      (stored) => {
        const o = this.service.toExternal(type, version, stored);
        return matchesQuery(query, o) ? o : undefined;
      },
      query,
      this.store,
    );
  }

  private deleteCollection(
    type: ResourceType,
    version: string,
    namespace: string | undefined,
    query: ListQuery,
    options: DeleteOptions,
  ): JsonObject {
    // Every selected object: a delete-collection does not page.
    const all = { ...query, limit: undefined, continueToken: undefined };
    const deleted = this.page(type, version, namespace, all).items.map((o) =>
      this.service.delete(
        type,
        version,
        namespace ?? (meta(o).namespace as string | undefined),
        String(meta(o).name),
        options,
      ),
    );
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type.group, version),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items: deleted,
    };
  }
}
