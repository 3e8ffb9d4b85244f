{{/*
The environment of each service, built in one place:
  shopsense.serviceConfig     -> the ConfigMap's data (every non-secret variable)
  shopsense.serviceSecretEnv  -> the variables read from Secrets
  shopsense.secretFiles       -> Secret keys mounted as files (API-key file, HMAC keyring)
The Deployment lists each variable by name (configMapKeyRef / secretKeyRef), so
`kubectl describe` and the helm:check consistency test see exactly what a pod gets.
*/}}

{{/* Paths inside the containers. */}}
{{- define "shopsense.paths" -}}
tls: /etc/shopsense/tls
probeTls: /etc/shopsense/probe-tls
apiKeys: /etc/shopsense/api-keys
ca: /etc/shopsense/ca
secrets: /etc/shopsense/secrets
models: /models
topics: /etc/shopsense/topics
data: /var/lib/shopsense
{{- end -}}

{{/* A value as the string a service parses: whole numbers without an exponent (Helm reads
     YAML numbers as float64), booleans as true/false. */}}
{{- define "shopsense.envString" -}}
{{- if kindIs "float64" . -}}
{{- if eq . (floor .) -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* SCREAMING_SNAKE of a service name: query-understanding -> QUERY_UNDERSTANDING */}}
{{- define "shopsense.envPrefix" -}}
{{- . | upper | replace "-" "_" -}}
{{- end -}}

{{/* The upstream connections of a service: (dict "root" $ "name" "ranking") -> YAML list of
     {service, style}, style = shared | prefixed | prefixed-keyfile (see _connections.tpl). */}}
{{- define "shopsense.upstreams" -}}
{{- $out := list -}}
{{- range (include "shopsense.connections" . | fromYaml).list -}}
{{- if hasPrefix "upstream." . -}}
{{- $out = append $out (dict "service" (trimPrefix "upstream." .) "style" "shared") -}}
{{- else if hasPrefix "client-keyfile." . -}}
{{- $out = append $out (dict "service" (trimPrefix "client-keyfile." .) "style" "prefixed-keyfile") -}}
{{- else if hasPrefix "client." . -}}
{{- $out = append $out (dict "service" (trimPrefix "client." .) "style" "prefixed") -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "list" $out) -}}
{{- end -}}

{{/* "true" when the service calls other services: (dict "root" $ "name" "ranking") */}}
{{- define "shopsense.hasUpstreams" -}}
{{- if (include "shopsense.upstreams" . | fromYaml).list }}true{{ end -}}
{{- end -}}

{{/* Whether the service's TLS volume must carry ca.crt: mtls (client certificates), or TLS
     calls to upstreams that trust the CA in the Secret. */}}
{{- define "shopsense.tlsNeedsCA" -}}
{{- $tls := .root.Values.grpc.tls -}}
{{- if or (eq $tls.mode "mtls") (and (eq $tls.mode "tls") $tls.secretHasCA (include "shopsense.hasUpstreams" .)) }}true{{ end -}}
{{- end -}}

{{/* Where a service's own API key for its upstreams lives: {secret, key} */}}
{{- define "shopsense.serviceKeyRef" -}}
{{- $keys := .root.Values.grpc.auth.serviceKeys -}}
{{- if $keys.existingSecret -}}
{{- toYaml (dict "secret" $keys.existingSecret "key" .name) -}}
{{- else -}}
{{- toYaml (dict "secret" (include "shopsense.secretName" .root) "key" (printf "service-key-%s" .name)) -}}
{{- end -}}
{{- end -}}

