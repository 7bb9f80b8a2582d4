import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import { podColumns } from '../../src/sandbox/builtin-columns.js';
import { podCells, podWideCells } from '../../src/sandbox/pod-status-printer.js';

const now = new Date('2024-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

function pod(status: JsonObject, extra: { spec?: JsonObject; metadata?: JsonObject } = {}): JsonObject {
  return {
    metadata: { name: 'p', creationTimestamp: ago(600), ...extra.metadata },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra.spec },
    status,
  };
}
const running = { running: { startedAt: ago(500) } };

describe('pod printer', () => {
  it('shows the phase, or status.reason over it', () => {
    expect(podCells(pod({ phase: 'Pending' }), now)).toEqual({
      ready: '0/1',
      status: 'Pending',
      restarts: '0',
    });
    expect(podCells(pod({ phase: 'Failed', reason: 'Evicted' }), now).status).toBe('Evicted');
  });

  it('shows a waiting reason and the restarts with the age of the newest termination', () => {
    const cells = podCells(
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(45) } },
          },
        ],
      }),
      now,
    );
    expect(cells).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '3 (45s ago)' });
  });

  it('sums restarts over containers and dates them by the newest finishedAt', () => {
    const cells = podCells(
      pod(
        {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'a',
              ready: true,
              restartCount: 2,
              state: running,
              lastState: { terminated: { finishedAt: ago(7200) } },
            },
            {
              name: 'b',
              ready: true,
              restartCount: 1,
              state: running,
              lastState: { terminated: { finishedAt: ago(300) } },
            },
          ],
        },
        { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
      ),
      now,
    );
    expect(cells).toEqual({ ready: '2/2', status: 'Running', restarts: '3 (5m ago)' });
  });

  it('shows a terminated reason, or the signal or exit code without one', () => {
    const terminated = (state: JsonObject) =>
      podCells(
        pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { terminated: state } }] }),
        now,
      ).status;
    expect(terminated({ exitCode: 137, reason: 'OOMKilled' })).toBe('OOMKilled');
    expect(terminated({ exitCode: 0, reason: 'Completed' })).toBe('Completed');
    expect(terminated({ exitCode: 137, signal: 9 })).toBe('Signal:9');
    expect(terminated({ exitCode: 2 })).toBe('ExitCode:2');
  });

  it('reports the first container with a reason, and ContainerCreating / ImagePullBackOff as they wait', () => {
    const cells = podCells(
      pod(
        {
          phase: 'Pending',
          containerStatuses: [
            { name: 'a', state: { waiting: { reason: 'ContainerCreating' } } },
            { name: 'b', state: { waiting: { reason: 'ImagePullBackOff' } } },
          ],
        },
        { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
      ),
      now,
    );
    expect(cells.status).toBe('ContainerCreating');
  });

  it('turns Completed back into Running or NotReady while another container still runs', () => {
    const statuses: JsonObject[] = [
      { name: 'job', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'web', ready: true, state: running },
    ];
    const spec = { containers: [{ name: 'job' }, { name: 'web' }] };
    const ready = [{ type: 'Ready', status: 'True' }];
    const notReady = [{ type: 'Ready', status: 'False' }];
    expect(
      podCells(pod({ phase: 'Running', conditions: ready, containerStatuses: statuses }, { spec }), now),
    ).toEqual({ ready: '1/2', status: 'Running', restarts: '0' });
    expect(
      podCells(pod({ phase: 'Running', conditions: notReady, containerStatuses: statuses }, { spec }), now)
        .status,
    ).toBe('NotReady');
  });

  it('shows Terminating while a deletionTimestamp is set, Unknown on a lost node, the phase once terminal', () => {
    const deleting = { metadata: { deletionTimestamp: ago(5) } };
    expect(podCells(pod({ phase: 'Running' }, deleting), now).status).toBe('Terminating');
    expect(podCells(pod({ phase: 'Running', reason: 'NodeLost' }, deleting), now).status).toBe('Unknown');
    expect(podCells(pod({ phase: 'Succeeded' }, deleting), now).status).toBe('Succeeded');
  });

  it('shows init container progress and failures', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const init = (statuses: JsonObject[], conditions: JsonObject[] = []) =>
      podCells(pod({ phase: 'Pending', conditions, initContainerStatuses: statuses }, { spec }), now);
    const done = { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    expect(init([done, { name: 'i2', state: running }]).status).toBe('Init:1/2');
    expect(init([{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }]).status).toBe('Init:0/2');
    const crashing = {
      name: 'i1',
      restartCount: 4,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } },
    };
    expect(init([crashing])).toEqual({
      ready: '0/1',
      status: 'Init:CrashLoopBackOff',
      restarts: '4 (30s ago)',
    });
    expect(init([{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }]).status).toBe(
      'Init:Error',
    );
    expect(init([{ name: 'i1', state: { terminated: { exitCode: 3 } } }]).status).toBe('Init:ExitCode:3');
  });

  it('counts started sidecars (restartable init containers) as containers', () => {
    const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] };
    const cells = podCells(
      pod(
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            { name: 'proxy', started: true, ready: true, restartCount: 1, state: running },
          ],
          containerStatuses: [{ name: 'app', ready: true, state: running }],
        },
        { spec },
      ),
      now,
    );
    expect(cells).toEqual({ ready: '2/2', status: 'Running', restarts: '1' });
  });

  it('fills the wide cells with <none> when unset and counts readiness gates', () => {
    expect(podWideCells(pod({}))).toEqual({
      ip: '<none>',
      node: '<none>',
      nominated: '<none>',
      gates: '<none>',
    });
    const gated = pod(
      { podIPs: [{ ip: '10.0.0.7' }], conditions: [{ type: 'example.com/lb', status: 'True' }] },
      {
        spec: {
          nodeName: 'n1',
          readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'x/y' }],
        },
      },
    );
    expect(podWideCells(gated)).toMatchObject({ ip: '10.0.0.7', node: 'n1', gates: '1/2' });
  });

  it('lays the pod row out like the apiserver, wide cells last', () => {
    expect(podColumns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ]);
    expect(podColumns[0]?.format).toBe('name');
    const running10m = pod({ phase: 'Running', podIP: '10.1.2.3' });
    expect(podColumns.map((c) => c.cell(running10m, now))).toEqual([
      'p',
      '0/1',
      'Running',
      '0',
      '10m',
      '10.1.2.3',
      '<none>',
      '<none>',
      '<none>',
    ]);
  });
});
