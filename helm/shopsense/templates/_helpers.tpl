{{/* Names, labels and the image: shared by every template. */}}

{{- define "shopsense.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "shopsense.fullname" -}}
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

{{/* The services, in the order of the architecture doc. Each is services/<name> in the repo. */}}
{{- define "shopsense.serviceNames" -}}
ranking query-understanding embedding retrieval feedback
{{- end -}}

{{/* Object name of one service's resources: (dict "root" $ "name" "ranking"). Kept short so
     the Service name is a valid DNS label. */}}
{{- define "shopsense.componentName" -}}
{{- printf "%s-%s" (include "shopsense.fullname" .root | trunc (int (sub 62 (len .name)))) .name | trimSuffix "-" -}}
{{- end -}}

{{- define "shopsense.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "shopsense.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shopsense.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shopsense.labels" -}}
helm.sh/chart: {{ include "shopsense.chart" . }}
{{ include "shopsense.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shopsense
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* (dict "root" $ "name" "ranking") */}}
{{- define "shopsense.componentSelectorLabels" -}}
{{ include "shopsense.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "shopsense.componentLabels" -}}
{{ include "shopsense.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "shopsense.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "shopsense.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag or repository@digest. (dict "image" <image values> "default" <tag>) */}}
{{- define "shopsense.imageRef" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .default .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The image a service runs: the CUDA variant for embedding with the GPU profile. */}}
{{- define "shopsense.serviceImage" -}}
{{- $root := .root -}}
{{- $gpu := dig "gpu" dict (index $root.Values.services .name) -}}
{{- if and (eq .name "embedding") $gpu.enabled -}}
{{- $image := dict "repository" (default $root.Values.image.repository $gpu.image.repository) "tag" $gpu.image.tag "digest" $gpu.image.digest -}}
{{- include "shopsense.imageRef" (dict "image" $image "default" (printf "%s-cuda" $root.Chart.AppVersion)) -}}
{{- else -}}
{{- include "shopsense.imageRef" (dict "image" $root.Values.image "default" $root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The Secret the chart writes for inline credentials. */}}
{{- define "shopsense.secretName" -}}
{{- printf "%s-credentials" (include "shopsense.fullname" .) -}}
{{- end -}}

{{- define "shopsense.apiKeysSecretName" -}}
{{- if .Values.grpc.auth.existingSecret -}}
{{- .Values.grpc.auth.existingSecret -}}
{{- else -}}
{{- printf "%s-api-keys" (include "shopsense.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "shopsense.apiKeysSecretKey" -}}
{{- if .Values.grpc.auth.existingSecret -}}{{ .Values.grpc.auth.existingSecretKey }}{{- else -}}api-keys.json{{- end -}}
{{- end -}}

{{/* The TLS Secret of one service. (dict "root" $ "name" "ranking") */}}
{{- define "shopsense.tlsSecretName" -}}
{{- $svc := index .root.Values.services .name -}}
{{- default .root.Values.grpc.tls.existingSecret $svc.tlsSecret -}}
{{- end -}}

{{/* Whether the probes are exec (TLS-capable) or native gRPC. */}}
{{- define "shopsense.probeMode" -}}
{{- if eq .Values.probes.mode "auto" -}}
{{- if eq .Values.grpc.tls.mode "insecure" -}}grpc{{- else -}}exec{{- end -}}
{{- else -}}
{{- .Values.probes.mode -}}
{{- end -}}
{{- end -}}

{{/* Kubernetes CPU quantity ("2", "1500m", 0.5) -> whole cores, rounded up, at least 1. */}}
{{- define "shopsense.cpuCores" -}}
{{- $q := toString . -}}
{{- if hasSuffix "m" $q -}}
{{- $m := int (trimSuffix "m" $q) -}}
{{- max 1 (div (add $m 999) 1000) -}}
{{- else -}}
{{- max 1 (ceil (float64 $q) | int) -}}
{{- end -}}
{{- end -}}
