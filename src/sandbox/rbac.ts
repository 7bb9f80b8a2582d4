/**
 * Kubernetes RBAC authorisation as a pure function over stored rbac.authorization.k8s.io/v1 objects,
 * following the apiserver's RBAC authorizer (rule matching, subject matching, binding order, reasons) plus the
 * bootstrap policy every cluster has (discovery, health and self-review access for authenticated users).
 * Forbidden messages match the apiserver's so clients and tests see the real text.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { labelSelectorFromObject, matchesLabels } from './selectors.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Set for requests outside the resource API (`/version`, `/metrics`); resource fields are then ignored. */
  nonResourcePath?: string;
}

export interface RbacObjects {
  roles: JsonObject[];
  clusterRoles: JsonObject[];
  roleBindings: JsonObject[];
  clusterRoleBindings: JsonObject[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
  /** For an allowed request: the binding, the role and the index of the rule (in the role's effective rules). */
  grant?: Grant;
}

export interface Grant {
  binding: { kind: 'ClusterRoleBinding' | 'RoleBinding'; namespace?: string; name: string };
  role: { kind: 'ClusterRole' | 'Role'; namespace?: string; name: string };
  rule: number;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

const SA_PREFIX = 'system:serviceaccount:';

/** The identity the apiserver gives a service account token, with its implied groups. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `${SA_PREFIX}${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

/** Bootstrap ClusterRoles bound to system:authenticated in every cluster (system:discovery and friends). */
const AUTHENTICATED_RULES: PolicyRule[] = [
  rule(
    ['get'],
    [],
    [],
    [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/readyz',
      '/version',
      '/version/',
      '/openapi',
      '/openapi/*',
    ],
  ),
  rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], []),
  rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'], []),
];
/** system:public-info-viewer, bound to unauthenticated users too. */
const PUBLIC_RULES: PolicyRule[] = [
  rule(['get'], [], [], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
];

function rule(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  nonResourceURLs: string[],
): PolicyRule {
  return { verbs, apiGroups, resources, resourceNames: [], nonResourceURLs };
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toRule(value: JsonValue): PolicyRule | undefined {
  if (!isJsonObject(value)) return undefined;
  return {
    verbs: strings(value.verbs),
    apiGroups: strings(value.apiGroups),
    resources: strings(value.resources),
    resourceNames: strings(value.resourceNames),
    nonResourceURLs: strings(value.nonResourceURLs),
  };
}

function meta(obj: JsonObject): { name: string; namespace: string; labels: Record<string, string> } {
  const m = isJsonObject(obj.metadata) ? obj.metadata : {};
  const labels: Record<string, string> = {};
  if (isJsonObject(m.labels)) {
    for (const [k, v] of Object.entries(m.labels)) if (typeof v === 'string') labels[k] = v;
  }
  return {
    name: typeof m.name === 'string' ? m.name : '',
    namespace: typeof m.namespace === 'string' ? m.namespace : '',
    labels,
  };
}

function ownRules(role: JsonObject): PolicyRule[] {
  return Array.isArray(role.rules)
    ? role.rules.map(toRule).filter((r): r is PolicyRule => r !== undefined)
    : [];
}

/**
 * A ClusterRole's effective rules. With an aggregationRule the aggregation controller replaces `rules` with
 * the union of the selected ClusterRoles' rules; we compute that directly so no controller has to run.
 */
export function clusterRoleRules(
  role: JsonObject,
  all: JsonObject[],
  seen: Set<string> = new Set(),
): PolicyRule[] {
  const { name } = meta(role);
  const aggregation = role.aggregationRule;
  if (!isJsonObject(aggregation)) return ownRules(role);
  if (seen.has(name)) return [];
  seen.add(name);
  const selectors = Array.isArray(aggregation.clusterRoleSelectors) ? aggregation.clusterRoleSelectors : [];
  const parsed = selectors.flatMap((s) => {
    try {
      return [labelSelectorFromObject(s)];
    } catch {
      return [];
    }
  });
  const rules: PolicyRule[] = [];
  for (const other of all) {
    const m = meta(other);
    if (m.name === name || !parsed.some((sel) => matchesLabels(sel, m.labels))) continue;
    rules.push(...clusterRoleRules(other, all, seen));
  }
  return rules;
}

function matches(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

export function ruleAllows(attrs: RequestAttributes, r: PolicyRule): boolean {
  if (!matches(r.verbs, attrs.verb)) return false;
  if (attrs.nonResourcePath !== undefined) {
    const path = attrs.nonResourcePath;
    return r.nonResourceURLs.some(
      (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
    );
  }
  if (!matches(r.apiGroups, attrs.apiGroup)) return false;
  const sub = attrs.subresource ?? '';
  const combined = sub ? `${attrs.resource}/${sub}` : attrs.resource;
  const resourceOk = r.resources.some(
    (res) => res === '*' || res === combined || (sub !== '' && res === `*/${sub}`),
  );
  if (!resourceOk) return false;
  return r.resourceNames.length === 0 || r.resourceNames.includes(attrs.name ?? '');
}

interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

function subjects(binding: JsonObject): Subject[] {
  if (!Array.isArray(binding.subjects)) return [];
  return binding.subjects.filter(isJsonObject).map((s) => ({
    kind: typeof s.kind === 'string' ? s.kind : '',
    name: typeof s.name === 'string' ? s.name : '',
    namespace: typeof s.namespace === 'string' ? s.namespace : '',
  }));
}

function effectiveGroups(user: UserInfo): string[] {
  const groups = new Set(user.groups);
  if (user.name.startsWith(SA_PREFIX)) {
    const ns = user.name.slice(SA_PREFIX.length).split(':')[0] ?? '';
    groups.add('system:serviceaccounts');
    groups.add(`system:serviceaccounts:${ns}`);
  }
  if (user.name === 'system:anonymous') groups.add('system:unauthenticated');
  else groups.add('system:authenticated');
  return [...groups];
}

function appliesTo(user: UserInfo, groups: string[], s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user.name === `${SA_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount')
    return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

function roleRef(binding: JsonObject): { kind: string; name: string } {
  const ref = isJsonObject(binding.roleRef) ? binding.roleRef : {};
  return {
    kind: typeof ref.kind === 'string' ? ref.kind : '',
    name: typeof ref.name === 'string' ? ref.name : '',
  };
}

export function authorize(attrs: RequestAttributes, rbac: RbacObjects): Decision {
  const groups = effectiveGroups(attrs.user);
  if (groups.includes('system:masters')) return { allowed: true, reason: 'user is in group system:masters' };
  const isAuthenticated = groups.includes('system:authenticated');
  const bootstrap = [...PUBLIC_RULES, ...(isAuthenticated ? AUTHENTICATED_RULES : [])];
  if (bootstrap.some((r) => ruleAllows(attrs, r))) {
    return { allowed: true, reason: 'RBAC: allowed by bootstrap policy for authenticated users' };
  }
  const errors: string[] = [];
  const clusterRoles = new Map(rbac.clusterRoles.map((r) => [meta(r).name, r]));

  for (const binding of rbac.clusterRoleBindings) {
    const ref = roleRef(binding);
    const subject = subjects(binding).find((s) => appliesTo(attrs.user, groups, s, ''));
    if (!subject) continue;
    const role = ref.kind === 'ClusterRole' ? clusterRoles.get(ref.name) : undefined;
    if (!role) {
      errors.push(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      continue;
    }
    const index = clusterRoleRules(role, rbac.clusterRoles).findIndex((r) => ruleAllows(attrs, r));
    if (index >= 0) {
      const source = `ClusterRoleBinding ${JSON.stringify(meta(binding).name)} of ClusterRole ${JSON.stringify(ref.name)}`;
      return {
        allowed: true,
        reason: `RBAC: allowed by ${source} to ${describeSubject(subject, '')}`,
        grant: {
          binding: { kind: 'ClusterRoleBinding', name: meta(binding).name },
          role: { kind: 'ClusterRole', name: ref.name },
          rule: index,
        },
      };
    }
  }

  const namespace = attrs.nonResourcePath === undefined ? (attrs.namespace ?? '') : '';
  if (namespace !== '') {
    for (const binding of rbac.roleBindings) {
      const bm = meta(binding);
      if (bm.namespace !== namespace) continue;
      const subject = subjects(binding).find((s) => appliesTo(attrs.user, groups, s, namespace));
      if (!subject) continue;
      const ref = roleRef(binding);
      let rules: PolicyRule[] | undefined;
      if (ref.kind === 'ClusterRole') {
        const role = clusterRoles.get(ref.name);
        if (role) rules = clusterRoleRules(role, rbac.clusterRoles);
        else errors.push(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      } else {
        const role = rbac.roles.find((r) => meta(r).name === ref.name && meta(r).namespace === namespace);
        if (role) rules = ownRules(role);
        else errors.push(`role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      }
      const index = rules?.findIndex((r) => ruleAllows(attrs, r)) ?? -1;
      if (index >= 0) {
        const source = `RoleBinding ${JSON.stringify(`${bm.name}/${namespace}`)} of ${ref.kind} ${JSON.stringify(ref.name)}`;
        return {
          allowed: true,
          reason: `RBAC: allowed by ${source} to ${describeSubject(subject, namespace)}`,
          grant: {
            binding: { kind: 'RoleBinding', namespace, name: bm.name },
            role:
              ref.kind === 'ClusterRole'
                ? { kind: 'ClusterRole', name: ref.name }
                : { kind: 'Role', namespace, name: ref.name },
            rule: index,
          },
        };
      }
    }
  }
  if (errors.length === 0) return { allowed: false, reason: '' };
  return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
}

/**
 * The verb RBAC checks for an HTTP request, as the apiserver's RequestInfoFactory derives it: a GET without a
 * name is list or (with ?watch=true) watch; a named GET stays get even with ?watch. The apiserver also treats a
 * collection request whose fieldSelector pins metadata.name as a request for that name.
 */
export function verbForRequest(method: string, opts: { collection: boolean; watch: boolean }): string {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      if (!opts.collection) return 'get';
      return opts.watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return opts.collection ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

/**
 * The message of the apiserver's 403 Status, e.g.
 * `pods "web-1" is forbidden: User "u" cannot delete resource "pods" in API group "" in the namespace "default"`.
 * `reason` is the authorizer's reason, appended after ": " when present, as the apiserver does.
 */
export function forbiddenMessage(attrs: RequestAttributes, reason = ''): string {
  const user = JSON.stringify(attrs.user.name);
  let inner: string;
  let prefix: string;
  if (attrs.nonResourcePath !== undefined) {
    inner = `User ${user} cannot ${attrs.verb} path ${JSON.stringify(attrs.nonResourcePath)}`;
    prefix = 'forbidden';
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace
      ? `in the namespace ${JSON.stringify(attrs.namespace)}`
      : 'at the cluster scope';
    inner = `User ${user} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} ${scope}`;
    const groupResource = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
    prefix = attrs.name
      ? `${groupResource} ${JSON.stringify(attrs.name)} is forbidden`
      : `${groupResource} is forbidden`;
  }
  return `${prefix}: ${inner}${reason ? `: ${reason}` : ''}`;
}
