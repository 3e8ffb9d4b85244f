{{/*
Which shared connection settings each service reads. This is the one place to change when a
service starts reading Kafka, Redis, Qdrant, the pseudonymisation keys or another service's
address: add the connection to its list. `npm run helm:check` (test/helm/chart.helm-spec.ts)
fails while a Deployment sets a variable its configuration schema does not accept, or misses
one the schema requires, and names the variable.

Connections and the variables they set (templates/_env.tpl):
  kafka                  KAFKA_BROKERS, KAFKA_CLIENT_ID, KAFKA_SSL, and with SASL
                         KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (Secret)
  redis                  REDIS_URL (Secret)
  qdrant                 QDRANT_URL (when qdrant.url is set), QDRANT_API_KEY (Secret, when given)
  pseudonymization       <SERVICE>_HMAC_KEYS_FILE (the keyring, a file from a Secret; feedback and
                         ranking must pseudonymise user ids with the same keys)
  page-tokens            RANKING_PAGE_TOKEN_SECRETS (Secret: the keys every ranking replica signs
                         and verifies Search page tokens with)
A call to another service, in one of the three styles the services use today:
  upstream.<service>       <SERVICE>_ADDR plus the shared UPSTREAM_TLS_MODE, UPSTREAM_TLS_CA_FILE,
                           UPSTREAM_TLS_CERT_FILE, UPSTREAM_TLS_KEY_FILE (mtls) and
                           UPSTREAM_API_KEY (Secret): libs/config grpcClientConfigShape
  client.<service>         <SERVICE>_ADDR, <SERVICE>_TLS_MODE, <SERVICE>_TLS_CA_FILE,
                           <SERVICE>_TLS_CERT_FILE, <SERVICE>_TLS_KEY_FILE, <SERVICE>_API_KEY (Secret)
  client-keyfile.<service> the same with <SERVICE>_API_KEY_FILE (a file from a Secret) for the key
Addresses are <release>-<service>:<grpc.port>; the API key is the calling service's own
(grpc.auth.serviceKeys). Service-specific variables the chart derives: EMBEDDING_MODEL_DIR,
EMBEDDING_DEVICE, EMBEDDING_INTRA_OP_THREADS; RETRIEVAL_DATA_DIR, RETRIEVAL_VECTOR_STORE,
RETRIEVAL_EVENT_BUS; RANKING_DATA_DIR, USER_STATE_STORE, RANKING_EVENT_BUS.
*/}}
{{- define "shopsense.connections.default" -}}
ranking: [kafka, redis, pseudonymization, page-tokens, upstream.query-understanding, upstream.embedding, upstream.retrieval]
query-understanding: [kafka, client.embedding]
embedding: []
retrieval: [kafka, qdrant, upstream.embedding]
feedback: [kafka, redis, pseudonymization, upstream.retrieval]
{{- end -}}

{{/* The connection list of one service: (dict "root" $ "name" "ranking") -> YAML list */}}
{{- define "shopsense.connections" -}}
{{- $all := include "shopsense.connections.default" . | fromYaml -}}
{{- $all = mergeOverwrite $all (deepCopy .root.Values.connectionsOverride) -}}
{{- toYaml (dict "list" (index $all .name | default list)) -}}
{{- end -}}
