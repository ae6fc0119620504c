{{/*
The Deployment of a threads-agent service. Each component's deployment.yaml calls this with:
  ctx, component (label/name), values (its values block), portName ("http" or "metrics"), port,
  configTemplate (path of its configmap.yaml, for checksum/config), env (extra env YAML: secrets),
  usesDatabase (bool: adds the wait-for-schema init container), serviceAccountName, automountToken.
*/}}
{{- define "threads-agent.serviceDeployment" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
{{- $name := include "threads-agent.componentName" (dict "ctx" $ctx "component" .component) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "threads-agent.labels" (dict "ctx" $ctx "component" .component) | nindent 4 }}
spec:
  {{- if not (and $v.hpa $v.hpa.enabled) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "threads-agent.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "threads-agent.labels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $ctx.Template.BasePath "/" .configTemplate) $ctx | sha256sum }}
        checksum/secrets: {{ toJson $ctx.Values.secrets | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .port | quote }}
        prometheus.io/path: /metrics
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ .serviceAccountName }}
      automountServiceAccountToken: {{ .automountToken | default false }}
      {{- with include "threads-agent.imagePullSecrets" $ctx }}{{ . | nindent 6 }}{{ end }}
      securityContext:
        {{- include "threads-agent.podSecurityContext" $ctx | nindent 8 }}
      terminationGracePeriodSeconds: {{ include "threads-agent.terminationGracePeriodSeconds" $ctx }}
      {{- if .usesDatabase }}
      {{- with include "threads-agent.waitForSchema" $ctx }}
      initContainers:
        {{- . | nindent 8 }}
      {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "threads-agent.image" (dict "ctx" $ctx "image" $v.image) }}
          imagePullPolicy: {{ $ctx.Values.global.imagePullPolicy }}
          ports:
            - name: {{ .portName }}
              containerPort: {{ .port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $name }}
          {{- if or .env $v.extraEnv }}
          env:
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          startupProbe:
            httpGet: { path: /health, port: {{ .portName }} }
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: { path: /health, port: {{ .portName }} }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /ready, port: {{ .portName }} }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "threads-agent.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
      {{- include "threads-agent.scheduling" $v | nindent 6 }}
{{- end -}}

{{/* ClusterIP Service: (dict "ctx" $ "component" "orchestrator" "portName" "http" "port" 8080 "targetPort" "http" "type" "ClusterIP") */}}
{{- define "threads-agent.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "threads-agent.componentName" (dict "ctx" .ctx "component" .component) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "threads-agent.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "threads-agent.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
  ports:
    - name: {{ .portName }}
      port: {{ .port }}
      targetPort: {{ .targetPort | default .portName }}
      protocol: TCP
{{- end -}}

{{/* PodDisruptionBudget: (dict "ctx" $ "component" "worker" "pdb" .Values.worker.pdb) */}}
{{- define "threads-agent.pdb" -}}
{{- if .pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "threads-agent.componentName" (dict "ctx" .ctx "component" .component) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "threads-agent.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
spec:
  maxUnavailable: {{ .pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "threads-agent.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 6 }}
{{- end }}
{{- end -}}

{{/* HorizontalPodAutoscaler on CPU: (dict "ctx" $ "component" "worker" "hpa" .Values.worker.hpa) */}}
{{- define "threads-agent.hpa" -}}
{{- if .hpa.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "threads-agent.componentName" (dict "ctx" .ctx "component" .component) }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "threads-agent.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "threads-agent.componentName" (dict "ctx" .ctx "component" .component) }}
  minReplicas: {{ .hpa.minReplicas }}
  maxReplicas: {{ .hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .hpa.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      # Workers hand back in-flight jobs on SIGTERM; scale down gently.
      stabilizationWindowSeconds: 300
{{- end }}
{{- end -}}

{{/*
Scaling on queue depth (values: queueScaling, off by default): the number of waiting jobs of the
component's queue, as the orchestrator exports it (queue_jobs{state="waiting"}), divided by
waitingJobsPerReplica. KEDA ScaledObject with a Prometheus trigger, or, without KEDA, an HPA on an
external metric served by an external-metrics adapter (e.g. prometheus-adapter).
*/}}
{{- define "threads-agent.queueScaling" -}}
{{- $q := .ctx.Values.queueScaling -}}
{{- $c := index $q .key -}}
{{- if and $q.enabled $c.enabled }}
{{- $name := include "threads-agent.componentName" (dict "ctx" .ctx "component" .component) }}
{{- $query := printf "max(queue_jobs{namespace=%q,queue=%q,state=\"waiting\"}) or vector(0)" .ctx.Release.Namespace .queue }}
{{- if eq $q.provider "keda" }}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ $name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "threads-agent.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicaCount: {{ $c.minReplicas }}
  maxReplicaCount: {{ $c.maxReplicas }}
  pollingInterval: {{ $q.pollingIntervalSeconds }}
  cooldownPeriod: {{ $q.cooldownSeconds }}
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown:
          # Workers hand back in-flight jobs on SIGTERM; scale down gently.
          stabilizationWindowSeconds: {{ $q.scaleDownStabilizationSeconds }}
  triggers:
    - type: prometheus
      metadata:
        serverAddress: {{ include "threads-agent.queueScalingPrometheus" .ctx | quote }}
        query: {{ $query | quote }}
        threshold: {{ $c.waitingJobsPerReplica | quote }}
{{- else }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "threads-agent.labels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $c.minReplicas }}
  maxReplicas: {{ $c.maxReplicas }}
  metrics:
    - type: External
      external:
        metric:
          name: {{ $q.externalMetric.name }}
          selector:
            matchLabels:
              queue: {{ .queue | quote }}
              state: waiting
        target:
          type: AverageValue
          averageValue: {{ $c.waitingJobsPerReplica | quote }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: {{ $q.scaleDownStabilizationSeconds }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "threads-agent.queueScalingPrometheus" -}}
{{- if .Values.queueScaling.prometheusUrl -}}
{{- .Values.queueScaling.prometheusUrl -}}
{{- else -}}
{{- printf "http://%s.%s.svc:9090" (include "threads-agent.componentName" (dict "ctx" . "component" "prometheus")) .Release.Namespace -}}
{{- end -}}
{{- end -}}
