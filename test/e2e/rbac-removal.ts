import type { AuthorizationRecord } from '../../src/sandbox/access-control.js';
import { authorize } from '../../src/sandbox/rbac.js';
import {
  describeRequest,
  describeRule,
  type RbacRule,
  type RuleRef,
  renderEngine,
  rulesOf,
  startChartCluster,
} from './rbac-cluster.js';
import { EVERY_SCENARIO, rbacObjects, scenariosOf } from './rbac-necessity.js';
import { runScenario } from './rbac-scenario-kit.js';
import { SCENARIOS } from './rbac-scenarios.js';

/**
 * One rule of the rendered RBAC removed for real: the engine runs every named scenario as the chart's
 * ServiceAccount without it. What failed, what the engine was refused, and which rule those refusals lacked.
 */
export interface RemovalResult {
  /** Named scenarios that failed (short names), and each failure, which lists what the engine was refused. */
  failed: Map<string, string>;
  passed: string[];
  /** The engine's refused requests, described once each. */
  denied: string[];
  /** Of the refusals, those the removed rule alone would have allowed (the full rules allow them through it). */
  deniedForTheRule: AuthorizationRecord[];
  /** The scenarios those refusals serve, EVERY_SCENARIO for the engine's start. */
  refusedScenarios: string[];
  seconds: number;
}

export const shortName = (name: string) => name.split(':')[0] ?? name;

/** The rules of the chart as rendered by default (cluster-wide), with their position. */
export async function renderedRules(): Promise<{ ref: RuleRef; rule: RbacRule; label: string }[]> {
  const { rbac } = await renderEngine({});
  return rulesOf(rbac).map(({ ref, rule }) => ({ ref, rule, label: describeRule(ref, rule) }));
}

export async function runWithout(ref: RuleRef, timeoutMs: number): Promise<RemovalResult> {
  const started = Date.now();
  const cluster = await startChartCluster({
    removed: ref,
    prepare: async (admin, sandbox) => {
      for (const s of SCENARIOS) await s.setup({ sandbox, admin });
    },
  });
  try {
    const outcomes = await Promise.allSettled(SCENARIOS.map((s) => runScenario(cluster, s, timeoutMs)));
    const failed = new Map<string, string>();
    const passed: string[] = [];
    outcomes.forEach((o, i) => {
      const name = shortName(SCENARIOS[i]?.name ?? '');
      if (o.status === 'fulfilled') passed.push(name);
      else failed.set(name, String(o.reason));
    });
    const refused = cluster.engineDecisions().filter((d) => !d.decision.allowed);
    const full = rbacObjects(cluster.rendered);
    const deniedForTheRule = refused.filter((d) => {
      const g = authorize(d.attributes, full).grant;
      const role = g?.role;
      return role?.kind === ref.kind && role.name === ref.name && g?.rule === ref.index;
    });
    return {
      failed,
      passed,
      denied: [...new Set(refused.map((d) => describeRequest(d.attributes)))],
      deniedForTheRule,
      refusedScenarios: [...new Set(deniedForTheRule.flatMap((d) => scenariosOf(SCENARIOS, d)))],
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await cluster.stop();
  }
}

/** The scenarios a removal's refusals say must fail: all of them when the engine could not start. */
export function expectedFailures(result: RemovalResult): string[] {
  const all = SCENARIOS.map((s) => shortName(s.name));
  return result.refusedScenarios.includes(EVERY_SCENARIO) ? all : result.refusedScenarios;
}

/** One line of the matrix: rule → failing named scenarios → what the engine was refused. */
export function matrixLine(label: string, r: RemovalResult): string {
  const failed = [...r.failed.keys()].join(', ') || 'NONE';
  return `${label}\n  fails: ${failed} (${r.seconds} s)\n  refused: ${r.denied.slice(0, 4).join('; ')}`;
}
