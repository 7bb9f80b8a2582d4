{{/* Names and labels. */}}
{{- define "coordination-engine.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "coordination-engine.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "coordination-engine.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "coordination-engine.selectorLabels" -}}
app.kubernetes.io/name: {{ include "coordination-engine.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "coordination-engine.labels" -}}
helm.sh/chart: {{ include "coordination-engine.chart" . }}
{{ include "coordination-engine.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: coordination-engine
{{- end -}}

{{- define "coordination-engine.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "coordination-engine.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "coordination-engine.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "coordination-engine.leaseName" -}}
{{- printf "%s-leader" (include "coordination-engine.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Where mounted Secrets appear in the pod. */}}
{{- define "coordination-engine.webhookTokenFile" -}}
/var/run/secrets/coordination-engine/webhook/{{ .Values.webhook.tokenSecretKey }}
{{- end -}}

{{- define "coordination-engine.prometheusTokenFile" -}}
{{- if .Values.prometheus.bearerToken.secretName -}}
/var/run/secrets/coordination-engine/prometheus/{{ .Values.prometheus.bearerToken.secretKey }}
{{- else -}}
{{- .Values.prometheus.bearerToken.file -}}
{{- end -}}
{{- end -}}

{{/*
The mounted Secrets' file mode. Their files belong to root and to the fsGroup (runAsGroup) when one is set: 0440
lets that group read, no one else. With runAsGroup null (left to the platform) there is no fsGroup, the files are
root:root, and only the bit for others lets the non-root engine read its token: 0444 (the container runs nothing
else).
*/}}
{{- define "coordination-engine.secretMode" -}}
{{- if .Values.runAsGroup -}}288{{- else -}}292{{- end -}}
{{- end -}}

{{/* The protected namespaces: the configured list plus the release namespace, or empty for the engine's default. */}}
{{- define "coordination-engine.protectedNamespaces" -}}
{{- if .Values.protectedNamespaces -}}
{{- append .Values.protectedNamespaces .Release.Namespace | uniq | join "," -}}
{{- end -}}
{{- end -}}

{{/*
RBAC rules on namespaced resources: granted cluster-wide by the ClusterRole, or per watched namespace by a Role.
Exactly the verbs the engine's code sends; nothing on Secrets (mounted Secrets are read by the kubelet, not the
engine). Each rule names the code that needs it. Called with (dict "listRemediations" <bool>).
*/}}
{{- define "coordination-engine.rules.namespaced" -}}
# RemediationPolicy: the informer cache (list, watch; src/cli/policy-sources.ts through src/controller/informer.ts)
# and the re-read after a status conflict (get; src/kube/policy-status-api.ts get).
- apiGroups: ["coordination-engine.io"]
  resources: ["remediationpolicies"]
  verbs: ["get", "list", "watch"]
# RemediationPolicy status: merge patches of /status (src/kube/policy-status-api.ts patchStatus).
- apiGroups: ["coordination-engine.io"]
  resources: ["remediationpolicies/status"]
  verbs: ["patch"]
# Remediation records, one per episode (src/kube/remediation-store.ts): create, get (the finished record read
# back for the ML service's feedback, src/cli/feedback-wiring.ts), list (open and all of a policy's records), patch
# (close: the open=false label) and delete (retention, src/kube/remediation-gc.ts). Installed for a namespace list,
# the ClusterRole grants list in every namespace (cluster policies' records), so the Roles leave it out.
- apiGroups: ["coordination-engine.io"]
  resources: ["remediations"]
  verbs: ["create", "get"{{ if .listRemediations }}, "list"{{ end }}, "patch", "delete"]
# Remediation status: PUT of /status with the resourceVersion read (src/kube/remediation-store.ts updateStatus).
- apiGroups: ["coordination-engine.io"]
  resources: ["remediations/status"]
  verbs: ["update"]
# Pods: the informer cache (list, watch; src/cli/engine.ts) and, before every RestartPod, the fresh read of each
# chosen pod that tells whether its eviction already happened (get; src/actions/evict-pod.ts observeEviction,
# called by src/controller/remediation-runner.ts for every intent, not only after a takeover).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# RestartPod goes through the Eviction API so PodDisruptionBudgets hold (src/actions/evict-pod.ts evictPod).
- apiGroups: [""]
  resources: ["pods/eviction"]
  verbs: ["create"]
# Events on policies and targets, and their series updates (src/kube/event-sink.ts create, patch).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# Deployments and StatefulSets: informer caches (list, watch; src/cli/engine.ts), the read before every action
# (get; src/actions/workload-objects.ts readWorkload), rollout restart and rollback patches (patch;
# src/actions/rollout-restart.ts, rollback-deployment.ts, rollback-statefulset.ts).
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch", "patch"]
# Scale: read and written back with its resourceVersion (src/actions/scale-workload.ts).
- apiGroups: ["apps"]
  resources: ["deployments/scale", "statefulsets/scale"]
  verbs: ["get", "update"]
# ReplicaSets: the informer cache that maps Deployments to their pods (list, watch; src/cli/engine.ts) and the
# revisions a Deployment rollback picks from (list; src/actions/rollback-deployment.ts).
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["list", "watch"]
# ControllerRevisions: the revisions a StatefulSet rollback picks from (src/actions/rollback-statefulset.ts).
- apiGroups: ["apps"]
  resources: ["controllerrevisions"]
  verbs: ["list"]
# HorizontalPodAutoscalers: the informer cache the autoscaler gate reads (src/cli/engine.ts,
# src/cli/remediation-wiring.ts): the engine never scales what an HPA owns.
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["list", "watch"]
{{- end -}}

{{/* RBAC rules on cluster-scoped resources: always in the ClusterRole, whatever watchNamespaces says. */}}
{{- define "coordination-engine.rules.clusterScoped" -}}
# ClusterRemediationPolicy: the informer cache (list, watch; src/cli/policy-sources.ts, always cluster-wide) and
# the re-read after a status conflict (get; src/kube/policy-status-api.ts get).
- apiGroups: ["coordination-engine.io"]
  resources: ["clusterremediationpolicies"]
  verbs: ["get", "list", "watch"]
# ClusterRemediationPolicy status: merge patches of /status (src/kube/policy-status-api.ts patchStatus).
- apiGroups: ["coordination-engine.io"]
  resources: ["clusterremediationpolicies/status"]
  verbs: ["patch"]
# Namespaces: the labels a ClusterRemediationPolicy's namespaceSelector and the opt-out gate read (list, watch;
# src/cli/policy-sources.ts, always cluster-wide).
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list", "watch"]
{{- end -}}

{{/*
A duration value (500ms, 30s, 5m, 1h30m: the schema's pattern) in milliseconds, as a string (include returns
text; pipe it to int64). Each number is read with atoi, base 10 as the engine reads it: Sprig's int64 would take
"012" for octal.
*/}}
{{- define "coordination-engine.durationMs" -}}
{{- $total := 0 -}}
{{- range regexFindAll "[0-9]+(ms|s|m|h)" . -1 -}}
{{- $n := regexFind "^[0-9]+" . | atoi -}}
{{- $unit := regexReplaceAll "^[0-9]+" . "" -}}
{{- if eq $unit "ms" -}}{{- $total = add $total $n -}}
{{- else if eq $unit "s" -}}{{- $total = add $total (mul $n 1000) -}}
{{- else if eq $unit "m" -}}{{- $total = add $total (mul $n 60000) -}}
{{- else -}}{{- $total = add $total (mul $n 3600000) -}}
{{- end -}}
{{- end -}}
{{- $total -}}
{{- end -}}
