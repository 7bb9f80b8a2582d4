/**
 * Protobuf definitions of the apimachinery messages every Kubernetes object uses, written from
 * k8s.io/apimachinery's generated.proto files (field numbers are the wire contract; names are the JSON names).
 *
 * Two field options are ours, not upstream's:
 * - `(nullable) = true`: a Go pointer field. gogo-protobuf writes such a field only when it is set, so a zero
 *   value on the wire is a real value (replicas: 0). Every other field is written even when empty, so its
 *   zero value means "unset" and is omitted from the JSON, as Go's omitempty would.
 * - `(inline) = true`: an embedded Go struct whose fields JSON flattens into the parent.
 */
export const apimachineryProtoSources = [
  `syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;

// The envelope after the 4-byte "k8s\\0" magic. Note: apiVersion = 1 here, unlike meta/v1 TypeMeta.
message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}

message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
`,
  `syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;

// type 0 is an int (intVal), 1 a string (strVal).
message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`,
  `syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;

message Quantity {
  optional string string = 1;
}
`,
  `syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;

message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9 [(nullable) = true];
  optional int64 deletionGracePeriodSeconds = 10 [(nullable) = true];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
}

message OwnerReference {
  optional string kind = 1;
  optional string name = 3;
  optional string uid = 4;
  optional string apiVersion = 5;
  optional bool controller = 6 [(nullable) = true];
  optional bool blockOwnerDeletion = 7 [(nullable) = true];
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message LabelSelectorRequirement {
  optional string key = 1;
  optional string operator = 2;
  repeated string values = 3;
}

message Condition {
  optional string type = 1;
  optional string status = 2;
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message Preconditions {
  optional string uid = 1 [(nullable) = true];
  optional string resourceVersion = 2 [(nullable) = true];
}

message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(nullable) = true];
  optional Preconditions preconditions = 2 [(nullable) = true];
  optional bool orphanDependents = 3 [(nullable) = true];
  optional string propagationPolicy = 4 [(nullable) = true];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(nullable) = true];
}
`,
];
