import { describe, expect, it } from 'vitest';
import { defaultParams } from '../../src/simulator/behaviour-spec.js';
import { ContainerSim, type Regime } from '../../src/simulator/container-sim.js';
import { ContainerLoad } from '../../src/simulator/load-profile.js';

const T0 = 1_800_000_000;
const MI = 1024 * 1024;

function sim(regime: Partial<Regime> = {}, behaviour: Parameters<typeof defaultParams>[0] = 'healthy') {
  const params = defaultParams(behaviour);
  const load = new ContainerLoad(42, { cpuLimit: 1, memoryLimit: 256 * MI }, params, 4);
  return new ContainerSim(load, params, { normal: 'steady', trouble: 'none', since: T0, ...regime }, T0);
}

/** Restart times of a crash-looping container, read off its state as the kubelet would see it. */
function restartTimes(c: ContainerSim, until: number): number[] {
  const times: number[] = [];
  let seen = c.restartCount;
  for (let t = T0; t <= until; t += 0.5) {
    c.advance(t);
    if (c.restartCount !== seen) {
      seen = c.restartCount;
      times.push(t - T0);
    }
  }
  return times;
}

describe('a container driven like the kubelet drives it', () => {
  it('is Pending for the start delay, then running, then Ready after the readiness delay', () => {
    const c = sim();
    c.advance(T0 + 0.5);
    expect(c.state()).toEqual({ kind: 'waiting', reason: 'ContainerCreating' });
    expect(c.nextEventAt(T0 + 0.5)).toBe(T0 + 1);
    c.advance(T0 + 1);
    expect(c.state()).toEqual({ kind: 'running', startedAt: T0 + 1 });
    expect(c.ready(T0 + 2.9)).toBe(false);
    expect(c.nextEventAt(T0 + 1)).toBe(T0 + 3);
    expect(c.ready(T0 + 3)).toBe(true);
    expect(c.nextEventAt(T0 + 3)).toBeUndefined();
  });

  it('restarts a crash loop at once, then after 10 s doubling, capped at 5 minutes', () => {
    const c = sim({ trouble: 'crash' }, 'crashloop');
    // Started at 1 s, each run lasts 10 s; the first restart comes at the next sync (1 s, while it shows as
    // terminated), then the waits are 10, 20, 40, 80, 160, 300, 300 from each exit.
    const times = restartTimes(c, T0 + 1_400);
    expect(times).toEqual([12, 32, 62, 112, 202, 372, 682, 992, 1302]);
    c.advance(T0 + 1_305);
    expect(c.lastTermination).toMatchObject({ reason: 'Error', exitCode: 1 });
  });

  it('shows CrashLoopBackOff with the back-off it waits out', () => {
    const c = sim({ trouble: 'crash' }, 'crashloop');
    c.advance(T0 + 22.5);
    // Exited at 22: terminated (Error) until the kubelet's next sync, then waiting out the back-off.
    expect(c.state()).toMatchObject({ kind: 'terminated', termination: { reason: 'Error', exitCode: 1 } });
    c.advance(T0 + 23.5);
    expect(c.state()).toEqual({ kind: 'waiting', reason: 'CrashLoopBackOff', backoffSeconds: 10 });
    expect(c.restartCount).toBe(1);
    expect(c.cpuTotal(T0 + 23.5)).toBe(0);
  });

  it('forgets the back-off after ten minutes of running', () => {
    const c = sim({ trouble: 'crash' }, 'crashloop');
    c.advance(T0 + 62);
    expect(c.restartCount).toBe(3);
    // Cured: it now runs for over 10 minutes; a new crash restarts at once again.
    c.setRegime({ normal: 'steady', trouble: 'none', since: T0 + 62 }, T0 + 62);
    c.advance(T0 + 700);
    c.setRegime({ normal: 'steady', trouble: 'crash', since: T0 + 700 }, T0 + 700);
    c.advance(T0 + 711);
    expect(c.restartCount).toBe(4);
    expect(c.state()).toMatchObject({ kind: 'running' });
  });

  it('OOM-kills a leaking container when its working set reaches the limit, and the memory restarts low', () => {
    const c = sim({ trouble: 'leak' }, 'memory-leak');
    const limit = 256 * MI;
    const oomAt = c.load.oomAt(T0 + 1);
    expect(oomAt - T0).toBeCloseTo(1 + (0.6 * limit) / (limit / 120), 6);
    expect(c.memory(oomAt - 1)).toBeLessThan(limit);
    expect(c.memory(oomAt - 1)).toBeGreaterThan(0.95 * limit);
    c.advance(oomAt);
    expect(c.lastTermination).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(c.state()).toMatchObject({ kind: 'terminated', termination: { reason: 'OOMKilled' } });
    c.advance(oomAt + 1);
    expect(c.restartCount).toBe(1);
    expect(c.memory(oomAt + 1.5)).toBeLessThan(0.5 * limit);
  });

  it('keeps CPU within the limit when saturated, after the onset', () => {
    const c = sim({ trouble: 'saturate' }, 'cpu-saturation');
    c.advance(T0 + 200);
    expect(c.cpuRate(T0 + 20)).toBeLessThan(0.5);
    for (let t = T0 + 40; t < T0 + 200; t += 7) {
      expect(c.cpuRate(t)).toBeGreaterThan(0.95);
      expect(c.cpuRate(t)).toBeLessThanOrEqual(1);
    }
    // The counter grows at the rate: over 100 saturated seconds, between 95 and 100 CPU seconds.
    const used = c.cpuTotal(T0 + 200) - c.cpuTotal(T0 + 100);
    expect(used).toBeGreaterThan(95);
    expect(used).toBeLessThanOrEqual(100);
  });

  it('stops on deletion with exit 0 after the termination delay', () => {
    const c = sim();
    c.advance(T0 + 10);
    c.stop(T0 + 10, 1);
    c.advance(T0 + 11);
    expect(c.state()).toEqual({
      kind: 'terminated',
      termination: { reason: 'Completed', exitCode: 0, startedAt: T0 + 1, finishedAt: T0 + 11 },
    });
    expect(c.stopped).toBe(true);
  });

  it('takes new numbers mid-run, keeping the CPU and leaked memory so far', () => {
    const c = sim({ trouble: 'leak' }, 'memory-leak');
    c.advance(T0 + 21);
    const cpu = c.cpuTotal(T0 + 21);
    const leaked = c.memory(T0 + 21);
    const faster = { ...defaultParams('memory-leak'), leakRate: 32 * MI };
    c.reconfigure(new ContainerLoad(42, { cpuLimit: 1, memoryLimit: 256 * MI }, faster, 4), faster, T0 + 21);
    expect(c.cpuTotal(T0 + 21)).toBeCloseTo(cpu, 9);
    expect(c.memory(T0 + 21)).toBeCloseTo(leaked, -1);
    expect(c.memory(T0 + 22)).toBeCloseTo(leaked + 32 * MI, -1);
    // From about 125 MiB at 32 MiB/s, the 256 MiB limit is reached about 4 s later, not 50 s.
    c.advance(T0 + 26);
    expect(c.lastTermination).toMatchObject({ reason: 'OOMKilled' });
  });
});
