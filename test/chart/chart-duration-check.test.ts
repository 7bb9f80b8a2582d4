import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/policy/duration.js';
import { renderChart } from '../support/helm-chart.js';

// The template's leaderElection check must read a duration as the engine does (parseDuration: decimal digits).
// Sprig's int64 parses strings with strconv.ParseInt(s, 0, 0): "012" is octal 10 and "09" is an error read as 0.
describe('the chart reads leaderElection durations as the engine does', () => {
  it('refuses 11s > 012s, which the engine refuses (12 s is not less than 11 s)', async () => {
    expect(parseDuration('012s')).toBe(12_000);
    await expect(
      renderChart({ leaderElection: { leaseDuration: '11s', renewDeadline: '012s', retryPeriod: '2s' } }),
    ).rejects.toThrow(/leaderElection: leaseDuration \(11s\) > renewDeadline \(012s\)/);
  });

  it('accepts 15s > 09s > 2s, which the engine accepts', async () => {
    expect(parseDuration('09s')).toBe(9_000);
    await expect(
      renderChart({ leaderElection: { leaseDuration: '15s', renewDeadline: '09s', retryPeriod: '2s' } }),
    ).resolves.toBeDefined();
  });
});
