import {
  clusterRoleBindingColumns,
  configMapColumns,
  controllerRevisionColumns,
  daemonSetColumns,
  deploymentColumns,
  leaseColumns,
  namespaceColumns,
  podColumns,
  podDisruptionBudgetColumns,
  replicaSetColumns,
  roleBindingColumns,
  secretColumns,
  serviceAccountColumns,
  statefulSetColumns,
} from './builtin-columns.js';
import {
  defaultPodSpec,
  defaultWorkload,
  obj,
  setDefault,
  validatePodDisruptionBudget,
  validatePodSpec,
  validateWorkload,
} from './builtin-validation.js';
import { eventColumns } from './event-columns.js';
import { eventCodecForEventsV1 } from './event-conversion.js';
import { nodeColumns } from './node-columns.js';
import type { ResourceType, TableColumn } from './resource-type.js';
import { resourceKey } from './resource-type.js';
import { serviceColumns } from './service-columns.js';

interface BuiltinSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  scale?: boolean;
  selectableFields?: string[];
  storageKey?: string;
  defaulter?: ResourceType['defaulter'];
  validator?: ResourceType['validator'];
  tableColumns?: TableColumn[];
  codecs?: ResourceType['codecs'];
}

function builtin(spec: BuiltinSpec): ResourceType {
  return {
    group: spec.group,
    versions: [spec.version],
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    statusSubresource: spec.status ?? false,
    scale: spec.scale
      ? {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.replicas',
          labelSelectorPath: '.status.selector',
        }
      : undefined,
    selectableFields: spec.selectableFields ?? [],
    storageKey: spec.storageKey ?? resourceKey(spec.group, spec.plural),
    allowUnconditionalUpdate: true,
    supportsStrategicMerge: true,
    defaulter: spec.defaulter,
    validator: spec.validator,
    tableColumns: spec.tableColumns,
    codecs: spec.codecs,
  };
}

