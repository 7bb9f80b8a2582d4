import protobuf from 'protobufjs';
import { apimachineryProtoSources } from './apimachinery-proto.js';
import { appsProtoSource } from './apps-proto.js';
import { coreProtoSource } from './core-proto.js';
import { podProtoSource } from './pod-proto.js';
import { policyRbacProtoSources } from './policy-rbac-proto.js';

const OBJECT_META = '.k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const DELETE_OPTIONS = 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions';

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const sources = [
    ...apimachineryProtoSources,
    coreProtoSource,
    podProtoSource,
    appsProtoSource,
    ...policyRbacProtoSources,
  ];
  // keepCase: the field names in our sources are already the JSON names.
  for (const source of sources) protobuf.parse(source, root, { keepCase: true });
  root.resolveAll();
  return root;
}

let root: protobuf.Root | undefined;

/** Parsed once, on the first protobuf request. */
export function protobufRoot(): protobuf.Root {
  root ??= buildRoot();
  return root;
}

export function envelopeType(): protobuf.Type {
  return protobufRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
}

/** `apps/v1` → `k8s.io.api.apps.v1`, `v1` → `k8s.io.api.core.v1`, `rbac.authorization.k8s.io/v1` → `...rbac.v1`. */
function packageOf(apiVersion: string): string | undefined {
  const parts = apiVersion.split('/');
  const [group, version] = parts.length === 1 ? ['', parts[0]] : parts;
  if (!version || parts.length > 2) return undefined;
  const name = group === '' ? 'core' : group.split('.')[0];
  return `k8s.io.api.${name}.${version}`;
}

/**
 * The message type of a top-level object (one with ObjectMeta metadata) of this apiVersion and kind, or
 * DeleteOptions, which clients send under any group's apiVersion; undefined when the sandbox has no definition.
 */
export function objectType(apiVersion: string, kind: string): protobuf.Type | undefined {
  if (kind === 'DeleteOptions') return protobufRoot().lookupType(DELETE_OPTIONS);
  const pkg = packageOf(apiVersion);
  if (!pkg || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const found = protobufRoot().lookup(`${pkg}.${kind}`);
  if (!(found instanceof protobuf.Type)) return undefined;
  const metadata = found.fields.metadata;
  return metadata?.resolvedType?.fullName === OBJECT_META ? found : undefined;
}
