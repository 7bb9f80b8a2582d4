import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sandbox/api-error.js';
import { decodeProtobufObject } from '../../src/sandbox/protobuf/decode-request.js';
import { kubectlProtobufFixtures } from './protobuf-fixtures.js';

/** Wire-level builders (tags and lengths only), so these bodies do not depend on our message definitions. */
type Build = (w: protobuf.Writer) => void;
const message = (build: Build): Uint8Array => {
  const w = protobuf.Writer.create();
  build(w);
  return w.finish();
};
const str = (w: protobuf.Writer, field: number, value: string) => w.uint32((field << 3) | 2).string(value);
const sub = (w: protobuf.Writer, field: number, build: Build) =>
  w.uint32((field << 3) | 2).bytes(message(build));
const varint = (w: protobuf.Writer, field: number, value: number) => w.uint32(field << 3).int64(value);

function envelope(apiVersion: string, kind: string, object: Build): Buffer {
  const unknown = message((w) => {
    if (apiVersion || kind) {
      sub(w, 1, (t) => {
        if (apiVersion) str(t, 1, apiVersion);
        if (kind) str(t, 2, kind);
      });
    }
    w.uint32((2 << 3) | 2).bytes(message(object));
  });
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

function decodeError(body: Uint8Array, kind = 'Deployment'): ApiError {
  try {
    decodeProtobufObject(body, { apiVersion: 'apps/v1', kind });
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the body to be rejected');
}

describe('decoding protobuf bodies the real kubectl sent', () => {
  it.each(kubectlProtobufFixtures)('$command', (fixture) => {
    const decoded = decodeProtobufObject(Buffer.from(fixture.base64, 'base64'), fixture);
    expect(decoded).toEqual(fixture.json);
  });

  it('covers the JSON forms that differ from the wire: IntOrString, Quantity, bytes, maps, nested lists', () => {
    const byCommand = (text: string) => {
      const fixture = kubectlProtobufFixtures.find((f) => f.command.includes(text));
      if (!fixture) throw new Error(`no fixture for ${text}`);
      return decodeProtobufObject(Buffer.from(fixture.base64, 'base64'), fixture);
    };
    /** The value at a dotted path (numeric segments index arrays). */
    const at = (value: unknown, path: string): unknown =>
      path
        .split('.')
        .reduce<unknown>((cur, key) => (cur as Record<string, unknown> | undefined)?.[key], value);
    // IntOrString: an int and a named port.
    expect(at(byCommand('clusterip'), 'spec.ports.0.targetPort')).toBe(8080);
    expect(at(byCommand('nodeport'), 'spec.ports.0')).toMatchObject({ targetPort: 'http', nodePort: 30080 });
    expect(at(byCommand('min-available'), 'spec.minAvailable')).toBe('50%');
    expect(at(byCommand('max-unavailable'), 'spec.maxUnavailable')).toBe(1);
    // Quantity in a map.
    expect(at(byCommand('quota'), 'spec.hard')).toEqual({ cpu: '1500m', memory: '1Gi', pods: '10' });
    // bytes → base64.
    expect(at(byCommand('generic'), 'data')).toEqual({ user: 'YWRtaW4=', pass: 'czNjcjN0' });
    // A nested repeated message inside a repeated message; a repeated string.
    expect(at(byCommand('--port=8080'), 'spec.template.spec.containers.0.ports')).toEqual([
      { containerPort: 8080 },
    ]);
    expect(at(byCommand('sleep'), 'spec.template.spec.containers.0.command')).toEqual(['sleep', '3600']);
    expect(at(byCommand('rolebinding'), 'subjects')).toEqual([
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'payments' },
    ]);
  });
});

describe('decoding protobuf field semantics', () => {
  it('keeps a zero in a pointer field and omits it in a plain one; formats Time; inlines embedded structs', () => {
    const body = envelope('apps/v1', 'Deployment', (d) => {
      sub(d, 1, (m) => {
        str(m, 1, 'zero');
        sub(m, 8, (t) => varint(t, 1, 1_700_000_000));
        sub(m, 13, (o) => {
          str(o, 1, 'ReplicaSet');
          str(o, 3, 'rs');
          str(o, 4, 'u-1');
          str(o, 5, 'apps/v1');
          varint(o, 6, 1);
        });
      });
      sub(d, 2, (s) => {
        varint(s, 1, 0); // replicas: *int32, so 0 is a real value
        varint(s, 5, 0); // minReadySeconds: int32, 0 means unset
        sub(s, 3, (t) =>
          sub(t, 2, (p) =>
            sub(p, 2, (c) => {
              str(c, 1, 'app');
              sub(c, 7, (e) =>
                sub(e, 3, (f) => sub(f, 4, (k) => sub(k, 1, (r) => str(r, 1, 'creds')) && str(k, 2, 'pw'))),
              );
            }),
          ),
        );
      });
    });
    expect(decodeProtobufObject(body, { apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'zero',
        creationTimestamp: '2023-11-14T22:13:20Z',
        ownerReferences: [
          { kind: 'ReplicaSet', name: 'rs', uid: 'u-1', apiVersion: 'apps/v1', controller: true },
        ],
      },
      spec: {
        replicas: 0,
        template: {
          spec: {
            containers: [
              { name: 'app', env: [{ valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } }] },
            ],
          },
        },
      },
    });
  });

  it('decodes a Scale to 0, DeleteOptions under any group, and an Eviction', () => {
    const scale = envelope('autoscaling/v1', 'Scale', (s) => {
      sub(s, 1, (m) => str(m, 1, 'web'));
      sub(s, 2, (spec) => varint(spec, 1, 0));
    });
    expect(decodeProtobufObject(scale, { apiVersion: 'autoscaling/v1', kind: 'Scale' })).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web' },
      spec: { replicas: 0 },
    });
    const options: Build = (o) => {
      varint(o, 1, 0);
      str(o, 4, 'Foreground');
      str(o, 5, 'All');
    };
    expect(
      decodeProtobufObject(envelope('apps/v1', 'DeleteOptions', options), { apiVersion: 'x', kind: 'y' }),
    ).toEqual({
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    const eviction = envelope('policy/v1', 'Eviction', (e) => {
      sub(e, 1, (m) => str(m, 1, 'web-1') && str(m, 3, 'shop'));
      sub(e, 2, options);
    });
    expect(decodeProtobufObject(eviction, { apiVersion: 'policy/v1', kind: 'Eviction' })).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-1', namespace: 'shop' },
      deleteOptions: { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'] },
    });
  });

  it('takes the kind from the URL when the envelope names none', () => {
    const body = envelope('', '', (n) => sub(n, 1, (m) => str(m, 1, 'team-a')));
    expect(decodeProtobufObject(body, { apiVersion: 'v1', kind: 'Namespace' })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a' },
    });
  });
});