export function builtinResources(): ResourceType[] {
  return [
    builtin({
      group: '',
      version: 'v1',
      kind: 'Namespace',
      plural: 'namespaces',
      namespaced: false,
      shortNames: ['ns'],
      status: true,
      selectableFields: ['status.phase'],
      defaulter: (o) => {
        const status = obj(o.status);
        o.status = status;
        setDefault(status, 'phase', 'Active');
      },
      tableColumns: namespaceColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Pod',
      plural: 'pods',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      status: true,
      selectableFields: [
        'spec.nodeName',
        'status.phase',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'status.podIP',
      ],
      defaulter: (o) => {
        const spec = obj(o.spec);
        o.spec = spec;
        defaultPodSpec(spec);
        const status = obj(o.status);
        o.status = status;
        setDefault(status, 'phase', 'Pending');
      },
      validator: (o) => validatePodSpec(o.spec, 'spec'),
      tableColumns: podColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Event',
      plural: 'events',
      namespaced: true,
      shortNames: ['ev'],
      selectableFields: [
        'involvedObject.kind',
        'involvedObject.name',
        'involvedObject.namespace',
        'involvedObject.uid',
        'involvedObject.fieldPath',
        'reason',
        'type',
        'source',
        'reportingComponent',
      ],
      storageKey: 'events',
      tableColumns: eventColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespaced: true,
      shortNames: ['cm'],
      tableColumns: configMapColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Secret',
      plural: 'secrets',
      namespaced: true,
      tableColumns: secretColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'ServiceAccount',
      plural: 'serviceaccounts',
      namespaced: true,
      shortNames: ['sa'],
      tableColumns: serviceAccountColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Service',
      plural: 'services',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
      status: true,
      tableColumns: serviceColumns,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Node',
      plural: 'nodes',
      namespaced: false,
      shortNames: ['no'],
      status: true,
      tableColumns: nodeColumns,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      plural: 'deployments',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
      status: true,
      scale: true,
      defaulter: (o) => {
        defaultWorkload(o);
        const spec = obj(o.spec);
        setDefault(spec, 'progressDeadlineSeconds', 600);
        setDefault(spec, 'strategy', {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
        });
      },
      validator: (o) => validateWorkload(o),
      tableColumns: deploymentColumns,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'ReplicaSet',
      plural: 'replicasets',
      namespaced: true,
      shortNames: ['rs'],
      categories: ['all'],
      status: true,
      scale: true,
      defaulter: defaultWorkload,
      validator: (o) => validateWorkload(o),
      tableColumns: replicaSetColumns,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'StatefulSet',
      plural: 'statefulsets',
      namespaced: true,
      shortNames: ['sts'],
      categories: ['all'],
      status: true,
      scale: true,
      defaulter: (o) => {
        defaultWorkload(o);
        const spec = obj(o.spec);
        setDefault(spec, 'podManagementPolicy', 'OrderedReady');
        setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      },
      validator: (o) => validateWorkload(o),
      tableColumns: statefulSetColumns,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'DaemonSet',
      plural: 'daemonsets',
      namespaced: true,
      shortNames: ['ds'],
      categories: ['all'],
      status: true,
      defaulter: defaultWorkload,
      validator: (o) => validateWorkload(o),
      tableColumns: daemonSetColumns,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'ControllerRevision',
      plural: 'controllerrevisions',
      namespaced: true,
      tableColumns: controllerRevisionColumns,
    }),
    builtin({
      group: 'policy',
      version: 'v1',
      kind: 'PodDisruptionBudget',
      plural: 'poddisruptionbudgets',
      namespaced: true,
      shortNames: ['pdb'],
      status: true,
      validator: validatePodDisruptionBudget,
      tableColumns: podDisruptionBudgetColumns,
    }),
    // Only stored: nothing enforces network policies in the sandbox, but a chart that ships one must apply.
    builtin({
      group: 'networking.k8s.io',
      version: 'v1',
      kind: 'NetworkPolicy',
      plural: 'networkpolicies',
      namespaced: true,
      shortNames: ['netpol'],
    }),
    // Only stored and listed: nothing autoscales in the sandbox, but an engine must see who owns a replica count.
    builtin({
      group: 'autoscaling',
      version: 'v2',
      kind: 'HorizontalPodAutoscaler',
      plural: 'horizontalpodautoscalers',
      namespaced: true,
      shortNames: ['hpa'],
      categories: ['all'],
      status: true,
    }),
    builtin({
      group: 'coordination.k8s.io',
      version: 'v1',
      kind: 'Lease',
      plural: 'leases',
      namespaced: true,
      tableColumns: leaseColumns,
    }),
    builtin({
      group: 'events.k8s.io',
      version: 'v1',
      kind: 'Event',
      plural: 'events',
      namespaced: true,
      shortNames: ['ev'],
      storageKey: 'events',
      selectableFields: ['regarding.kind', 'regarding.name', 'regarding.namespace', 'reason', 'type'],
      codecs: { v1: eventCodecForEventsV1 },
      tableColumns: eventColumns,
    }),
    {
      ...builtin({
        group: 'apiextensions.k8s.io',
        version: 'v1',
        kind: 'CustomResourceDefinition',
        plural: 'customresourcedefinitions',
        namespaced: false,
        shortNames: ['crd', 'crds'],
        categories: ['api-extensions'],
        status: true,
      }),
      supportsStrategicMerge: false,
    },
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'Role',
      plural: 'roles',
      namespaced: true,
    }),
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'RoleBinding',
      plural: 'rolebindings',
      namespaced: true,
      tableColumns: roleBindingColumns,
    }),
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'ClusterRole',
      plural: 'clusterroles',
      namespaced: false,
    }),
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'ClusterRoleBinding',
      plural: 'clusterrolebindings',
      namespaced: false,
      tableColumns: clusterRoleBindingColumns,
    }),
  ];
}
