import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import {
  configMapColumns,
  controllerRevisionColumns,
  daemonSetColumns,
  deploymentColumns,
  podDisruptionBudgetColumns,
  replicaSetColumns,
  roleBindingColumns,
  secretColumns,
  statefulSetColumns,
} from '../../src/sandbox/builtin-columns.js';
import { builtinResources } from '../../src/sandbox/builtin-resources.js';
import { eventColumns } from '../../src/sandbox/event-columns.js';
import { eventCodecForEventsV1 } from '../../src/sandbox/event-conversion.js';
import { nodeColumns } from '../../src/sandbox/node-columns.js';
import type { ResourceType, TableColumn } from '../../src/sandbox/resource-type.js';
import { serviceColumns } from '../../src/sandbox/service-columns.js';
import { toTable } from '../../src/sandbox/table.js';

const now = new Date('2024-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const meta = (name: string, extra: JsonObject = {}) => ({
  name,
  creationTimestamp: ago(3 * 86400),
  ...extra,
});
const cells = (columns: TableColumn[], o: JsonObject) => columns.map((c) => c.cell(o, now));
const header = (columns: TableColumn[], priority = 0) =>
  columns.filter((c) => c.priority <= priority).map((c) => c.name.toUpperCase());

const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1.27' },
      { name: 'proxy', image: 'envoy:1.30' },
    ],
  },
};

describe('workload printers', () => {
  it('prints a Deployment: READY ready/desired, counts as integers, wide containers, images, selector', () => {
    const deployment = {
      metadata: meta('web'),
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { tier: 'front', app: 'web' },
          matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }],
        },
        template,
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    expect(header(deploymentColumns, 1)).toEqual([
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    expect(cells(deploymentColumns, deployment)).toEqual([
      'web',
      '2/3',
      3,
      2,
      '3d',
      'app,proxy',
      'nginx:1.27,envoy:1.30',
      'app=web,env in (dev,prod),tier=front',
    ]);
  });

  it('prints a ReplicaSet with integer DESIRED/CURRENT/READY and <none> for an empty selector', () => {
    const rs = {
      metadata: meta('web-5d8f'),
      spec: { replicas: 2, selector: {}, template },
      status: { replicas: 2 },
    };
    expect(header(replicaSetColumns)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(replicaSetColumns.slice(1, 4).map((c) => c.type)).toEqual(['integer', 'integer', 'integer']);
    expect(cells(replicaSetColumns, rs)).toEqual([
      'web-5d8f',
      2,
      2,
      0,
      '3d',
      'app,proxy',
      'nginx:1.27,envoy:1.30',
      '<none>',
    ]);
  });

  it('prints a StatefulSet and a DaemonSet', () => {
    const sts = { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 1 } };
    expect(header(statefulSetColumns, 1)).toEqual(['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
    expect(cells(statefulSetColumns, sts)).toEqual(['db', '1/3', '3d', 'app,proxy', 'nginx:1.27,envoy:1.30']);
    const ds = {
      metadata: meta('agent'),
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'i' }] },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    };
    expect(header(daemonSetColumns)).toEqual([
      'NAME',
      'DESIRED',
      'CURRENT',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'NODE SELECTOR',
      'AGE',
    ]);
    expect(cells(daemonSetColumns, ds)).toEqual([
      'agent',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux',
      '3d',
      'a',
      'i',
      'app=agent',
    ]);
  });
});

describe('node printer', () => {
  const node = (
    status: JsonObject,
    extra: { labels?: JsonObject; unschedulable?: boolean } = {},
  ): JsonObject => ({
    metadata: meta('n1', { labels: extra.labels ?? {} }),
    spec: { unschedulable: extra.unschedulable ?? false },
    status,
  });

  it('derives STATUS from the Ready condition and appends SchedulingDisabled when cordoned', () => {
    const status = (o: JsonObject) => nodeColumns[1]?.cell(o, now);
    expect(status(node({ conditions: [{ type: 'Ready', status: 'True' }] }))).toBe('Ready');
    expect(status(node({ conditions: [{ type: 'Ready', status: 'False' }] }))).toBe('NotReady');
    expect(status(node({ conditions: [{ type: 'Ready', status: 'Unknown' }] }))).toBe('NotReady');
    expect(status(node({ conditions: [{ type: 'MemoryPressure', status: 'True' }] }))).toBe('Unknown');
    expect(status(node({ conditions: [{ type: 'Ready', status: 'True' }] }, { unschedulable: true }))).toBe(
      'Ready,SchedulingDisabled',
    );
  });

  it('lists roles from node-role labels, sorted, and the wide node info', () => {
    const labels = {
      'node-role.kubernetes.io/worker': '',
      'node-role.kubernetes.io/control-plane': '',
      'kubernetes.io/role': 'infra',
      'node-role.kubernetes.io/': 'ignored',
    };
    const n = node(
      {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '10.0.0.5' },
        ],
        nodeInfo: { kubeletVersion: 'v1.32.4', osImage: 'Debian GNU/Linux 12 (bookworm)' },
      },
      { labels },
    );
    expect(header(nodeColumns, 1)).toEqual([
      'NAME',
      'STATUS',
      'ROLES',
      'AGE',
      'VERSION',
      'INTERNAL-IP',
      'EXTERNAL-IP',
      'OS-IMAGE',
      'KERNEL-VERSION',
      'CONTAINER-RUNTIME',
    ]);
    expect(cells(nodeColumns, n)).toEqual([
      'n1',
      'Ready',
      'control-plane,infra,worker',
      '3d',
      'v1.32.4',
      '10.0.0.5',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '<unknown>',
      '<unknown>',
    ]);
    expect(nodeColumns[2]?.cell(node({}), now)).toBe('<none>');
  });
});