{{/* Secret keys mounted as files under paths.secrets: (dict "root" $ "name" "feedback") ->
     YAML list of {variable, secret, key, file}. */}}
{{- define "shopsense.secretFiles" -}}
{{- $v := .root.Values -}}
{{- $out := list -}}
{{- range (include "shopsense.connections" . | fromYaml).list -}}
{{- if eq . "pseudonymization" -}}
{{- if $v.pseudonymization.existingSecret -}}
{{- $out = append $out (dict "variable" (printf "%s_HMAC_KEYS_FILE" (include "shopsense.envPrefix" $.name)) "secret" $v.pseudonymization.existingSecret "key" $v.pseudonymization.existingSecretKey "file" "hmac-keys.json") -}}
{{- else -}}
{{- $out = append $out (dict "variable" (printf "%s_HMAC_KEYS_FILE" (include "shopsense.envPrefix" $.name)) "secret" (include "shopsense.secretName" $.root) "key" "hmac-keys.json" "file" "hmac-keys.json") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range (include "shopsense.upstreams" . | fromYaml).list -}}
{{- if and (eq .style "prefixed-keyfile") (eq $v.grpc.auth.mode "api-key") -}}
{{- $ref := include "shopsense.serviceKeyRef" $ | fromYaml -}}
{{- $out = append $out (dict "variable" (printf "%s_API_KEY_FILE" (include "shopsense.envPrefix" .service)) "secret" $ref.secret "key" $ref.key "file" (printf "%s-api-key" .service)) -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "list" $out) -}}
{{- end -}}

