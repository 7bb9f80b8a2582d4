import type { JsonObject, JsonValue } from '../json/json-value.js';

/** Where the replica count lives for the `/scale` subresource (autoscaling/v1 Scale). */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** Converts between the stored shape and the shape a version serves (events.k8s.io/v1 vs core/v1 Event). */
export interface VersionCodec {
  toExternal(stored: JsonObject): JsonObject;
  toStorage(external: JsonObject): JsonObject;
}

/** Everything the API server needs to know about one resource (group + plural), built-in or from a CRD. */
export interface ResourceType {
  group: string;
  /** Served versions, preferred (storage) version first. */
  versions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  /** Field selector fields beyond metadata.name and metadata.namespace. */
  selectableFields: string[];
  /** Objects of several resources can share one storage (core and events.k8s.io Events). */
  storageKey: string;
  codecs?: Record<string, VersionCodec>;
  /** True when a main-resource write may omit metadata.resourceVersion (built-ins); CRs require it. */
  allowUnconditionalUpdate: boolean;
  /** Strategic merge patch is only defined for built-in kinds. */
  supportsStrategicMerge: boolean;
  /** Present for custom resources: the CRD object that defines them. */
  crd?: JsonObject;
  /** Kind-specific defaulting (built-ins), applied on create and update. */
  defaulter?: (obj: JsonObject) => void;
  /** Kind-specific validation (built-ins): returns `field: message` causes. */
  validator?: (obj: JsonObject) => Array<{ field: string; reason: string; message: string }>;
  /**
   * The complete Table columns of a built-in, as kube-apiserver's printers define them (Name and Age included,
   * priority-1 columns shown by `kubectl get -o wide`). Without them a built-in gets the default convertor's
   * Name and Created At. CRDs use their additionalPrinterColumns instead.
   */
  tableColumns?: TableColumn[];
}

/** One meta.k8s.io/v1 TableColumnDefinition plus how to compute its cell from the (storage-shaped) object. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  /** 0 for the default view, 1 for `-o wide` only. */
  priority: number;
  /** The cell value with the printer's Go type: numbers for int64 cells, strings, booleans; null for none. */
  cell(obj: JsonObject, now: Date): JsonValue;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function resourceKey(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}