describe('event printer', () => {
  const event = (fields: JsonObject): JsonObject => ({
    metadata: meta('web.17d'),
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{app}' },
    reason: 'BackOff',
    type: 'Warning',
    message: '  Back-off restarting failed container  ',
    source: { component: 'kubelet', host: 'n1' },
    ...fields,
  });

  it('puts LAST SEEN first and the wide columns between, with NAME last', () => {
    expect(header(eventColumns)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(header(eventColumns, 1)).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME',
    ]);
    expect(eventColumns.at(-1)?.format).toBe('name');
    expect(
      cells(eventColumns, event({ firstTimestamp: ago(3600), lastTimestamp: ago(45), count: 7 })),
    ).toEqual([
      '45s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{app}',
      'kubelet, n1',
      'Back-off restarting failed container',
      '60m',
      7,
      'web.17d',
    ]);
  });

  it('falls back to eventTime, takes series over both, and counts a singleton as 1', () => {
    const newApi = event({
      eventTime: ago(90),
      source: {},
      reportingComponent: 'engine',
      reportingInstance: 'engine-0',
    });
    expect(cells(eventColumns, newApi)).toEqual([
      '90s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{app}',
      'engine, engine-0',
      'Back-off restarting failed container',
      '90s',
      1,
      'web.17d',
    ]);
    const series = event({ eventTime: ago(600), series: { count: 4, lastObservedTime: ago(20) } });
    expect([
      eventColumns[0]?.cell(series, now),
      eventColumns[7]?.cell(series, now),
      eventColumns[8]?.cell(series, now),
    ]).toEqual(['20s', '10m', 4]);
    expect(eventColumns[0]?.cell(event({}), now)).toBe('<unknown>');
    expect(eventColumns[3]?.cell(event({ involvedObject: { kind: 'Node' } }), now)).toBe('node');
  });

  it('prints events.k8s.io/v1 objects from the shared storage shape', () => {
    const eventsV1 = builtinResources().find((t) => t.group === 'events.k8s.io') as ResourceType;
    const served = eventCodecForEventsV1.toExternal(event({ lastTimestamp: ago(45) }));
    const table = toTable(eventsV1, 'v1', [served], {}, { now }) as { rows: Array<{ cells: unknown[] }> };
    expect(served.regarding).toBeDefined();
    expect(table.rows[0]?.cells.slice(0, 7)).toEqual([
      '45s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{app}',
      'kubelet, n1',
      'Back-off restarting failed container',
    ]);
  });
});

describe('service and small kinds', () => {
  it('prints Service TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S)', () => {
    const svc = (spec: JsonObject, status: JsonObject = {}) => ({ metadata: meta('web'), spec, status });
    expect(
      cells(
        serviceColumns,
        svc({ clusterIP: '10.96.0.10', ports: [{ port: 80 }], selector: { app: 'web' } }),
      ),
    ).toEqual(['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '3d', 'app=web']);
    const lb = svc(
      {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.0.11'],
        ports: [
          { port: 443, nodePort: 30443, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
      { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }] } },
    );
    expect(cells(serviceColumns, lb).slice(1, 5)).toEqual([
      'LoadBalancer',
      '10.96.0.11',
      '203.0.113.9,lb.example.com',
      '443:30443/TCP,53/UDP',
    ]);
    expect(serviceColumns[3]?.cell(svc({ type: 'LoadBalancer' }), now)).toBe('<pending>');
    expect(serviceColumns[4]?.cell(svc({}), now)).toBe('<none>');
  });

  it('counts ConfigMap and Secret data as integers and names the secret type', () => {
    expect(
      cells(configMapColumns, { metadata: meta('c'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }),
    ).toEqual(['c', 3, '3d']);
    expect(
      cells(secretColumns, {
        metadata: meta('s'),
        type: 'Opaque',
        data: { a: 'MQ==' },
        stringData: { b: '2' },
      }),
    ).toEqual(['s', 'Opaque', 2, '3d']);
  });

  it('prints RoleBinding subjects, PDB budgets and the ControllerRevision controller', () => {
    const binding: JsonObject = {
      metadata: meta('rb'),
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'ServiceAccount', name: 'engine', namespace: 'ops' },
        { kind: 'Group', name: 'devs' },
        { kind: 'User', name: 'bob' },
      ],
    };
    expect(cells(roleBindingColumns, binding)).toEqual([
      'rb',
      'ClusterRole/view',
      '3d',
      'alice, bob',
      'devs',
      'ops/engine',
    ]);
    const pdb = { metadata: meta('pdb'), spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
    expect(cells(podDisruptionBudgetColumns, pdb)).toEqual(['pdb', '50%', 'N/A', 1, '3d']);
    const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', controller: true };
    const revision = { metadata: meta('db-7c9', { ownerReferences: [owner] }), revision: 2 };
    expect(cells(controllerRevisionColumns, revision)).toEqual(['db-7c9', 'statefulset.apps/db', 2, '3d']);
  });

  it('gives kinds without a printer the default Name and Created At columns', () => {
    const role = builtinResources().find((t) => t.plural === 'roles') as ResourceType;
    const table = toTable(role, 'v1', [{ metadata: meta('reader') }], {}, { now }) as {
      columnDefinitions: Array<{ name: string; type: string }>;
      rows: Array<{ cells: unknown[] }>;
    };
    expect(table.columnDefinitions.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Created At', 'date'],
    ]);
    expect(table.rows[0]?.cells).toEqual(['reader', '2024-05-29T12:00:00Z']);
  });
});
