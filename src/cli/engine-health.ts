import type { CacheGroup } from '../controller/cache-group.js';
import type { LeaderElector } from '../controller/leader-election.js';
import type { HealthSource, HealthState } from '../server/health.js';
import type { Readiness } from '../server/http-servers.js';
import type { Clock } from '../time/clock.js';

/** Failed list/watch attempts in a row after which the API server counts as unreachable. */
const DOWN_AFTER_FAILURES = 3;

/** Kubernetes health as the caches see it: down when they cannot list/watch, degraded while recovering. */
export function kubernetesHealthSource(caches: readonly CacheGroup[], clock: Clock): HealthSource {
  return {
    name: 'kubernetes',
    critical: true,
    check() {
      const problems: string[] = [];
      let status: HealthState = 'ok';
      const details: Record<string, unknown> = {};
      for (const cache of caches) {
        const stats = cache.stats();
        details[cache.resource] = stats.map((s) => ({
          path: s.path,
          synced: s.synced,
          objects: s.objects,
          resourceVersion: s.resourceVersion,
          watching: s.watching,
          relists: s.relists,
          watchRestarts: s.watchRestarts,
          consecutiveFailures: s.consecutiveFailures,
          lastEventAgeSeconds: s.lastEventTime === undefined ? null : (clock.now() - s.lastEventTime) / 1000,
          lastError: s.lastError ?? null,
        }));
        for (const s of stats) {
          if (!s.synced || s.consecutiveFailures >= DOWN_AFTER_FAILURES) {
            status = 'down';
            problems.push(
              `${cache.resource}: ${s.synced ? 'cannot reach the API' : 'not synced'}${s.lastError ? ` (${s.lastError})` : ''}`,
            );
          } else if (s.consecutiveFailures > 0) {
            if (status === 'ok') status = 'degraded';
            problems.push(`${cache.resource}: watch restarting`);
          }
        }
      }
      return {
        status,
        message: problems.length === 0 ? 'caches synced and watching' : problems.join('; '),
        details,
      };
    },
  };
}

export function leaderHealthSource(
  elector: LeaderElector | undefined,
  /** True while the replica waits for its caches to sync before it campaigns for the lease. */
  waitingToCampaign: () => boolean = () => false,
): HealthSource {
  return {
    name: 'leader',
    critical: true,
    check() {
      if (!elector) return { status: 'ok', message: 'leader election disabled; this replica reconciles' };
      const status = elector.status();
      if (!status.running && waitingToCampaign()) {
        return {
          status: 'degraded',
          message: 'waiting for the caches to sync before campaigning',
          details: status,
        };
      }
      if (!status.running)
        return { status: 'down', message: 'leader election is not running', details: status };
      return {
        status: 'ok',
        message: status.leader ? 'this replica is the leader' : 'standing by as a follower',
        details: status,
      };
    },
  };
}

/** Ready once every cache has synced and leader election runs; otherwise what is missing. */
export function engineReadiness(
  caches: readonly CacheGroup[],
  elector: LeaderElector | undefined,
): Readiness {
  return {
    notReadyReasons: () => {
      const reasons: string[] = [];
      const unsynced = caches.filter((c) => !c.hasSynced()).map((c) => c.resource);
      if (unsynced.length > 0) reasons.push(`caches not synced: ${unsynced.join(', ')}`);
      if (elector && !elector.isRunning()) reasons.push('leader election is not running');
      return reasons;
    },
  };
}
