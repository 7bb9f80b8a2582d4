import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../json/json-value.js';
import { schemaForVersion } from './crd-resources.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceType } from './resource-type.js';

/**
 * OpenAPI v3 discovery, enough for `kubectl apply` to validate without --validate=false: every PATCH
 * operation declares the `fieldValidation` query parameter, so kubectl leaves validation to the server
 * (which the sandbox performs for custom resources). Strategic merge patch is deliberately not advertised
 * here, so kubectl computes it from its compiled-in types rather than from schemas the sandbox lacks.
 */
function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiV3Root(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  const seen = new Set<string>();
  for (const type of registry.all()) {
    for (const version of type.versions) {
      const path = gvPath(type.group, version);
      if (seen.has(path)) continue;
      seen.add(path);
      const hash = createHash('sha256')
        .update(JSON.stringify(openApiV3GroupVersion(registry, type.group, version)))
        .digest('hex');
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash.slice(0, 32).toUpperCase()}` };
    }
  }
  return { paths };
}

function operation(type: ResourceType, version: string, action: string, params: string[]): JsonObject {
  return {
    operationId: `${action}${type.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version, kind: type.kind },
    parameters: params.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    requestBody:
      action === 'patch'
        ? {
            content: {
              'application/json-patch+json': { schema: { type: 'object' } },
              'application/merge-patch+json': { schema: { type: 'object' } },
              'application/apply-patch+yaml': { schema: { type: 'object' } },
            },
            required: true,
          }
        : undefined,
    responses: { '200': { description: 'OK' } },
  } as JsonObject;
}

export function openApiV3GroupVersion(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  const writeParams = ['dryRun', 'fieldManager', 'fieldValidation'];
  for (const type of types) {
    const base = `/${gvPath(group, version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
    paths[base] = {
      get: operation(type, version, 'list', []),
      post: operation(type, version, 'post', writeParams),
    };
    paths[`${base}/{name}`] = {
      get: operation(type, version, 'get', []),
      put: operation(type, version, 'put', writeParams),
      patch: operation(type, version, 'patch', [...writeParams, 'force']),
      delete: operation(type, version, 'delete', ['dryRun']),
    };
    const schema = schemaForVersion(type, version);
    if (schema) {
      const reversed = group.split('.').reverse().join('.');
      schemas[`${reversed}.${version}.${type.kind}`] = {
        ...(schema as unknown as JsonObject),
        'x-kubernetes-group-version-kind': [{ group, version, kind: type.kind }] as JsonValue,
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: JSON.parse(JSON.stringify(paths)) as JsonObject,
    components: { schemas },
  };
}
