{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "stabilis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name alone when it already contains the chart name. */}}
{{- define "stabilis.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "stabilis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "stabilis.labels" -}}
helm.sh/chart: {{ include "stabilis.chart" . }}
{{ include "stabilis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: stabilis
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "stabilis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stabilis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels and selector labels of one component: (dict "root" $ "component" "monitor"). */}}
{{- define "stabilis.componentLabels" -}}
{{ include "stabilis.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "stabilis.componentSelectorLabels" -}}
{{ include "stabilis.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "stabilis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "stabilis.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image of a component: (dict "root" $ "override" .Values.runner.image). */}}
{{- define "stabilis.image" -}}
{{- $image := merge (deepCopy (.override | default dict)) .root.Values.image }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (toString (default .root.Chart.AppVersion $image.tag)) }}
{{- end }}
{{- end }}

{{- define "stabilis.imagePullPolicy" -}}
{{- $image := merge (deepCopy (.override | default dict)) .root.Values.image }}
{{- $image.pullPolicy }}
{{- end }}

{{/* Paths inside the containers. */}}
{{- define "stabilis.configDir" -}}/etc/stabilis{{- end }}
{{/* Kafka TLS files: beside /etc/stabilis, not inside it (no mount inside the read-only ConfigMap volume). */}}
{{- define "stabilis.truststoreFile" -}}/etc/kafka-tls/ca/truststore{{- end }}
{{- define "stabilis.keystoreFile" -}}/etc/kafka-tls/client/keystore{{- end }}
{{- define "stabilis.stateDir" -}}/var/lib/stabilis/state{{- end }}
{{- define "stabilis.djlCacheDir" -}}/var/cache/stabilis/djl{{- end }}
{{- define "stabilis.imageModelsDir" -}}/opt/stabilis/models{{- end }}

{{/* Whether the repository is assembled in an emptyDir (policy overrides). */}}
{{- define "stabilis.modelsSnapshot" -}}
{{- if .Values.models.policies }}true{{- end }}
{{- end }}

{{/* stabilis.models.repository: where the processes read the repository. */}}
{{- define "stabilis.modelsRepository" -}}
{{- if or (include "stabilis.modelsSnapshot" .) (ne .Values.models.source "image") }}
{{- .Values.models.mountPath }}
{{- else }}
{{- include "stabilis.imageModelsDir" . }}
{{- end }}
{{- end }}

{{- define "stabilis.modelsClaimName" -}}
{{- if eq .Values.models.source "existingClaim" }}
{{- required "models.existingClaim is required when models.source is existingClaim" .Values.models.existingClaim }}
{{- else }}
{{- printf "%s-models" (include "stabilis.fullname" .) }}
{{- end }}
{{- end }}

{{/* A properties value: whole numbers without an exponent (values.yaml numbers arrive as float64). */}}
{{- define "stabilis.propertyValue" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/* Setting keys the chart owns; config must not set them. */}}
{{- define "stabilis.managedKeys" -}}
kafka.bootstrap.servers stabilis.metrics.host stabilis.metrics.port stabilis.models.repository stabilis.monitor.instance.id stabilis.monitor.state.dir stabilis.runner.transactional.id
{{- end }}

{{/* The metrics port of a component: (dict "root" $ "component" "runner"). */}}
{{- define "stabilis.metricsPort" -}}
{{- if eq .component "runner" }}{{ .root.Values.metrics.runnerPort }}{{ else }}{{ .root.Values.metrics.port }}{{ end }}
{{- end }}

{{/* Probes on the metrics port: (dict "root" $). */}}
{{- define "stabilis.probes" -}}
startupProbe:
  httpGet:
    path: /health
    port: metrics
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /health
    port: metrics
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /ready
    port: metrics
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end }}

{{/* Environment of both processes: Kafka secrets from existing Secrets, never from the ConfigMap. */}}
{{- define "stabilis.kafkaEnv" -}}
{{- with .Values.kafka.sasl.existingSecret }}
- name: STABILIS_KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.kafka.sasl.jaasConfigKey }}
{{- end }}
{{- if and .Values.kafka.tls.existingSecret .Values.kafka.tls.truststorePasswordKey }}
- name: STABILIS_KAFKA_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.tls.existingSecret }}
      key: {{ .Values.kafka.tls.truststorePasswordKey }}
{{- end }}
{{- if and .Values.kafka.tls.keystore.existingSecret .Values.kafka.tls.keystore.passwordKey }}
- name: STABILIS_KAFKA_SSL_KEYSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.tls.keystore.existingSecret }}
      key: {{ .Values.kafka.tls.keystore.passwordKey }}
{{- end }}
{{- end }}

