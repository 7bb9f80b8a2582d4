import type { JsonObject } from '../json/json-value.js';
import { podCells, podWideCells } from './pod-status-printer.js';
import type { TableColumn } from './resource-type.js';
import {
  ageColumn,
  column,
  formatLabels,
  formatSelector,
  int,
  nameColumn,
  obj,
  objects,
  selectorString,
  str,
  templateContainerColumns,
  WIDE,
} from './table-cells.js';

/*
 * The Table columns kube-apiserver serves for built-in kinds (pkg/printers/internalversion), so `kubectl get`
 * reads like a real cluster. The apiserver always prints the wide cells; kubectl hides priority-1 columns
 * unless `-o wide`. Column types are the upstream definitions, even where upstream sends a number in a
 * "string" column (Up-to-date, Data, Count); cells keep upstream's Go types.
 */

const spec = (o: JsonObject) => obj(o.spec);
const status = (o: JsonObject) => obj(o.status);

export const namespaceColumns: TableColumn[] = [
  nameColumn,
  column('Status', 'string', 'The status of the namespace', (o) => str(status(o).phase)),
  ageColumn,
];

export const podColumns: TableColumn[] = [
  nameColumn,
  column(
    'Ready',
    'string',
    'The aggregate readiness state of this pod for accepting traffic.',
    (o, now) => podCells(o, now).ready,
  ),
  column(
    'Status',
    'string',
    'The aggregate status of the containers in this pod.',
    (o, now) => podCells(o, now).status,
  ),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    (o, now) => podCells(o, now).restarts,
  ),
  ageColumn,
  column('IP', 'string', 'IP address allocated to the pod.', (o) => podWideCells(o).ip, WIDE),
  column('Node', 'string', 'The node the pod is scheduled onto.', (o) => podWideCells(o).node, WIDE),
  column(
    'Nominated Node',
    'string',
    'The node the scheduler nominated for preemption.',
    (o) => podWideCells(o).nominated,
    WIDE,
  ),
  column(
    'Readiness Gates',
    'string',
    'Readiness gates that are true / all readiness gates.',
    (o) => podWideCells(o).gates,
    WIDE,
  ),
];

const selectorColumn = (description: string, cell: TableColumn['cell']) =>
  column('Selector', 'string', description, cell, WIDE);

export const deploymentColumns: TableColumn[] = [
  nameColumn,
  column(
    'Ready',
    'string',
    'Number of the pod with ready state',
    (o) => `${int(status(o).readyReplicas)}/${int(spec(o).replicas)}`,
  ),
  column('Up-to-date', 'string', 'Total number of non-terminated pods with the desired template spec.', (o) =>
    int(status(o).updatedReplicas),
  ),
  column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds).', (o) =>
    int(status(o).availableReplicas),
  ),
  ageColumn,
  ...templateContainerColumns(),
  selectorColumn('Label selector for pods.', (o) => selectorString(spec(o).selector) ?? '<invalid>'),
];

export const replicaSetColumns: TableColumn[] = [
  nameColumn,
  column('Desired', 'integer', 'Replicas is the number of desired replicas.', (o) => int(spec(o).replicas)),
  column('Current', 'integer', 'Replicas is the most recently observed number of replicas.', (o) =>
    int(status(o).replicas),
  ),
  column('Ready', 'integer', 'The number of ready replicas for this replica set.', (o) =>
    int(status(o).readyReplicas),
  ),
  ageColumn,
  ...templateContainerColumns(),
  selectorColumn('Selector is a label query over pods that should match the replica count.', (o) =>
    formatSelector(spec(o).selector),
  ),
];

export const statefulSetColumns: TableColumn[] = [
  nameColumn,
  column(
    'Ready',
    'string',
    'Number of the pod with ready state',
    (o) => `${int(status(o).readyReplicas)}/${int(spec(o).replicas)}`,
  ),
  ageColumn,
  ...templateContainerColumns(),
];

