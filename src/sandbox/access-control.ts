import { randomBytes } from 'node:crypto';
import { ApiError } from './api-error.js';
import {
  authorize,
  type Decision,
  forbiddenMessage,
  type RbacObjects,
  type RequestAttributes,
  serviceAccountUser,
  type UserInfo,
  verbForRequest,
} from './rbac.js';
import type { RequestTarget } from './request-info.js';

export type { UserInfo };

export const ADMIN_USER: UserInfo = {
  name: 'sandbox-admin',
  groups: ['system:masters', 'system:authenticated'],
};

/** Bearer tokens the sandbox accepts. The admin token goes into the kubeconfig it writes. */
export class Authenticator {
  private readonly tokens = new Map<string, UserInfo>();
  readonly adminToken: string;

  constructor(private readonly requireToken: boolean) {
    this.adminToken = randomBytes(16).toString('hex');
    this.tokens.set(this.adminToken, ADMIN_USER);
  }

  /** A token for a service account, as the token controller would mint one. */
  tokenForServiceAccount(namespace: string, name: string): string {
    return this.issue(serviceAccountUser(namespace, name));
  }

  issue(user: UserInfo): string {
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, user);
    return token;
  }

  authenticate(header: string | undefined): UserInfo {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match) {
      if (this.requireToken) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      return ADMIN_USER;
    }
    const user = this.tokens.get((match[1] as string).trim());
    if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    return user;
  }
}

/**
 * One RBAC decision, as `sandbox.authorizations` keeps it: the attributes the authorizer saw (re-authorisable
 * against other RBAC objects with `authorize`), the decision and, when allowed, the rule that allowed it.
 */
export interface AuthorizationRecord {
  /** The `seq` of the request in `sandbox.requests`. */
  seq: number;
  attributes: RequestAttributes;
  decision: Decision;
}

/**
 * Runs the RBAC authorizer on one request; throws 403 Forbidden with the apiserver's wording. `record` sees every
 * decision, allowed or not, before anything is thrown.
 */
export function authorizeRequest(
  user: UserInfo,
  method: string,
  target: RequestTarget,
  query: URLSearchParams,
  rbac: RbacObjects,
  record?: (attributes: RequestAttributes, decision: Decision) => void,
): void {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  // `kubectl get pod x -w` lists with fieldSelector=metadata.name=x: the apiserver authorises it for name x,
  // so rules restricted by resourceNames apply.
  const selectedName = /^metadata\.name==?([^,]+)$/.exec(query.get('fieldSelector') ?? '')?.[1];
  const attrs: RequestAttributes =
    target.kind === 'nonResource'
      ? { user, verb: method.toLowerCase(), apiGroup: '', resource: '', nonResourcePath: target.path }
      : {
          user,
          verb: verbForRequest(method, { collection: target.name === undefined, watch }),
          apiGroup: target.group,
          resource: target.resource,
          subresource: target.subresource,
          namespace: target.namespace,
          name: target.name ?? selectedName,
        };
  const decision = authorize(attrs, rbac);
  record?.(attrs, decision);
  if (!decision.allowed) {
    const details: { kind?: string; group?: string; name?: string } = {};
    if (target.kind === 'resource') {
      details.kind = target.resource;
      details.group = target.group;
      if (target.name) details.name = target.name;
    }
    throw new ApiError(403, 'Forbidden', forbiddenMessage(attrs), details);
  }
}