{{/* (dict "root" $ "name" "ranking") -> YAML map VARIABLE: "value" */}}
{{- define "shopsense.serviceConfig" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $v := $root.Values -}}
{{- $svc := index $v.services $name -}}
{{- $paths := include "shopsense.paths" . | fromYaml -}}
{{- $connections := (include "shopsense.connections" . | fromYaml).list -}}
{{- $out := dict -}}
{{- range $key, $value := merge (deepCopy ($svc.config | default dict)) (deepCopy ($v.config | default dict)) -}}
{{- if not (kindIs "invalid" $value) -}}
{{- $_ := set $out $key (include "shopsense.envString" $value) -}}
{{- end -}}
{{- end -}}
{{- /* gRPC server, TLS, API keys, metrics: owned by the chart */ -}}
{{- $_ := set $out "GRPC_PORT" (include "shopsense.envString" $v.grpc.port) -}}
{{- $_ := set $out "METRICS_PORT" (include "shopsense.envString" $v.metrics.port) -}}
{{- $_ := set $out "GRPC_TLS_MODE" $v.grpc.tls.mode -}}
{{- if ne $v.grpc.tls.mode "insecure" -}}
{{- $_ := set $out "GRPC_TLS_CERT_FILE" (printf "%s/tls.crt" $paths.tls) -}}
{{- $_ := set $out "GRPC_TLS_KEY_FILE" (printf "%s/tls.key" $paths.tls) -}}
{{- end -}}
{{- if eq $v.grpc.tls.mode "mtls" -}}
{{- $_ := set $out "GRPC_TLS_CA_FILE" (printf "%s/ca.crt" $paths.tls) -}}
{{- end -}}
{{- $_ := set $out "GRPC_AUTH_MODE" $v.grpc.auth.mode -}}
{{- if eq $v.grpc.auth.mode "api-key" -}}
{{- $_ := set $out "GRPC_API_KEYS_FILE" (printf "%s/api-keys.json" $paths.apiKeys) -}}
{{- end -}}
{{- if $v.trustedCA.existingSecret -}}
{{- $_ := set $out "NODE_EXTRA_CA_CERTS" (printf "%s/ca.crt" $paths.ca) -}}
{{- end -}}
{{- /* the embedding service: its model and device */ -}}
{{- if eq $name "embedding" -}}
{{- $_ := set $out "EMBEDDING_MODEL_DIR" $paths.models -}}
{{- $_ := set $out "EMBEDDING_DEVICE" (ternary "cuda" "cpu" $svc.gpu.enabled) -}}
{{- if and (not $svc.gpu.enabled) (not (hasKey $out "EMBEDDING_INTRA_OP_THREADS")) -}}
{{- $cpu := dig "limits" "cpu" (dig "requests" "cpu" "" ($svc.resources | default dict)) ($svc.resources | default dict) -}}
{{- if $cpu -}}
{{- $_ := set $out "EMBEDDING_INTRA_OP_THREADS" (include "shopsense.cpuCores" $cpu) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* the retrieval service: its data folder, vector store and catalog feed */ -}}
{{- if eq $name "retrieval" -}}
{{- $_ := set $out "RETRIEVAL_DATA_DIR" $paths.data -}}
{{- $_ := set $out "RETRIEVAL_VECTOR_STORE" (ternary "qdrant" "embedded" (and (has "qdrant" $connections) (ne $v.qdrant.url ""))) -}}
{{- $_ := set $out "RETRIEVAL_EVENT_BUS" (ternary "kafka" "none" (and (has "kafka" $connections) (gt (len $v.kafka.brokers) 0))) -}}
{{- end -}}
{{- /* the ranking service: its model snapshots, user state and training feed */ -}}
{{- if eq $name "ranking" -}}
{{- $_ := set $out "RANKING_DATA_DIR" $paths.data -}}
{{- $_ := set $out "USER_STATE_STORE" (ternary "redis" "memory" (has "redis" $connections)) -}}
{{- $_ := set $out "RANKING_EVENT_BUS" (ternary "kafka" "none" (and (has "kafka" $connections) (gt (len $v.kafka.brokers) 0))) -}}
{{- end -}}
{{- /* shared connections (templates/_connections.tpl) */ -}}
{{- range $connections -}}
{{- if eq . "kafka" -}}
{{- $_ := set $out "KAFKA_BROKERS" (join "," $v.kafka.brokers) -}}
{{- $_ := set $out "KAFKA_CLIENT_ID" (printf "%s-%s" $v.kafka.clientIdPrefix $name) -}}
{{- $_ := set $out "KAFKA_SSL" (ternary "true" "false" $v.kafka.tls.enabled) -}}
{{- if $v.kafka.sasl.mechanism -}}
{{- $_ := set $out "KAFKA_SASL_MECHANISM" $v.kafka.sasl.mechanism -}}
{{- end -}}
{{- else if eq . "qdrant" -}}
{{- if $v.qdrant.url -}}
{{- $_ := set $out "QDRANT_URL" $v.qdrant.url -}}
{{- end -}}
{{- else if or (has . (list "redis" "pseudonymization" "page-tokens")) (regexMatch "^(upstream|client|client-keyfile)\\.(ranking|query-understanding|embedding|retrieval|feedback)$" .) -}}
{{- /* redis, page-tokens: Secret only (serviceSecretEnv); pseudonymization: a file
       (secretFiles); upstreams: below */ -}}
{{- else -}}
{{- fail (printf "templates/_connections.tpl: unknown connection %q for service %s" . $name) -}}
{{- end -}}
{{- end -}}
{{- /* the services it calls, and how: the mesh's own TLS mode, its own certificate as the
       client certificate under mtls */ -}}
{{- $needsCA := include "shopsense.tlsNeedsCA" . -}}
{{- range (include "shopsense.upstreams" . | fromYaml).list -}}
{{- $prefix := ternary "UPSTREAM" (include "shopsense.envPrefix" .service) (eq .style "shared") -}}
{{- $_ := set $out (printf "%s_ADDR" (include "shopsense.envPrefix" .service)) (printf "%s:%s" (include "shopsense.componentName" (dict "root" $root "name" .service)) (include "shopsense.envString" $v.grpc.port)) -}}
{{- $_ := set $out (printf "%s_TLS_MODE" $prefix) $v.grpc.tls.mode -}}
{{- if $needsCA -}}
{{- $_ := set $out (printf "%s_TLS_CA_FILE" $prefix) (printf "%s/ca.crt" $paths.tls) -}}
{{- end -}}
{{- if eq $v.grpc.tls.mode "mtls" -}}
{{- $_ := set $out (printf "%s_TLS_CERT_FILE" $prefix) (printf "%s/tls.crt" $paths.tls) -}}
{{- $_ := set $out (printf "%s_TLS_KEY_FILE" $prefix) (printf "%s/tls.key" $paths.tls) -}}
{{- end -}}
{{- end -}}
{{- range (include "shopsense.secretFiles" . | fromYaml).list -}}
{{- $_ := set $out .variable (printf "%s/%s" $paths.secrets .file) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Kafka SASL credentials: {secret, username, password} */}}
{{- define "shopsense.kafkaSaslRef" -}}
{{- $k := .Values.kafka.sasl -}}
{{- if $k.existingSecret -}}
{{- toYaml (dict "secret" $k.existingSecret "username" $k.usernameKey "password" $k.passwordKey) -}}
{{- else -}}
{{- toYaml (dict "secret" (include "shopsense.secretName" .) "username" "kafka-sasl-username" "password" "kafka-sasl-password") -}}
{{- end -}}
{{- end -}}