export const daemonSetColumns: TableColumn[] = [
  nameColumn,
  column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.', (o) =>
    int(status(o).desiredNumberScheduled),
  ),
  column(
    'Current',
    'integer',
    'The number of nodes running at least one daemon pod and are supposed to.',
    (o) => int(status(o).currentNumberScheduled),
  ),
  column('Ready', 'integer', 'The number of nodes running the daemon pod with a Ready condition.', (o) =>
    int(status(o).numberReady),
  ),
  column('Up-to-date', 'integer', 'The number of nodes running the updated daemon pod.', (o) =>
    int(status(o).updatedNumberScheduled),
  ),
  column(
    'Available',
    'integer',
    'The number of nodes running the daemon pod available for minReadySeconds.',
    (o) => int(status(o).numberAvailable),
  ),
  column('Node Selector', 'string', 'NodeSelector of the pod template.', (o) =>
    formatLabels(obj(obj(spec(o).template).spec).nodeSelector),
  ),
  ageColumn,
  ...templateContainerColumns(),
  selectorColumn('A label query over pods that are managed by the daemon set.', (o) =>
    formatSelector(spec(o).selector),
  ),
];

export const configMapColumns: TableColumn[] = [
  nameColumn,
  column(
    'Data',
    'string',
    'Data contains the configuration data.',
    (o) => Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length,
  ),
  ageColumn,
];

export const secretColumns: TableColumn[] = [
  nameColumn,
  column('Type', 'string', 'Used to facilitate programmatic handling of secret data.', (o) => str(o.type)),
  // The apiserver folds stringData into data on write; the sandbox stores it as sent, so count both.
  column(
    'Data',
    'string',
    'Data contains the secret data.',
    (o) => new Set([...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData))]).size,
  ),
  ageColumn,
];

export const serviceAccountColumns: TableColumn[] = [
  nameColumn,
  column(
    'Secrets',
    'string',
    'Secrets is a list of the secrets in the same namespace.',
    (o) => objects(o.secrets).length,
  ),
  ageColumn,
];

export const leaseColumns: TableColumn[] = [
  nameColumn,
  column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.', (o) =>
    str(spec(o).holderIdentity),
  ),
  ageColumn,
];

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each `, `-joined. */
function subjects(o: JsonObject, kind: 'User' | 'Group' | 'ServiceAccount'): string {
  return objects(o.subjects)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name)))
    .join(', ');
}

function bindingColumns(what: string): TableColumn[] {
  return [
    nameColumn,
    column(
      'Role',
      'string',
      'RoleRef can reference a Role in the current namespace or a ClusterRole.',
      (o) => `${str(obj(o.roleRef).kind)}/${str(obj(o.roleRef).name)}`,
    ),
    ageColumn,
    column('Users', 'string', `Users in the ${what}`, (o) => subjects(o, 'User'), WIDE),
    column('Groups', 'string', `Groups in the ${what}`, (o) => subjects(o, 'Group'), WIDE),
    column(
      'ServiceAccounts',
      'string',
      `ServiceAccounts in the ${what}`,
      (o) => subjects(o, 'ServiceAccount'),
      WIDE,
    ),
  ];
}

export const roleBindingColumns = bindingColumns('roleBinding');
export const clusterRoleBindingColumns = bindingColumns('clusterRoleBinding');

/** IntOrString.String(): numbers print as integers, strings (`50%`) as they are. */
function intOrString(value: JsonObject[string] | undefined): string {
  if (typeof value === 'number') return String(Math.trunc(value));
  return typeof value === 'string' ? value : 'N/A';
}

/** policy/v1 PodDisruptionBudget, for when the kind is served. */
export const podDisruptionBudgetColumns: TableColumn[] = [
  nameColumn,
  column('Min Available', 'string', 'The minimum number of pods that must be available.', (o) =>
    intOrString(spec(o).minAvailable),
  ),
  column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.', (o) =>
    intOrString(spec(o).maxUnavailable),
  ),
  column(
    'Allowed Disruptions',
    'integer',
    'Calculated number of pods that may be disrupted at this time.',
    (o) => int(status(o).disruptionsAllowed),
  ),
  ageColumn,
];

/** apps/v1 ControllerRevision, for when the kind is served: CONTROLLER is `kind.group/name`, lowercased kind. */
export const controllerRevisionColumns: TableColumn[] = [
  nameColumn,
  column('Controller', 'string', 'Controller of the object', (o) => {
    const owner = objects(obj(o.metadata).ownerReferences).find((r) => r.controller === true);
    if (!owner) return '<none>';
    const group = str(owner.apiVersion).includes('/') ? str(owner.apiVersion).split('/')[0] : '';
    const kind = str(owner.kind);
    const groupKind = group ? `${kind}.${group}` : kind;
    return groupKind ? `${groupKind.toLowerCase()}/${str(owner.name)}` : str(owner.name);
  }),
  column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.', (o) =>
    int(o.revision),
  ),
  ageColumn,
];
