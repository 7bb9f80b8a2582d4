/** A RemediationPolicy-like CRD schema exercising most keywords, shared by the schema tests. */
import type { JSONSchemaProps } from '../../src/sandbox/schema-validation.js';

export const policySchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['targets'],
      properties: {
        mode: { type: 'string', enum: ['rules', 'ml', 'hybrid'], default: 'hybrid' },
        replicas: { type: 'integer', minimum: 1, maximum: 100, default: 2 },
        count: { type: 'integer' },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 10, minLength: 2 },
        ratio: { type: 'number', minimum: 0, maximum: 1, exclusiveMaximum: true },
        targets: {
          type: 'array',
          maxItems: 3,
          minItems: 1,
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string' },
              weight: { type: 'integer', default: 1 },
            },
          },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        thresholds: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { value: { type: 'number' }, op: { type: 'string', default: 'gt' } },
          },
        },
        safety: {
          type: 'object',
          default: {},
          properties: {
            dryRun: { type: 'boolean', default: false },
            maxActions: { type: 'integer', default: 5 },
          },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
        note: { type: 'string', nullable: true },
        rules: {
          type: 'array',
          'x-kubernetes-validations': [{ rule: 'self.size() > 0' }],
          items: { type: 'string' },
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

export const spec = policySchema.properties?.spec as JSONSchemaProps;
