import { describe, expect, it } from 'vitest';
import { defaultParams } from '../../src/simulator/behaviour-spec.js';
import { ContainerLoad, type LoadShape } from '../../src/simulator/load-profile.js';

const MI = 1024 * 1024;
const DAY = 86_400;
/** 2026-12-02T00:00:00Z */
const MIDNIGHT = Date.UTC(2026, 11, 2) / 1000;

function load(
  behaviour: Parameters<typeof defaultParams>[0] = 'healthy',
  limits = { cpuLimit: 1, memoryLimit: 256 * MI },
) {
  return new ContainerLoad(1234, limits, defaultParams(behaviour), 4);
}

/** The integral by the trapezoid rule on a fine grid, to check the closed forms against. */
function numeric(l: ContainerLoad, shape: LoadShape, a: number, b: number, step = 0.05): number {
  let sum = 0;
  for (let t = a; t < b; t += step)
    sum += ((l.cpuRate(shape, t) + l.cpuRate(shape, Math.min(b, t + step))) / 2) * Math.min(step, b - t);
  return sum;
}

describe('load shapes', () => {
  it.each(['steady', 'noisy', 'daily-peak', 'saturated'] as const)(
    'has a closed-form CPU integral that matches the rate (%s)',
    (shape) => {
      const l = load(shape === 'noisy' ? 'noisy' : shape === 'daily-peak' ? 'daily-peak' : 'cpu-saturation');
      const a = MIDNIGHT + 13 * 3600 + 17.3;
      const b = a + 600;
      expect(l.cpuIntegral(shape, a, b)).toBeCloseTo(numeric(l, shape, a, b), 2);
    },
  );

  it('never uses more CPU than the limit, whatever the shape', () => {
    const l = load('noisy', { cpuLimit: 0.25, memoryLimit: 128 * MI });
    for (const shape of ['steady', 'noisy', 'daily-peak', 'saturated'] as const) {
      for (let t = MIDNIGHT; t < MIDNIGHT + DAY; t += 37)
        expect(l.cpuRate(shape, t)).toBeLessThanOrEqual(0.25);
    }
  });

  it('spikes a noisy container every spike-every seconds to about spike-height times its baseline', () => {
    const l = load('noisy');
    const rates = Array.from({ length: 1200 }, (_, i) => l.cpuRate('noisy', MIDNIGHT + i));
    const base = Array.from({ length: 1200 }, (_, i) => l.cpuRate('steady', MIDNIGHT + i));
    const spiking = rates.filter((r, i) => r > (base[i] as number) * 1.5).length;
    // 10 spikes of 20 s in 20 minutes, of which the part above 1.5x the steady rate is about 15 s each.
    expect(spiking).toBeGreaterThan(100);
    expect(spiking).toBeLessThan(200);
    expect(Math.max(...rates)).toBeGreaterThan(2.5 * l.cpuBase);
  });

  it('peaks a daily-peak container at peak-hour (14 UTC) at up to peak-factor times the baseline, under the limit', () => {
    // Baseline 0.3 of a 1-core limit: 3x would reach the limit, so the peak is capped at 0.95 of it.
    const l = load('daily-peak');
    // Hourly means, so the steady shape's short waves do not blur the comparison.
    const at = (hour: number) =>
      l.cpuIntegral('daily-peak', MIDNIGHT + (hour - 0.5) * 3600, MIDNIGHT + (hour + 0.5) * 3600) / 3600;
    expect(at(14)).toBeGreaterThan(2 * l.cpuBase);
    expect(at(14)).toBeLessThan(1);
    expect(at(2)).toBeLessThan(1.3 * l.cpuBase);
    expect(at(14)).toBeGreaterThan(at(11));
    expect(at(14)).toBeGreaterThan(at(17));
  });

  it('bursts a daily-peak container with a peak-width from peak-hour:00 for that long, every day, also past midnight', () => {
    const params = { ...defaultParams('daily-peak'), peakHour: 23, peakWidth: 90 * 60, cpuBaseline: 0.1 };
    const l = new ContainerLoad(1234, { cpuLimit: 0.5, memoryLimit: 128 * MI }, params, 4);
    const at = (hour: number, minute = 0) => MIDNIGHT + hour * 3600 + minute * 60;
    // In the burst: peak-factor (3x) the baseline, give or take the steady shape's +-25 %; outside it: steady.
    for (const t of [at(23, 1), at(23, 59), at(24, 29), at(47, 10)]) {
      expect(l.cpuRate('daily-peak', t)).toBeGreaterThan(2.5 * l.cpuBase);
      expect(l.memory('daily-peak', t, MIDNIGHT)).toBeGreaterThan(1.4 * l.memoryBase);
    }
    for (const t of [at(22, 59), at(24, 31), at(12), at(46, 50)]) {
      expect(l.cpuRate('daily-peak', t)).toBeLessThan(1.3 * l.cpuBase);
      expect(l.memory('daily-peak', t, MIDNIGHT)).toBeLessThan(1.05 * l.memoryBase);
    }
    // The counter is the exact integral across the burst's edges, over several days.
    expect(l.cpuIntegral('daily-peak', at(22, 50), at(24, 40))).toBeCloseTo(
      numeric(l, 'daily-peak', at(22, 50), at(24, 40), 0.5),
      1,
    );
    // Above the steady shape: 1.5 h a day at 2 baselines more, in three days 9 baseline-hours.
    const extra = l.cpuIntegral('daily-peak', at(0), at(72)) - l.cpuIntegral('steady', at(0), at(72));
    expect(extra / 3600 / l.cpuBase).toBeCloseTo(9, 6);
  });

  it('leaks memory linearly from the baseline and dies at the limit', () => {
    const l = load('memory-leak');
    expect(l.memory('leak', 100, 100)).toBeCloseTo(0.4 * 256 * MI, -3);
    expect(l.memory('leak', 130, 100)).toBeCloseTo(0.4 * 256 * MI + 30 * l.leakRate, -3);
    expect(l.memory('leak', l.oomAt(100), 100)).toBe(256 * MI);
  });
});
