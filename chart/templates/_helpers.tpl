{{/* ------------------------------------------------------------------ names */}}

{{- define "threads-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "threads-agent.fullname" -}}
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

{{/* Name of a component's objects: (dict "ctx" $ "component" "worker") */}}
{{- define "threads-agent.componentName" -}}
{{- printf "%s-%s" (include "threads-agent.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "threads-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* ------------------------------------------------------------------ labels */}}

{{/* Selector labels: name, instance, component only (immutable once deployed). */}}
{{- define "threads-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "threads-agent.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "threads-agent.labels" -}}
helm.sh/chart: {{ include "threads-agent.chart" .ctx }}
{{ include "threads-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: threads-agent
{{- end -}}

{{/* ------------------------------------------------------------------ images */}}

{{/* A threads-agent image: (dict "ctx" $ "image" .Values.worker.image). Tag defaults to global.imageTag, then appVersion. */}}
{{- define "threads-agent.image" -}}
{{- $g := .ctx.Values.global -}}
{{- $repo := .image.repository -}}
{{- if $g.imageRegistry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" $g.imageRegistry) $repo -}}{{- end -}}
{{- $tag := .image.tag | default $g.imageTag | default .ctx.Chart.AppVersion | toString -}}
{{- if eq $tag "latest" -}}{{- fail (printf "image %s: the tag \"latest\" is not allowed; pin a version" $repo) -}}{{- end -}}
{{- if .image.digest -}}
{{- printf "%s:%s@%s" $repo $tag .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* A third-party image, pinned by tag in values: (dict "image" .Values.redis.image) */}}
{{- define "threads-agent.thirdPartyImage" -}}
{{- $tag := .image.tag | toString -}}
{{- if or (not $tag) (eq $tag "latest") -}}{{- fail (printf "image %s: pin a version tag (got %q)" .image.repository $tag) -}}{{- end -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}

{{/* global.imagePullSecrets as a comma list of names (the launcher puts them on agent Jobs). */}}
{{- define "threads-agent.imagePullSecretNames" -}}
{{- $names := list -}}
{{- range .Values.global.imagePullSecrets -}}
{{- $names = append $names (kindIs "map" . | ternary (get . "name") .) -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{- define "threads-agent.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets -}}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* ------------------------------------------------------------------ security */}}

{{- define "threads-agent.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{- define "threads-agent.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* Restricted security context for a third-party container running as the given uid: (dict "uid" 999) */}}
{{- define "threads-agent.thirdPartySecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .gid | default .uid }}
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "threads-agent.thirdPartyPodSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .gid | default .uid }}
fsGroup: {{ .gid | default .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* ------------------------------------------------------------------ service accounts */}}

{{- define "threads-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "threads-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* ------------------------------------------------------------------ secrets and endpoints */}}

{{/* Secret holding API_KEYS, OPENAI_API_KEY, ANTHROPIC_API_KEY, THREADS_ACCESS_TOKEN, TOKEN_ENCRYPTION_KEY. */}}
{{- define "threads-agent.appSecretName" -}}
{{- .Values.secrets.existingSecret | default (include "threads-agent.fullname" .) -}}
{{- end -}}

{{/* A value kept across upgrades: the existing Secret's key when there is one, else a new random one (base64). */}}
{{- define "threads-agent.keepOrGenerate" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum (.length | default 32) | b64enc -}}
{{- end -}}
{{- end -}}

{{/* A 32-byte key kept across upgrades (stored tokens must stay readable): the existing Secret's, else new random bytes. The value is base64 text, so the Secret data is base64 of it. */}}
{{- define "threads-agent.keepOrGenerateKey" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randBytes 32 | b64enc -}}
{{- end -}}
{{- end -}}

{{- define "threads-agent.databaseSecretName" -}}
{{- if .Values.postgresql.enabled -}}{{ include "threads-agent.componentName" (dict "ctx" . "component" "postgresql") }}{{- else -}}{{ .Values.externalDatabase.existingSecret }}{{- end -}}
{{- end -}}
{{- define "threads-agent.databaseSecretKey" -}}
{{- if .Values.postgresql.enabled -}}DATABASE_URL{{- else -}}{{ .Values.externalDatabase.existingSecretKey }}{{- end -}}
{{- end -}}

{{- define "threads-agent.redisSecretName" -}}
{{- if .Values.redis.enabled -}}{{ include "threads-agent.componentName" (dict "ctx" . "component" "redis") }}{{- else -}}{{ .Values.externalRedis.existingSecret }}{{- end -}}
{{- end -}}
{{- define "threads-agent.redisSecretKey" -}}
{{- if .Values.redis.enabled -}}REDIS_URL{{- else -}}{{ .Values.externalRedis.existingSecretKey }}{{- end -}}
{{- end -}}

{{/* OTLP/HTTP endpoint for traces, or empty (tracing off). */}}
{{- define "threads-agent.otlpEndpoint" -}}
{{- if .Values.jaeger.enabled -}}
{{- printf "http://%s:4318" (include "threads-agent.componentName" (dict "ctx" . "component" "jaeger")) -}}
{{- else -}}
{{- .Values.externalTracing.otlpEndpoint -}}
{{- end -}}
{{- end -}}

{{/* The TCP port of an http(s) URL: the explicit one, else 443 for https and 80 for http. */}}
{{- define "threads-agent.urlPort" -}}
{{- $u := urlParse . -}}
{{- $hostPort := splitList ":" (regexReplaceAll "^\\[[^\\]]*\\]" $u.host "h") -}}
{{- if gt (len $hostPort) 1 -}}{{- last $hostPort -}}{{- else if eq $u.scheme "http" -}}80{{- else -}}443{{- end -}}
{{- end -}}

{{/* The Threads Graph API root with its version: the in-cluster fake-threads' /v1.0, or threadsApi.url. */}}
{{- define "threads-agent.threadsApiUrl" -}}
{{- if .Values.fakeThreads.enabled -}}
{{- printf "http://%s:%v/v1.0" (include "threads-agent.componentName" (dict "ctx" . "component" "fake-threads")) .Values.fakeThreads.service.port -}}
{{- else -}}
{{- .Values.threadsApi.url -}}
{{- end -}}
{{- end -}}

{{/* ------------------------------------------------------------------ shared pod pieces */}}

{{/* Variables every service reads (package config: env.common), for a component's ConfigMap. */}}
{{- define "threads-agent.commonConfig" -}}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
REDIS_PREFIX: {{ .Values.config.redisPrefix | quote }}
SHUTDOWN_GRACE_MS: {{ .Values.config.shutdownGraceMs | quote }}
{{- with include "threads-agent.otlpEndpoint" . }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Agent-run policy (values: runs.*), the same lines in the orchestrator's and the launcher's ConfigMap. */}}
{{- define "threads-agent.runPolicyConfig" -}}
RUN_MAX_VARIATIONS: {{ .Values.runs.maxVariations | quote }}
{{- with .Values.runs.repoHostAllowlist }}
REPO_HOST_ALLOWLIST: {{ join "," . | quote }}
{{- end }}
ALLOW_FILE_REPOS: {{ .Values.runs.allowFileRepos | toString | quote }}
{{- end -}}

{{/*
Labels the agent-launcher puts on every agent Job and its pod (AGENT_LABELS in
services/agent-launcher/src/backends/kubernetes/job-spec.ts; tests/delivery/policy.test.ts builds a
Job and compares). Fixed by the launcher, so they do not follow nameOverride.
*/}}
{{- define "threads-agent.agentPodLabels" -}}
app.kubernetes.io/name: threads-agent
app.kubernetes.io/component: agent
app.kubernetes.io/part-of: threads-agent
app.kubernetes.io/managed-by: agent-launcher
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "threads-agent.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "threads-agent.databaseSecretName" . }}
      key: {{ include "threads-agent.databaseSecretKey" . }}
{{- end -}}

{{- define "threads-agent.redisEnv" -}}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "threads-agent.redisSecretName" . }}
      key: {{ include "threads-agent.redisSecretKey" . }}
{{- end -}}

{{/* An optional key of the app Secret as an env var: (dict "ctx" $ "name" "OPENAI_API_KEY") */}}
{{- define "threads-agent.appSecretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "threads-agent.appSecretName" .ctx }}
      key: {{ .name }}
      optional: {{ .optional | default false }}
{{- end -}}

{{/* Grace period: the service's own SHUTDOWN_GRACE_MS plus headroom for closing connections. */}}
{{- define "threads-agent.terminationGracePeriodSeconds" -}}
{{- add (div .Values.config.shutdownGraceMs 1000) 5 -}}
{{- end -}}

{{/* Init container that waits until `prisma migrate status` reports the schema current. */}}
{{- define "threads-agent.waitForSchema" -}}
{{- if and .Values.migrations.enabled .Values.migrations.waitForSchema -}}
- name: wait-for-schema
  image: {{ include "threads-agent.image" (dict "ctx" . "image" .Values.migrations.image) }}
  imagePullPolicy: {{ .Values.global.imagePullPolicy }}
  command: ["sh", "-c", "until node node_modules/prisma/build/index.js migrate status >/dev/null 2>&1; do echo 'waiting for the database schema (prisma migrate status)'; sleep 3; done"]
  env:
    {{- include "threads-agent.databaseEnv" . | nindent 4 }}
    - name: HOME
      value: /tmp
    - name: CHECKPOINT_DISABLE
      value: "1"
  resources:
    {{- toYaml .Values.migrations.resources | nindent 4 }}
  securityContext:
    {{- include "threads-agent.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end }}
{{- end -}}

{{/* Pod-level scheduling fields from a component's values. */}}
{{- define "threads-agent.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress rules every threads-agent pod needs: DNS. */}}
{{- define "threads-agent.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.dns.namespace }}
      podSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.podLabels | nindent 10 }}
  ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
{{- end -}}

{{/* Egress to a component of this release on a port: (dict "ctx" $ "component" "redis" "port" 6379) */}}
{{- define "threads-agent.egressTo" -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "threads-agent.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 10 }}
  ports:
    - { protocol: TCP, port: {{ .port }} }
{{- end -}}

{{/* Egress a DB/Redis/tracing client needs: built-in component, or any address on the external port. */}}
{{- define "threads-agent.backingEgress" -}}
{{- $ctx := .ctx -}}
{{- if .database }}
{{- if $ctx.Values.postgresql.enabled }}
{{ include "threads-agent.egressTo" (dict "ctx" $ctx "component" "postgresql" "port" 5432) }}
{{- else }}
- ports:
    - { protocol: TCP, port: {{ $ctx.Values.externalDatabase.port }} }
{{- end }}
{{- end }}
{{- if .redis }}
{{- if $ctx.Values.redis.enabled }}
{{ include "threads-agent.egressTo" (dict "ctx" $ctx "component" "redis" "port" 6379) }}
{{- else }}
- ports:
    - { protocol: TCP, port: {{ $ctx.Values.externalRedis.port }} }
{{- end }}
{{- end }}
{{- if $ctx.Values.jaeger.enabled }}
{{ include "threads-agent.egressTo" (dict "ctx" $ctx "component" "jaeger" "port" 4318) }}
{{- else if $ctx.Values.externalTracing.otlpEndpoint }}
- ports:
    - { protocol: TCP, port: {{ $ctx.Values.externalTracing.port }} }
{{- end }}
{{- end -}}

{{/* Ingress from the built-in Prometheus on a metrics port. */}}
{{- define "threads-agent.ingressFromPrometheus" -}}
{{- if .ctx.Values.prometheus.enabled }}
- from:
    - podSelector:
        matchLabels:
          {{- include "threads-agent.selectorLabels" (dict "ctx" .ctx "component" "prometheus") | nindent 10 }}
  ports:
    - { protocol: TCP, port: {{ .port }} }
{{- end }}
{{- end -}}

{{/* Ingress from the release's `helm test` pods on a port. */}}
{{- define "threads-agent.ingressFromTests" -}}
{{- if .ctx.Values.tests.enabled }}
- from:
    - podSelector:
        matchLabels:
          {{- include "threads-agent.selectorLabels" (dict "ctx" .ctx "component" "test") | nindent 10 }}
  ports:
    - { protocol: TCP, port: {{ .port }} }
{{- end }}
{{- end -}}

{{/* Egress to public addresses only (never into the cluster or a private network) on the given ports. */}}
{{- define "threads-agent.publicEgress" -}}
- to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except:
          {{- toYaml .ctx.Values.networkPolicy.privateCidrs | nindent 10 }}
  ports:
    {{- range .ports }}
    - { protocol: TCP, port: {{ . }} }
    {{- end }}
{{- end -}}
