import { POLICY_API_VERSION, POLICY_KIND } from '../../src/policy/api-group.js';

type Json = { [key: string]: unknown };

/**
 * Policy builder for tests, reading like a sentence: testPolicy('p').inNamespace('apps').withDryRun(false).build().
 * Starts from the smallest valid rules-mode policy so each test states only what it is about.
 */
export class PolicyBuilder {
  private readonly spec: Json = {
    detection: {
      mode: 'rules',
      rules: [
        { name: 'restarts', feature: 'container_restart_count.diff', operator: '>', value: 0, for: '1m' },
      ],
    },
    actions: [{ type: 'restartPod' }],
  };
  private namespace = 'default';
  private labels: Record<string, string> = {};

  constructor(private readonly name: string) {}

  inNamespace(namespace: string): this {
    this.namespace = namespace;
    return this;
  }

  targeting(selector: Record<string, string>, namespaces?: string[]): this {
    this.spec.targets = { selector: { matchLabels: selector }, ...(namespaces ? { namespaces } : {}) };
    return this;
  }

  withMode(mode: string): this {
    (this.spec.detection as Json).mode = mode;
    return this;
  }

  withRule(rule: Json): this {
    (this.spec.detection as Json).rules = [rule];
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
    return {
      apiVersion: POLICY_API_VERSION,
      kind: POLICY_KIND,
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: this.buildSpec(),
    };
  }
}

export function testPolicy(name = 'test-policy'): PolicyBuilder {
  return new PolicyBuilder(name);
}
