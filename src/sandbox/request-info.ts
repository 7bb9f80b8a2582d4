/** What a request path names, in the apiserver's terms (RequestInfo). */
export type RequestTarget =
  | { kind: 'nonResource'; path: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      namespace?: string;
      resource: string;
      name?: string;
      subresource?: string;
    };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestPath(pathname: string): RequestTarget {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return { kind: 'nonResource', path: `/${parts.join('/')}` };
  }
  // /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]], except the namespace's own subresources.
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2] as string))
  ) {
    return {
      kind: 'resource',
      group,
      version,
      namespace: rest[1],
      resource: rest[2] as string,
      name: rest[3],
      subresource: rest[4],
    };
  }
  return {
    kind: 'resource',
    group,
    version,
    resource: rest[0] as string,
    name: rest[1],
    subresource: rest[2],
  };
}
