{{/*
Requirements between values, checked at install and upgrade (values.schema.json checks shapes
and types first). Each message names the values to set.
*/}}
{{- define "shopsense.validate" -}}
{{- $v := .Values -}}
{{- $root := . -}}
{{- $problems := list -}}
{{- $enabled := list -}}
{{- $uses := dict -}}
{{- range $name := splitList " " (include "shopsense.serviceNames" .) -}}
{{- if (index $v.services $name).enabled -}}
{{- $enabled = append $enabled $name -}}
{{- range (include "shopsense.connections" (dict "root" $root "name" $name) | fromYaml).list -}}
{{- $_ := set $uses . true -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- if ne $v.grpc.tls.mode "insecure" -}}
{{- $missing := list -}}
{{- range $enabled -}}
{{- if not (include "shopsense.tlsSecretName" (dict "root" $root "name" .)) }}{{ $missing = append $missing . }}{{ end -}}
{{- end -}}
{{- if $missing -}}
{{- $problems = append $problems (printf "grpc.tls.existingSecret is required when grpc.tls.mode=%s (no TLS Secret for: %s): name a Secret with tls.crt and tls.key%s, e.g. one that cert-manager writes (or set services.<name>.tlsSecret per service); grpc.tls.mode=insecure turns TLS off explicitly" $v.grpc.tls.mode (join ", " $missing) (ternary " and ca.crt" "" (eq $v.grpc.tls.mode "mtls"))) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.probes.mode "grpc") (ne $v.grpc.tls.mode "insecure") -}}
{{- $problems = append $problems (printf "probes.mode=grpc cannot work with grpc.tls.mode=%s: Kubernetes' gRPC probes do not speak TLS; use probes.mode=auto or exec" $v.grpc.tls.mode) -}}
{{- end -}}
{{- if and (eq $v.grpc.auth.mode "api-key") (not $v.grpc.auth.existingSecret) (not $v.grpc.auth.clients) -}}
{{- $problems = append $problems "grpc.auth: API keys are required when grpc.auth.mode=api-key: set grpc.auth.existingSecret (a Secret holding the API-keys file under grpc.auth.existingSecretKey) or list grpc.auth.clients; grpc.auth.mode=none turns authentication off explicitly" -}}
{{- end -}}
{{- if eq $v.grpc.auth.mode "api-key" -}}
{{- $keys := $v.grpc.auth.serviceKeys -}}
{{- $missing := list -}}
{{- range $enabled -}}
{{- if and (include "shopsense.hasUpstreams" (dict "root" $root "name" .)) (not $keys.existingSecret) (not (index ($keys.keys | default dict) .)) }}{{ $missing = append $missing . }}{{ end -}}
{{- end -}}
{{- if $missing -}}
{{- $problems = append $problems (printf "grpc.auth.serviceKeys: %s call%s other services and need%s an API key when grpc.auth.mode=api-key: set grpc.auth.serviceKeys.existingSecret (one key per calling service, named after it) or grpc.auth.serviceKeys.keys.<service> (16+ characters)" (join ", " $missing) (ternary "" "s" (gt (len $missing) 1)) (ternary "" "s" (gt (len $missing) 1))) -}}
{{- end -}}
{{- end -}}
{{- $p := $v.pseudonymization -}}
{{- if and (hasKey $uses "pseudonymization") (not $p.existingSecret) -}}
{{- if not $p.keys -}}
{{- $problems = append $problems "pseudonymization: the user-id HMAC keyring is required: set pseudonymization.existingSecret (a Secret holding {\"current\": \"k1\", \"keys\": {\"k1\": \"<base64 of 32+ random bytes>\"}} under pseudonymization.existingSecretKey) or pseudonymization.current and pseudonymization.keys (e.g. k1: `openssl rand -base64 32`)" -}}
{{- else if not (hasKey $p.keys $p.current) -}}
{{- $problems = append $problems (printf "pseudonymization.current (%q) must name one of pseudonymization.keys (%s)" $p.current (keys $p.keys | sortAlpha | join ", ")) -}}
{{- else -}}
{{- range $id, $key := $p.keys -}}
{{- if lt (len $key) 44 -}}
{{- $problems = append $problems (printf "pseudonymization.keys.%s must be the base64 of at least 32 random bytes (`openssl rand -base64 32`)" $id) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (hasKey $uses "page-tokens") (not $v.pageTokens.existingSecret) (not $v.pageTokens.keys) -}}
{{- $problems = append $problems "pageTokens: the keys that sign Search page tokens are required (every ranking replica must share them): set pageTokens.existingSecret (a Secret holding comma-separated keys under pageTokens.existingSecretKey) or pageTokens.keys (16+ characters each, e.g. `openssl rand -hex 32`)" -}}
{{- end -}}
{{- if and (or $v.kafka.topics.create (hasKey $uses "kafka")) (not $v.kafka.brokers) -}}
{{- $problems = append $problems "kafka.brokers is required (host:port of your Kafka bootstrap brokers) when kafka.topics.create is on or a service uses Kafka" -}}
{{- end -}}
{{- if and $v.kafka.sasl.mechanism (not $v.kafka.sasl.existingSecret) (or (not $v.kafka.sasl.username) (not $v.kafka.sasl.password)) -}}
{{- $problems = append $problems (printf "kafka.sasl: credentials are required when kafka.sasl.mechanism=%s: set kafka.sasl.existingSecret (keys kafka.sasl.usernameKey and kafka.sasl.passwordKey) or kafka.sasl.username and kafka.sasl.password" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- if and (hasKey $uses "redis") (not $v.redis.url) (not $v.redis.existingSecret) -}}
{{- $problems = append $problems "redis: set redis.url (redis:// or rediss://) or redis.existingSecret (a Secret holding the URL under redis.existingSecretKey)" -}}
{{- end -}}
{{- $embedding := $v.services.embedding -}}
{{- if and $embedding.enabled (eq $embedding.model.source "persistentVolumeClaim") (not $embedding.model.existingClaim) -}}
{{- $problems = append $problems "services.embedding.model.existingClaim is required when services.embedding.model.source=persistentVolumeClaim" -}}
{{- end -}}
{{- range $enabled -}}
{{- $a := (index $v.services .).autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- $problems = append $problems (printf "services.%s.autoscaling: minReplicas (%v) is greater than maxReplicas (%v)" . $a.minReplicas $a.maxReplicas) -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nShopSense: the values are not valid:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
