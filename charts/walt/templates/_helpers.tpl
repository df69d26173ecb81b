{{/*
Names and labels shared by the templates. The operator's objects keep fixed names (walt-operator):
the operator elects its leader on the Lease walt-operator and the RBAC of config/rbac names its
ServiceAccount, so one release per cluster (the CRDs are cluster-wide anyway).
*/}}

{{- define "walt.labels" -}}
app.kubernetes.io/name: walt
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: walt
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "walt.operatorSelector" -}}
app.kubernetes.io/name: walt
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* repository:tag of image.<name>, the tag defaulting to the chart's appVersion. */}}
{{- define "walt.image" -}}
{{- $image := index .root.Values.image .name -}}
{{- printf "%s:%s" $image.repository (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{/* WALT_AGENT_LOG_STORE: "sqlite", or "secret:<name>/<key>" naming the Secret with a postgres:// DSN. */}}
{{- define "walt.agentLogStore" -}}
{{- if eq .Values.logStore.kind "postgres" -}}
{{- $secret := required "logStore.postgresSecret.name is required when logStore.kind is postgres" .Values.logStore.postgresSecret.name -}}
{{- printf "secret:%s/%s" $secret .Values.logStore.postgresSecret.key -}}
{{- else -}}
sqlite
{{- end -}}
{{- end -}}

{{/* The restricted security context every container of the chart runs with. */}}
{{- define "walt.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
