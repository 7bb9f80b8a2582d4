import { describe, expect, it } from 'vitest';
import {
  validatePrinterColumn,
  validateScaleSubresource,
  validateSimpleJsonPath,
} from '../../src/sandbox/crd-version-rules.js';

const col = 'spec.versions[0].additionalPrinterColumns[0]';
const scale = 'spec.versions[0].subresources.scale';

describe('validatePrinterColumn', () => {
  it('accepts a typical column, filters included', () => {
    expect(
      validatePrinterColumn(
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        col,
      ),
    ).toEqual([]);
    expect(
      validatePrinterColumn(
        { name: 'Age', type: 'date', format: 'date-time', jsonPath: '.metadata.creationTimestamp' },
        col,
      ),
    ).toEqual([]);
  });

  it('names every bad field with the apiserver wording', () => {
    expect(
      validatePrinterColumn({ type: 'text', format: 'percent', jsonPath: 'spec.x' }, col).map(
        (e) => e.message,
      ),
    ).toEqual([
      `${col}.name: Required value`,
      `${col}.type: Invalid value: "text": must be one of boolean,date,integer,number,string`,
      `${col}.format: Invalid value: "percent": must be one of byte,date,date-time,double,float,int32,int64,password`,
      `${col}.JSONPath: Invalid value: "spec.x": must be a simple json path starting with .`,
    ]);
    expect(validatePrinterColumn({ name: 'n' }, col).map((e) => e.message)).toEqual([
      `${col}.type: Required value: must be one of boolean,date,integer,number,string`,
      `${col}.JSONPath: Required value`,
    ]);
  });
});

describe('validateScaleSubresource', () => {
  it('accepts the usual paths', () => {
    expect(
      validateScaleSubresource(
        {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.replicas',
          labelSelectorPath: '.status.selector',
        },
        scale,
      ),
    ).toEqual([]);
  });

  it('requires replica paths under .spec and .status', () => {
    expect(
      validateScaleSubresource(
        { specReplicasPath: '.status.replicas', labelSelectorPath: '.metadata.labels' },
        scale,
      ).map((e) => e.message),
    ).toEqual([
      `${scale}.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec`,
      `${scale}.statusReplicasPath: Required value`,
      `${scale}.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status`,
    ]);
    expect(
      validateScaleSubresource(
        { specReplicasPath: 'spec.replicas', statusReplicasPath: '.status.r' },
        scale,
      )[0]?.message,
    ).toBe(
      `${scale}.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .`,
    );
  });

  it('validateSimpleJsonPath rejects empty paths', () => {
    expect(validateSimpleJsonPath('', 'f')[0]?.message).toBe('f: Invalid value: "": must not be empty');
    expect(validateSimpleJsonPath('.', 'f')).toEqual([]);
  });
});
