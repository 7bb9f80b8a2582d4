import { describe, expect, it } from 'vitest';
import { signalValue, statusSignals } from '../../src/detection/status-signals.js';

const pod = (
  containers: Record<string, unknown>[],
  ready: Record<string, unknown>,
  limits: (string | undefined)[],
) => ({
  spec: {
    containers: limits.map((cpu, i) => ({ name: `c${i}`, resources: cpu ? { limits: { cpu } } : {} })),
  },
  status: { conditions: [{ type: 'Ready', ...ready }], containerStatuses: containers },
});

describe('status signals', () => {
  it('reads CrashLoopBackOff, ImagePullBackOff, OOMKilled, restarts, readiness and CPU limits from a pod', () => {
    const s = statusSignals(
      pod(
        [
          {
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { reason: 'OOMKilled' } },
          },
          { restartCount: 1, state: { waiting: { reason: 'ErrImagePull' } }, lastState: {} },
        ],
        { status: 'False', lastTransitionTime: '2026-12-02T10:00:00Z' },
        ['500m', '1'],
      ),
    );
    expect(s).toEqual({
      crashLoopBackOff: true,
      imagePullBackOff: true,
      oomKilled: true,
      restartCount: 5,
      notReadySinceMs: Date.parse('2026-12-02T10:00:00Z'),
      cpuLimitCores: 1.5,
    });
    const now = Date.parse('2026-12-02T10:02:00Z');
    expect(signalValue('NotReadySeconds', s, undefined, now)).toBe(120);
    expect(signalValue('CPULimitRatio', s, 0.75, now)).toBe(0.5);
    expect(signalValue('CrashLoopBackOff', s, undefined, now)).toBe(1);
  });

  it('has no CPU limit ratio when a container has no limit, and zero not-ready time while Ready', () => {
    const s = statusSignals(
      pod([{ restartCount: 0, state: { running: {} } }], { status: 'True' }, ['1', undefined]),
    );
    expect(s.cpuLimitCores).toBeUndefined();
    expect(signalValue('CPULimitRatio', s, 0.5, 0)).toBeUndefined();
    expect(signalValue('NotReadySeconds', s, undefined, 0)).toBe(0);
    expect(signalValue('OOMKilled', s, undefined, 0)).toBe(0);
  });
});
