/**
 * core/v1 Pod, PodSpec, Container and volume messages, written from k8s.io/api/core/v1/generated.proto: the
 * parts of a pod clients commonly send (no affinity, no status, only the common volume sources). A field not
 * defined here that arrives with content is rejected by name rather than dropped (see to-json.ts).
 * Options: see apimachinery-proto.ts.
 */
export const podProtoSource = `syntax = "proto2";
package k8s.io.api.core.v1;

message Pod {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
  // Not decoded: a status with content is rejected (clients create pods without one).
  optional PodStatus status = 3;
}
message PodStatus {
}
message PodTemplateSpec {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
}
message PodSpec {
  repeated Volume volumes = 1;
  repeated Container containers = 2;
  optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4 [(nullable) = true];
  optional int64 activeDeadlineSeconds = 5 [(nullable) = true];
  optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8;
  optional string serviceAccount = 9;
  optional string nodeName = 10;
  optional bool hostNetwork = 11;
  optional bool hostPID = 12;
  optional bool hostIPC = 13;
  optional PodSecurityContext securityContext = 14 [(nullable) = true];
  repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16;
  optional string subdomain = 17;
  optional string schedulerName = 19;
  repeated Container initContainers = 20;
  optional bool automountServiceAccountToken = 21 [(nullable) = true];
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  optional string priorityClassName = 24;
  optional int32 priority = 25 [(nullable) = true];
  optional PodDNSConfig dnsConfig = 26 [(nullable) = true];
  optional bool shareProcessNamespace = 27 [(nullable) = true];
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29 [(nullable) = true];
  optional bool enableServiceLinks = 30 [(nullable) = true];
  optional string preemptionPolicy = 31 [(nullable) = true];
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  optional bool setHostnameAsFQDN = 35 [(nullable) = true];
  optional PodOS os = 36 [(nullable) = true];
  optional bool hostUsers = 37 [(nullable) = true];
}
message PodOS {
  optional string name = 1;
}
message PodDNSConfig {
  repeated string nameservers = 1;
  repeated string searches = 2;
  repeated PodDNSConfigOption options = 3;
}
message PodDNSConfigOption {
  optional string name = 1;
  optional string value = 2 [(nullable) = true];
}
message PodReadinessGate {
  optional string conditionType = 1;
}
message HostAlias {
  optional string ip = 1;
  repeated string hostnames = 2;
}
message Toleration {
  optional string key = 1;
  optional string operator = 2;
  optional string value = 3;
  optional string effect = 4;
  optional int64 tolerationSeconds = 5 [(nullable) = true];
}
message TopologySpreadConstraint {
  optional int32 maxSkew = 1;
  optional string topologyKey = 2;
  optional string whenUnsatisfiable = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 4 [(nullable) = true];
  optional int32 minDomains = 5 [(nullable) = true];
  optional string nodeAffinityPolicy = 6 [(nullable) = true];
  optional string nodeTaintsPolicy = 7 [(nullable) = true];
  repeated string matchLabelKeys = 8;
}
message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1 [(nullable) = true];
  optional int64 runAsUser = 2 [(nullable) = true];
  optional bool runAsNonRoot = 3 [(nullable) = true];
  repeated int64 supplementalGroups = 4;
  optional int64 fsGroup = 5 [(nullable) = true];
  optional int64 runAsGroup = 6 [(nullable) = true];
  repeated Sysctl sysctls = 7;
  optional string fsGroupChangePolicy = 9 [(nullable) = true];
  optional SeccompProfile seccompProfile = 10 [(nullable) = true];
}
message Sysctl {
  optional string name = 1;
  optional string value = 2;
}

message Container {
  optional string name = 1;
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated VolumeMount volumeMounts = 9;
  optional Probe livenessProbe = 10 [(nullable) = true];
  optional Probe readinessProbe = 11 [(nullable) = true];
  optional Lifecycle lifecycle = 12 [(nullable) = true];
  optional string terminationMessagePath = 13;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15 [(nullable) = true];
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
  repeated EnvFromSource envFrom = 19;
  optional string terminationMessagePolicy = 20;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe startupProbe = 22 [(nullable) = true];
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(nullable) = true];
}
message ContainerPort {
  optional string name = 1;
  optional int32 hostPort = 2;
  optional int32 containerPort = 3;
  optional string protocol = 4;
  optional string hostIP = 5;
}
message ContainerResizePolicy {
  optional string resourceName = 1;
  optional string restartPolicy = 2;
}
message EnvVar {
  optional string name = 1;
  optional string value = 2;
  optional EnvVarSource valueFrom = 3 [(nullable) = true];
}
message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1 [(nullable) = true];
  optional ResourceFieldSelector resourceFieldRef = 2 [(nullable) = true];
  optional ConfigMapKeySelector configMapKeyRef = 3 [(nullable) = true];
  optional SecretKeySelector secretKeyRef = 4 [(nullable) = true];
}
message ObjectFieldSelector {
  optional string apiVersion = 1;
  optional string fieldPath = 2;
}
message ResourceFieldSelector {
  optional string containerName = 1;
  optional string resource = 2;
  optional k8s.io.apimachinery.pkg.api.resource.Quantity divisor = 3;
}
message ConfigMapKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional string key = 2;
  optional bool optional = 3 [(nullable) = true];
}
message SecretKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional string key = 2;
  optional bool optional = 3 [(nullable) = true];
}
message EnvFromSource {
  optional string prefix = 1;
  optional ConfigMapEnvSource configMapRef = 2 [(nullable) = true];
  optional SecretEnvSource secretRef = 3 [(nullable) = true];
}
message ConfigMapEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional bool optional = 2 [(nullable) = true];
}
message SecretEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional bool optional = 2 [(nullable) = true];
}
message ResourceRequirements {
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 1;
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> requests = 2;
  repeated ResourceClaim claims = 3;
}
message ResourceClaim {
  optional string name = 1;
  optional string request = 2;
}
message VolumeMount {
  optional string name = 1;
  optional bool readOnly = 2;
  optional string mountPath = 3;
  optional string subPath = 4;
  optional string mountPropagation = 5 [(nullable) = true];
  optional string subPathExpr = 6;
  optional string recursiveReadOnly = 7 [(nullable) = true];
}
message VolumeDevice {
  optional string name = 1;
  optional string devicePath = 2;
}
message Probe {
  optional ProbeHandler handler = 1 [(inline) = true];
  optional int32 initialDelaySeconds = 2;
  optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4;
  optional int32 successThreshold = 5;
  optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7 [(nullable) = true];
}
message ProbeHandler {
  optional ExecAction exec = 1 [(nullable) = true];
  optional HTTPGetAction httpGet = 2 [(nullable) = true];
  optional TCPSocketAction tcpSocket = 3 [(nullable) = true];
  optional GRPCAction grpc = 4 [(nullable) = true];
}
message Lifecycle {
  optional LifecycleHandler postStart = 1 [(nullable) = true];
  optional LifecycleHandler preStop = 2 [(nullable) = true];
}
message LifecycleHandler {
  optional ExecAction exec = 1 [(nullable) = true];
  optional HTTPGetAction httpGet = 2 [(nullable) = true];
  optional TCPSocketAction tcpSocket = 3 [(nullable) = true];
  optional SleepAction sleep = 4 [(nullable) = true];
}
message ExecAction {
  repeated string command = 1;
}
message HTTPGetAction {
  optional string path = 1;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 2;
  optional string host = 3;
  optional string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}
message HTTPHeader {
  optional string name = 1;
  optional string value = 2;
}
message TCPSocketAction {
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 1;
  optional string host = 2;
}
message GRPCAction {
  optional int32 port = 1;
  optional string service = 2 [(nullable) = true];
}
message SleepAction {
  optional int64 seconds = 1;
}
message SecurityContext {
  optional Capabilities capabilities = 1 [(nullable) = true];
  optional bool privileged = 2 [(nullable) = true];
  optional SELinuxOptions seLinuxOptions = 3 [(nullable) = true];
  optional int64 runAsUser = 4 [(nullable) = true];
  optional bool runAsNonRoot = 5 [(nullable) = true];
  optional bool readOnlyRootFilesystem = 6 [(nullable) = true];
  optional bool allowPrivilegeEscalation = 7 [(nullable) = true];
  optional int64 runAsGroup = 8 [(nullable) = true];
  optional string procMount = 9 [(nullable) = true];
  optional SeccompProfile seccompProfile = 11 [(nullable) = true];
}
message Capabilities {
  repeated string add = 1;
  repeated string drop = 2;
}
message SELinuxOptions {
  optional string user = 1;
  optional string role = 2;
  optional string type = 3;
  optional string level = 4;
}
message SeccompProfile {
  optional string type = 1;
  optional string localhostProfile = 2 [(nullable) = true];
}

message Volume {
  optional string name = 1;
  optional VolumeSource volumeSource = 2 [(inline) = true];
}
message VolumeSource {
  optional HostPathVolumeSource hostPath = 1 [(nullable) = true];
  optional EmptyDirVolumeSource emptyDir = 2 [(nullable) = true];
  optional SecretVolumeSource secret = 6 [(nullable) = true];
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10 [(nullable) = true];
  optional DownwardAPIVolumeSource downwardAPI = 16 [(nullable) = true];
  optional ConfigMapVolumeSource configMap = 19 [(nullable) = true];
  optional ProjectedVolumeSource projected = 26 [(nullable) = true];
}
message HostPathVolumeSource {
  optional string path = 1;
  optional string type = 2 [(nullable) = true];
}
message EmptyDirVolumeSource {
  optional string medium = 1;
  optional k8s.io.apimachinery.pkg.api.resource.Quantity sizeLimit = 2 [(nullable) = true];
}
message KeyToPath {
  optional string key = 1;
  optional string path = 2;
  optional int32 mode = 3 [(nullable) = true];
}
message SecretVolumeSource {
  optional string secretName = 1;
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(nullable) = true];
  optional bool optional = 4 [(nullable) = true];
}
message ConfigMapVolumeSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(nullable) = true];
  optional bool optional = 4 [(nullable) = true];
}
message PersistentVolumeClaimVolumeSource {
  optional string claimName = 1;
  optional bool readOnly = 2;
}
message DownwardAPIVolumeSource {
  repeated DownwardAPIVolumeFile items = 1;
  optional int32 defaultMode = 2 [(nullable) = true];
}
message DownwardAPIVolumeFile {
  optional string path = 1;
  optional ObjectFieldSelector fieldRef = 2 [(nullable) = true];
  optional ResourceFieldSelector resourceFieldRef = 3 [(nullable) = true];
  optional int32 mode = 4 [(nullable) = true];
}
message ProjectedVolumeSource {
  repeated VolumeProjection sources = 1;
  optional int32 defaultMode = 2 [(nullable) = true];
}
message VolumeProjection {
  optional SecretProjection secret = 1 [(nullable) = true];
  optional DownwardAPIProjection downwardAPI = 2 [(nullable) = true];
  optional ConfigMapProjection configMap = 3 [(nullable) = true];
  optional ServiceAccountTokenProjection serviceAccountToken = 4 [(nullable) = true];
}
message SecretProjection {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(nullable) = true];
}
message ConfigMapProjection {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(nullable) = true];
}
message DownwardAPIProjection {
  repeated DownwardAPIVolumeFile items = 1;
}
message ServiceAccountTokenProjection {
  optional string audience = 1;
  optional int64 expirationSeconds = 2 [(nullable) = true];
  optional string path = 3;
}
`;
