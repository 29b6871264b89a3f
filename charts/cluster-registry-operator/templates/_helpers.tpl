{{/* Names are cut to 63 characters: the limit of a label value, and so of most names that become one. */}}
{{- define "cro.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cro.fullname" -}}
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

{{/* Cluster-scoped RBAC objects are shared by every namespace: the namespace keeps two releases of the same name
apart. Not cut to 63: RBAC names may be up to 253 characters, and a cut could drop the namespace. */}}
{{- define "cro.clusterName" -}}
{{- printf "%s-%s" (include "cro.fullname" .) .Release.Namespace -}}
{{- end -}}

{{- define "cro.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "cro.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The operator's pods; the hook's pods carry another component so that no selector of the operator picks them. */}}
{{- define "cro.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cro.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "cro.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The restricted Pod Security profile, for the operator and the hook alike. */}}
{{- define "cro.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "cro.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "cro.uninstallSelector" -}}
{{- default (printf "app.kubernetes.io/instance=%s" .Release.Name) .Values.uninstallHook.selector -}}
{{- end -}}

{{- define "cro.saslSecretName" -}}
{{- default (printf "%s-kafka-sasl" (include "cro.fullname" .)) .Values.registration.kafka.sasl.existingSecret -}}
{{- end -}}
