import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { parse } from 'yaml';
import { createApi } from '../../src/api/api.js';
import type { ApiDeps } from '../../src/api/api-deps.js';
import { HEALTH_ROUTES } from '../../src/server/http-servers.js';

/** The operations docs/api/openapi.yaml documents, and those the engine's API port implements ("GET /path"). */

export type Json = Record<string, unknown>;

export function documentedOperations(): string[] {
  const doc = parse(readFileSync(new URL('../../docs/api/openapi.yaml', import.meta.url), 'utf8')) as Json;
  const paths = doc.paths as Record<string, Json>;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** The route table itself; the dependencies are never called while routes are only listed. */
export function implementedOperations(): string[] {
  const unused = new Proxy({}, { get: () => () => undefined }) as unknown as ApiDeps;
  const api = createApi({ ...unused, logger: pino({ level: 'silent' }), now: Date.now });
  return [...api.routes.map((r) => `${r.method} ${r.path}`), ...HEALTH_ROUTES.map((path) => `GET ${path}`)];
}
