import type { JsonObject } from '../json/json-value.js';
import { openApiV3GroupVersion, openApiV3Root } from './openapi.js';
import type { ResourceRegistry } from './resource-registry.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

/** kubectl on these machines picks its minor version from this answer; keep it on a release it ships. */
export const SERVER_VERSION: JsonObject = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function coreVersions(): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  };
}

function groupEntry(name: string, versions: string[], preferred: string): JsonObject {
  return {
    name,
    versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
    preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
  };
}

export function groupList(registry: ResourceRegistry): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map((g) => groupEntry(g.name, g.versions, g.preferredVersion)),
  };
}

export function apiGroup(registry: ResourceRegistry, name: string): JsonObject | undefined {
  const group = registry.groups().find((g) => g.name === name);
  return group
    ? {
        kind: 'APIGroup',
        apiVersion: 'v1',
        ...groupEntry(group.name, group.versions, group.preferredVersion),
      }
    : undefined;
}

function resourceEntries(type: ResourceType): JsonObject[] {
  const entries: JsonObject[] = [
    {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: VERBS,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    },
  ];
  if (type.statusSubresource) {
    entries.push({
      name: `${type.plural}/status`,
      singularName: '',
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (type.group === '' && type.plural === 'pods') {
    entries.push(
      { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] },
      {
        name: 'pods/eviction',
        singularName: '',
        namespaced: true,
        group: 'policy',
        version: 'v1',
        kind: 'Eviction',
        verbs: ['create'],
      },
    );
  }
  if (type.scale) {
    entries.push({
      name: `${type.plural}/scale`,
      singularName: '',
      namespaced: type.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  }
  return entries;
}

export function resourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  if (!registry.hasGroupVersion(group, version)) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(group, version),
    resources: registry.inGroupVersion(group, version).flatMap(resourceEntries),
  };
}

/** Bodies of the non-resource GET endpoints: version, discovery, OpenAPI v3 and health. */
export function nonResourceBody(registry: ResourceRegistry, path: string): JsonObject | undefined {
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api') return coreVersions();
  if (path === '/apis') return groupList(registry);
  if (path === '/healthz' || path === '/readyz' || path === '/livez') return { status: 'ok' };
  if (path === '/openapi/v3') return openApiV3Root(registry);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) return resourceList(registry, '', parts[1] as string);
  if (parts[0] === 'apis' && parts.length === 2) return apiGroup(registry, parts[1] as string);
  if (parts[0] === 'apis' && parts.length === 3)
    return resourceList(registry, parts[1] as string, parts[2] as string);
  if (parts[0] === 'openapi' && parts[1] === 'v3') {
    if (parts[2] === 'api' && parts.length === 4)
      return openApiV3GroupVersion(registry, '', parts[3] as string);
    if (parts[2] === 'apis' && parts.length === 5)
      return openApiV3GroupVersion(registry, parts[3] as string, parts[4] as string);
  }
  return undefined;
}
