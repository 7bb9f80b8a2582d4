import type { JsonObject } from '../json/json-value.js';
import type { TableColumn } from './resource-type.js';
import { ageColumn, column, nameColumn, obj, objects, str, WIDE } from './table-cells.js';

/** printNode: STATUS from the Ready condition only, ROLES from the node-role labels. */

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

/** `Ready`, `NotReady` (False or Unknown), `Unknown` without a Ready condition; `,SchedulingDisabled` if cordoned. */
function nodeStatus(o: JsonObject): string {
  const ready = objects(obj(o.status).conditions).findLast((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj(o.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` keys and the legacy `kubernetes.io/role=<role>`, sorted, unique. */
function nodeRoles(o: JsonObject): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(obj(obj(o.metadata).labels))) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length)
      roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === LEGACY_ROLE_LABEL && str(value) !== '') roles.add(str(value));
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function address(o: JsonObject, type: 'InternalIP' | 'ExternalIP'): string {
  return str(objects(obj(o.status).addresses).find((a) => a.type === type)?.address) || '<none>';
}

function nodeInfo(o: JsonObject, field: string): string {
  return str(obj(obj(o.status).nodeInfo)[field]);
}

export const nodeColumns: TableColumn[] = [
  nameColumn,
  column('Status', 'string', 'The status of the node', nodeStatus),
  column('Roles', 'string', 'The roles of the node', nodeRoles),
  ageColumn,
  column('Version', 'string', 'Kubelet Version reported by the node.', (o) => nodeInfo(o, 'kubeletVersion')),
  column(
    'Internal-IP',
    'string',
    'List of addresses reachable to the node.',
    (o) => address(o, 'InternalIP'),
    WIDE,
  ),
  column(
    'External-IP',
    'string',
    'List of addresses reachable to the node.',
    (o) => address(o, 'ExternalIP'),
    WIDE,
  ),
  column(
    'OS-Image',
    'string',
    'OS Image reported by the node.',
    (o) => nodeInfo(o, 'osImage') || '<unknown>',
    WIDE,
  ),
  column(
    'Kernel-Version',
    'string',
    'Kernel Version reported by the node.',
    (o) => nodeInfo(o, 'kernelVersion') || '<unknown>',
    WIDE,
  ),
  column(
    'Container-Runtime',
    'string',
    'ContainerRuntime Version reported by the node.',
    (o) => nodeInfo(o, 'containerRuntimeVersion') || '<unknown>',
    WIDE,
  ),
];