{{/* Volumes of both pods (called with the root context). */}}
{{- define "stabilis.volumes" -}}
- name: config
  configMap:
    name: {{ include "stabilis.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.scratch.tmpSizeLimit }}
- name: djl-cache
  emptyDir:
    sizeLimit: {{ .Values.scratch.djlCacheSizeLimit }}
{{- if .Values.kafka.tls.existingSecret }}
- name: kafka-truststore
  secret:
    secretName: {{ .Values.kafka.tls.existingSecret }}
    defaultMode: 288 # 0440: the owner and the pod's group (fsGroup)
    items:
      - key: {{ .Values.kafka.tls.truststoreKey }}
        path: {{ include "stabilis.truststoreFile" . | base }}
{{- end }}
{{- if .Values.kafka.tls.keystore.existingSecret }}
- name: kafka-keystore
  secret:
    secretName: {{ .Values.kafka.tls.keystore.existingSecret }}
    defaultMode: 288 # 0440
    items:
      - key: {{ .Values.kafka.tls.keystore.keystoreKey }}
        path: {{ include "stabilis.keystoreFile" . | base }}
{{- end }}
{{- if ne .Values.models.source "image" }}
- name: models-source
  persistentVolumeClaim:
    claimName: {{ include "stabilis.modelsClaimName" . }}
    readOnly: true
{{- end }}
{{- if include "stabilis.modelsSnapshot" . }}
- name: models
  emptyDir:
    sizeLimit: {{ .Values.models.snapshotSizeLimit }}
- name: policies
  configMap:
    name: {{ include "stabilis.fullname" . }}-policies
{{- end }}
{{- end }}

{{- define "stabilis.volumeMounts" -}}
- name: config
  mountPath: {{ include "stabilis.configDir" . }}
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: djl-cache
  mountPath: {{ include "stabilis.djlCacheDir" . }}
{{- if .Values.kafka.tls.existingSecret }}
- name: kafka-truststore
  mountPath: {{ include "stabilis.truststoreFile" . | dir }}
  readOnly: true
{{- end }}
{{- if .Values.kafka.tls.keystore.existingSecret }}
- name: kafka-keystore
  mountPath: {{ include "stabilis.keystoreFile" . | dir }}
  readOnly: true
{{- end }}
{{- if include "stabilis.modelsSnapshot" . }}
- name: models
  mountPath: {{ .Values.models.mountPath }}
  readOnly: true
{{- else if ne .Values.models.source "image" }}
- name: models-source
  mountPath: {{ .Values.models.mountPath }}
  {{- with .Values.models.subPath }}
  subPath: {{ . }}
  {{- end }}
  readOnly: true
{{- end }}
{{- end }}

{{/* The init container that assembles the repository snapshot with the policy overrides. */}}
{{- define "stabilis.modelsInitContainer" -}}
{{- if include "stabilis.modelsSnapshot" .root }}
- name: models
  image: {{ include "stabilis.image" (dict "root" .root "override" .override) }}
  imagePullPolicy: {{ include "stabilis.imagePullPolicy" (dict "root" .root "override" .override) }}
  command:
    - bash
    - -ceu
    - |
      cp -R {{ if eq .root.Values.models.source "image" }}{{ include "stabilis.imageModelsDir" .root }}{{ else }}/var/lib/stabilis/models-source{{ end }}/. {{ .root.Values.models.mountPath }}/
      {{- range $model, $policy := .root.Values.models.policies }}
      test -d {{ $.root.Values.models.mountPath }}/{{ $model }} || { echo "models.policies: {{ $model }} is not in the model repository" >&2; exit 1; }
      cp /etc/stabilis-policies/{{ $model | replace "/" "__" }}.yaml {{ $.root.Values.models.mountPath }}/{{ $model }}/stabilis.yaml
      {{- end }}
  securityContext:
    {{- toYaml .root.Values.securityContext | nindent 4 }}
  resources:
    requests:
      cpu: 100m
      memory: 64Mi
    limits:
      memory: 256Mi
  volumeMounts:
    - name: models
      mountPath: {{ .root.Values.models.mountPath }}
    - name: policies
      mountPath: /etc/stabilis-policies
      readOnly: true
    {{- if ne .root.Values.models.source "image" }}
    - name: models-source
      mountPath: /var/lib/stabilis/models-source
      {{- with .root.Values.models.subPath }}
      subPath: {{ . }}
      {{- end }}
      readOnly: true
    {{- end }}
{{- end }}
{{- end }}

{{/*
A Kubernetes memory quantity (2Gi, 1536Mi, 2G, 2.5e9, 2147483648) in bytes, as a float: the grammar the values
schema admits for resources.
*/}}
{{- define "stabilis.bytes" -}}
{{- $q := toString . -}}
{{- $number := regexFind "^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?" $q -}}
{{- $unit := trimPrefix $number $q -}}
{{- $factors := dict "" 1 "n" 1e-9 "u" 1e-6 "m" 1e-3 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976 -}}
{{- if or (not $number) (not (hasKey $factors $unit)) }}
{{- fail (printf "memory quantity %q: expected a number with an optional unit (Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E)" $q) }}
{{- end }}
{{- mulf (float64 (trimPrefix "+" $number)) (index $factors $unit) -}}
{{- end }}

{{/*
Fails the render when the monitor's memory limit cannot hold its heap (the MaxRAMPercentage of monitor.javaOpts, the
JVM's 25 % when absent), the RocksDB bound (stabilis.monitor.rocksdb.memory.bytes) and 256 MiB for the JVM's other
native memory (metaspace, thread stacks, direct buffers, libtorch is not loaded by the monitor): the pod would be
OOM-killed under load instead of failing at install.
*/}}
{{- define "stabilis.checkMonitorMemory" -}}
{{- $limit := dig "resources" "limits" "memory" "" .Values.monitor -}}
{{- if $limit }}
{{- $bytes := include "stabilis.bytes" $limit | float64 -}}
{{- $percent := regexFind "MaxRAMPercentage=[0-9.]+" (.Values.monitor.javaOpts | default "") | trimPrefix "MaxRAMPercentage=" | default "25" | float64 -}}
{{- $rocksdb := index .Values.config "stabilis.monitor.rocksdb.memory.bytes" | default 268435456 | float64 -}}
{{- $heap := mulf $bytes (divf $percent 100) -}}
{{- $native := 268435456.0 -}}
{{- if gt (addf $heap $rocksdb $native) $bytes }}
{{- fail (printf "monitor.resources.limits.memory %s (%.0f MiB) cannot hold the heap (%.0f%% of it by monitor.javaOpts: %.0f MiB), config.stabilis.monitor.rocksdb.memory.bytes (%.0f MiB) and 256 MiB of other native memory: raise the limit or lower the other two" $limit (divf $bytes 1048576) $percent (divf $heap 1048576) (divf $rocksdb 1048576)) }}
{{- end }}
{{- end }}
{{- end }}
