{{/* Pieces of the service pods: volumes, mounts and probes. (dict "root" $ "name" "ranking") */}}

{{- define "shopsense.podVolumes" -}}
{{- $v := .root.Values -}}
{{- $svc := index $v.services .name -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- if ne $v.grpc.tls.mode "insecure" }}
- name: tls
  secret:
    secretName: {{ include "shopsense.tlsSecretName" . }}
    defaultMode: 0440
    items:
      - {key: tls.crt, path: tls.crt}
      - {key: tls.key, path: tls.key}
      {{- if include "shopsense.tlsNeedsCA" . }}
      - {key: ca.crt, path: ca.crt}
      {{- end }}
{{- end }}
{{- if and (eq $v.grpc.tls.mode "mtls") $v.grpc.tls.probeClientSecret }}
- name: probe-tls
  secret:
    secretName: {{ $v.grpc.tls.probeClientSecret }}
    defaultMode: 0440
    items:
      - {key: tls.crt, path: tls.crt}
      - {key: tls.key, path: tls.key}
{{- end }}
{{- if eq $v.grpc.auth.mode "api-key" }}
- name: api-keys
  secret:
    secretName: {{ include "shopsense.apiKeysSecretName" .root }}
    defaultMode: 0440
    items:
      - key: {{ include "shopsense.apiKeysSecretKey" .root }}
        path: api-keys.json
{{- end }}
{{- with (include "shopsense.secretFiles" . | fromYaml).list }}
- name: secret-files
  projected:
    defaultMode: 0440
    sources:
      {{- range . }}
      - secret:
          name: {{ .secret }}
          items:
            - {key: {{ .key | quote }}, path: {{ .file | quote }}}
      {{- end }}
{{- end }}
{{- if $v.trustedCA.existingSecret }}
- name: trusted-ca
  secret:
    secretName: {{ $v.trustedCA.existingSecret }}
    defaultMode: 0444
    items:
      - key: {{ $v.trustedCA.key }}
        path: ca.crt
{{- end }}
{{- if has .name (list "retrieval" "ranking") }}
- name: data
  {{- if $svc.persistence.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ $svc.persistence.existingClaim }}
  {{- else }}
  emptyDir:
    sizeLimit: {{ $svc.persistence.sizeLimit }}
  {{- end }}
{{- end }}
{{- if eq .name "embedding" }}
{{- if eq $svc.model.source "persistentVolumeClaim" }}
- name: model
  persistentVolumeClaim:
    claimName: {{ $svc.model.existingClaim }}
    readOnly: true
{{- else }}
- name: model
  emptyDir:
    sizeLimit: {{ $svc.model.sizeLimit }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "shopsense.volumeMounts" -}}
{{- $v := .root.Values -}}
{{- $svc := index $v.services .name -}}
{{- $paths := include "shopsense.paths" . | fromYaml -}}
- name: tmp
  mountPath: /tmp
{{- if ne $v.grpc.tls.mode "insecure" }}
- name: tls
  mountPath: {{ $paths.tls }}
  readOnly: true
{{- end }}
{{- if and (eq $v.grpc.tls.mode "mtls") $v.grpc.tls.probeClientSecret }}
- name: probe-tls
  mountPath: {{ $paths.probeTls }}
  readOnly: true
{{- end }}
{{- if eq $v.grpc.auth.mode "api-key" }}
- name: api-keys
  mountPath: {{ $paths.apiKeys }}
  readOnly: true
{{- end }}
{{- if (include "shopsense.secretFiles" . | fromYaml).list }}
- name: secret-files
  mountPath: {{ $paths.secrets }}
  readOnly: true
{{- end }}
{{- if $v.trustedCA.existingSecret }}
- name: trusted-ca
  mountPath: {{ $paths.ca }}
  readOnly: true
{{- end }}
{{- if has .name (list "retrieval" "ranking") }}
- name: data
  mountPath: {{ $paths.data }}
{{- end }}
{{- if eq .name "embedding" }}
- name: model
  mountPath: {{ $paths.models }}
  readOnly: true
  {{- if and (eq $svc.model.source "persistentVolumeClaim") $svc.model.subPath }}
  subPath: {{ $svc.model.subPath }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* One probe. (dict "root" $ "name" "ranking" "probe" <probes.x values>) */}}
{{- define "shopsense.probe" -}}
{{- $v := .root.Values -}}
{{- $paths := include "shopsense.paths" . | fromYaml -}}
{{- if eq (include "shopsense.probeMode" .root) "grpc" }}
grpc:
  port: {{ $v.grpc.port }}
{{- else }}
exec:
  command:
    - node
    - /app/scripts/grpc-healthcheck.js
    - --timeout-ms
    - {{ mul (sub .probe.timeoutSeconds 1 | max 1) 1000 | quote }}
    {{- if and (eq $v.grpc.tls.mode "mtls") $v.grpc.tls.probeClientSecret }}
    - --cert
    - {{ $paths.probeTls }}/tls.crt
    - --key
    - {{ $paths.probeTls }}/tls.key
    {{- end }}
{{- end }}
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- end -}}
