import type { EpisodeRecord, EpisodeStore } from '../../src/controller/remediation-runner.js';
import type { KubeObject } from '../../src/kube/kube-object.js';

/**
 * Remediation records kept in memory, for runner tests: what the runner reads back is a copy (as from the API), so
 * a test sees only what the runner wrote, never an object it still holds.
 */
export class MemoryEpisodeStore implements EpisodeStore {
  readonly records = new Map<string, EpisodeRecord>();

  async list() {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async create(_policy: KubeObject, target: KubeObject, status: EpisodeRecord['status']) {
    const namespace = target.metadata.namespace ?? 'default';
    const record: EpisodeRecord = {
      name: `p-${target.metadata.name}`,
      namespace,
      targetUid: target.metadata.uid ?? '',
      target: { kind: target.kind ?? 'Deployment', namespace, name: target.metadata.name },
      open: true,
      dryRun: false,
      resetRequested: false,
      status,
    };
    this.records.set(record.name, record);
    return structuredClone(record);
  }

  async update(record: EpisodeRecord, status: EpisodeRecord['status'], open: boolean) {
    const next = { ...record, status, open };
    this.records.set(record.name, next);
    return structuredClone(next);
  }

  async collect() {
    return 0;
  }
}
