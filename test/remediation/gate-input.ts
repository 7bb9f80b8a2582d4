import { DEFAULT_GATE_CONFIG, type GateInput } from '../../src/remediation/gates.js';

export const NOW = 1_800_000_000_000;
export const MIN = 60_000;

/** Passes every gate: not paused, unowned, calm, 1 of 10 unhealthy, never acted, live (not dry-run). */
export function passing(): GateInput {
  return {
    config: { ...DEFAULT_GATE_CONFIG, dryRun: false },
    target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    action: { type: 'RolloutRestart' },
    protection: {},
    ownership: {},
    storm: { active: false, anomalous: 1, trigger: 5 },
    blastRadius: { total: 10, notHealthy: new Set(['web']), underRemediation: new Set(), candidate: 'web' },
    actionTimesInLastHour: [],
    openEpisodesOfPolicy: 0,
    attempts: 0,
    nowMs: NOW,
  };
}
