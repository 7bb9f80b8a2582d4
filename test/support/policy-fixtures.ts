import {
  CLUSTER_POLICY_KIND,
  POLICY_API_VERSION,
  POLICY_KIND,
  type PolicyKind,
} from '../../src/policy/api-group.js';
import type { DetectionMode } from '../../src/policy/spec-schema.js';

type Json = { [key: string]: unknown };

/**
 * Policy builder for tests, reading like a sentence: testPolicy('p').inNamespace('apps').withDryRun(false).build().
 * Starts from the smallest valid rules-mode policy so each test states only what it is about.
 */
export class PolicyBuilder {
  private readonly spec: Json = {
    detection: {
      mode: 'Rules',
      rules: [
        { name: 'restarts', feature: 'container_restart_count.diff', operator: '>', value: 0, for: '1m' },
      ],
    },
    actions: [{ name: 'restart', type: 'RestartPod' }],
  };
  private namespace = 'default';
  private kind: PolicyKind = POLICY_KIND;
  private labels: Record<string, string> = {};

  constructor(private readonly name: string) {}

  inNamespace(namespace: string): this {
    this.namespace = namespace;
    return this;
  }

  targeting(selector: Record<string, string>): this {
    this.spec.targets = { ...(this.spec.targets as Json | undefined), selector: { matchLabels: selector } };
    return this;
  }

  /** Makes it a ClusterRemediationPolicy covering the namespaces the selector picks (all when omitted). */
  clusterWide(namespaceSelector?: Json): this {
    this.kind = CLUSTER_POLICY_KIND;
    if (namespaceSelector) {
      this.spec.targets = { ...(this.spec.targets as Json | undefined), namespaceSelector };
    }
    return this;
  }

  withMode(mode: DetectionMode): this {
    (this.spec.detection as Json).mode = mode;
    return this;
  }

  withRule(rule: Json): this {
    (this.spec.detection as Json).rules = [rule];
    return this;
  }

  /** Sets detection.ml (e.g. {shadow: true}). */
  withMl(ml: Json): this {
    (this.spec.detection as Json).ml = ml;
    return this;
  }

  withoutRules(): this {
    (this.spec.detection as Json).rules = [];
    return this;
  }

  withActions(...actions: Json[]): this {
    this.spec.actions = actions;
    return this;
  }

  withSafety(safety: Json): this {
    this.spec.safety = safety;
    return this;
  }

  withSpecField(key: string, value: unknown): this {
    this.spec[key] = value;
    return this;
  }

  labelled(labels: Record<string, string>): this {
    this.labels = labels;
    return this;
  }

  buildSpec(): Json {
    return structuredClone(this.spec);
  }

  build(): Json {
    const clusterScoped = this.kind === CLUSTER_POLICY_KIND;
    return {
      apiVersion: POLICY_API_VERSION,
      kind: this.kind,
      metadata: {
        name: this.name,
        ...(clusterScoped ? {} : { namespace: this.namespace }),
        labels: this.labels,
      },
      spec: this.buildSpec(),
    };
  }
}

export function testPolicy(name = 'test-policy'): PolicyBuilder {
  return new PolicyBuilder(name);
}