{{/* (dict "root" $ "name" "ranking") -> YAML list of {name, secret, key} */}}
{{- define "shopsense.serviceSecretEnv" -}}
{{- $v := .root.Values -}}
{{- $credentials := include "shopsense.secretName" .root -}}
{{- $out := list -}}
{{- range (include "shopsense.connections" . | fromYaml).list -}}
{{- if and (eq . "kafka") $v.kafka.sasl.mechanism -}}
{{- $ref := include "shopsense.kafkaSaslRef" $.root | fromYaml -}}
{{- $out = append $out (dict "name" "KAFKA_SASL_USERNAME" "secret" $ref.secret "key" $ref.username) -}}
{{- $out = append $out (dict "name" "KAFKA_SASL_PASSWORD" "secret" $ref.secret "key" $ref.password) -}}
{{- else if eq . "redis" -}}
{{- if $v.redis.existingSecret -}}
{{- $out = append $out (dict "name" "REDIS_URL" "secret" $v.redis.existingSecret "key" $v.redis.existingSecretKey) -}}
{{- else -}}
{{- $out = append $out (dict "name" "REDIS_URL" "secret" $credentials "key" "redis-url") -}}
{{- end -}}
{{- else if eq . "page-tokens" -}}
{{- if $v.pageTokens.existingSecret -}}
{{- $out = append $out (dict "name" "RANKING_PAGE_TOKEN_SECRETS" "secret" $v.pageTokens.existingSecret "key" $v.pageTokens.existingSecretKey) -}}
{{- else if $v.pageTokens.keys -}}
{{- $out = append $out (dict "name" "RANKING_PAGE_TOKEN_SECRETS" "secret" $credentials "key" "page-token-secrets") -}}
{{- end -}}
{{- else if eq . "qdrant" -}}
{{- if $v.qdrant.existingSecret -}}
{{- $out = append $out (dict "name" "QDRANT_API_KEY" "secret" $v.qdrant.existingSecret "key" $v.qdrant.existingSecretKey) -}}
{{- else if $v.qdrant.apiKey -}}
{{- $out = append $out (dict "name" "QDRANT_API_KEY" "secret" $credentials "key" "qdrant-api-key") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq $v.grpc.auth.mode "api-key" -}}
{{- $shared := false -}}
{{- range (include "shopsense.upstreams" . | fromYaml).list -}}
{{- $ref := include "shopsense.serviceKeyRef" $ | fromYaml -}}
{{- if and (eq .style "shared") (not $shared) -}}
{{- $shared = true -}}
{{- $out = append $out (dict "name" "UPSTREAM_API_KEY" "secret" $ref.secret "key" $ref.key) -}}
{{- else if eq .style "prefixed" -}}
{{- $out = append $out (dict "name" (printf "%s_API_KEY" (include "shopsense.envPrefix" .service)) "secret" $ref.secret "key" $ref.key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "list" $out) -}}
{{- end -}}

{{/* The env: list of a service container. (dict "root" $ "name" "ranking") */}}
{{- define "shopsense.serviceEnv" -}}
{{- $cm := include "shopsense.componentName" . -}}
{{- $config := include "shopsense.serviceConfig" . | fromYaml -}}
{{- range $key := keys $config | sortAlpha }}
- name: {{ $key }}
  valueFrom:
    configMapKeyRef:
      name: {{ $cm }}
      key: {{ $key }}
{{- end }}
{{- range (include "shopsense.serviceSecretEnv" . | fromYaml).list }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end }}
{{- end -}}