describe('rejecting protobuf bodies the sandbox cannot take', () => {
  it('ignores an undefined field that is empty but rejects one with content, naming where it is', () => {
    const withField = (value: string) =>
      envelope('apps/v1', 'Deployment', (d) => {
        sub(d, 1, (m) => str(m, 1, 'web'));
        sub(d, 2, (s) => sub(s, 3, (t) => sub(t, 2, (p) => str(p, 18, value)))); // PodSpec.affinity
      });
    expect(decodeProtobufObject(withField(''), { apiVersion: 'apps/v1', kind: 'Deployment' })).toMatchObject({
      metadata: { name: 'web' },
    });
    const err = decodeError(withField('\n\0'));
    expect(err.code).toBe(415);
    expect(err.message).toContain('spec.template.spec: protobuf field 18 of k8s.io.api.core.v1.PodSpec');
  });

  it('answers 415 for a kind without a definition', () => {
    const err = decodeError(
      envelope('batch/v1', 'Job', (j) => sub(j, 1, (m) => str(m, 1, 'j'))),
      'Job',
    );
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toContain('Job (batch/v1)');
  });

  it('answers 400 naming the problem for a body that does not decode', () => {
    const noMagic = decodeError(Buffer.from('{"kind":"Deployment"}'));
    expect(noMagic.code).toBe(400);
    expect(noMagic.message).toContain('does not start with the "k8s\\x00" prefix');

    const good = envelope('apps/v1', 'Deployment', (d) => sub(d, 1, (m) => str(m, 1, 'web')));
    const truncated = decodeError(good.subarray(0, good.length - 3));
    expect(truncated.code).toBe(400);
    expect(truncated.message).toMatch(
      /couldn't decode the protobuf body as Deployment: .*index out of range/,
    );

    const badWireType = decodeError(envelope('apps/v1', 'Deployment', (d) => d.uint32((1 << 3) | 7)));
    expect(badWireType.code).toBe(400);
    expect(badWireType.message).toContain('invalid wire type 7');
  });
});
