{{/* Names and labels shared by every template. */}}

{{- define "fenceline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fenceline.fullname" -}}
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

{{- define "fenceline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "fenceline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of the proxy pods (sidecar StatefulSet or standalone Deployment). */}}
{{- define "fenceline.proxySelector" -}}
app.kubernetes.io/name: {{ include "fenceline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: proxy
{{- end -}}

{{- define "fenceline.controlSelector" -}}
app.kubernetes.io/name: {{ include "fenceline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: control
{{- end -}}

{{- define "fenceline.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "fenceline.tlsSecret" -}}
{{- default (printf "%s-tls" (include "fenceline.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{- define "fenceline.etcdSecret" -}}
{{- default (printf "%s-etcd" (include "fenceline.fullname" .)) .Values.etcdCredentials.existingSecret -}}
{{- end -}}

{{- define "fenceline.postgresSecret" -}}
{{- default (printf "%s-postgres" (include "fenceline.fullname" .)) .Values.postgres.existingSecret -}}
{{- end -}}

{{- define "fenceline.controlSecret" -}}
{{- default (printf "%s-control" (include "fenceline.fullname" .)) .Values.control.passwords.existingSecret -}}
{{- end -}}

{{- define "fenceline.migrationsConfigMap" -}}
{{- default (printf "%s-migrations" (include "fenceline.fullname" .)) .Values.control.existingMigrationsConfigMap -}}
{{- end -}}

{{/* The proxy container, shared by the sidecar StatefulSet and the standalone Deployment. */}}
{{- define "fenceline.proxyContainer" -}}
- name: proxy
  image: {{ include "fenceline.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: ["fenceline"]
  args: ["proxy", "--config", "/etc/fenceline/proxy.yaml"]
  env:
    - name: FENCELINE_JAVA_OPTS
      value: {{ printf "%s -Djava.io.tmpdir=/tmp" .Values.proxy.javaOpts | quote }}
    {{- with .Values.proxy.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: postgres
      containerPort: {{ .Values.proxy.config.listen.port }}
    - name: admin
      containerPort: {{ .Values.proxy.config.admin.port }}
  startupProbe:
    httpGet:
      path: /health
      port: admin
    {{- toYaml .Values.proxy.startupProbe | nindent 4 }}
  livenessProbe:
    httpGet:
      path: /health
      port: admin
    {{- toYaml .Values.proxy.livenessProbe | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /ready
      port: admin
    {{- toYaml .Values.proxy.readinessProbe | nindent 4 }}
  resources:
    {{- toYaml .Values.proxy.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.proxy.securityContext | nindent 4 }}
  volumeMounts:
    - name: proxy-config
      mountPath: /etc/fenceline/proxy.yaml
      subPath: proxy.yaml
      readOnly: true
    - name: proxy-tmp
      mountPath: /tmp
    {{- if eq .Values.mode "sidecar" }}
    - name: socket               # PostgreSQL's socket directory, for upstream.socket
      mountPath: /var/run/postgresql
    {{- end }}
    {{- if .Values.tls.enabled }}
    - name: tls
      mountPath: /etc/fenceline/tls
      readOnly: true
    {{- end }}
    {{- if and .Values.tls.enabled .Values.tls.clientCertificates.existingSecret }}
    - name: client-ca
      mountPath: /etc/fenceline/client-ca
      readOnly: true
    {{- end }}
    {{- if .Values.tls.upstream.existingSecret }}
    - name: upstream-tls
      mountPath: /etc/fenceline/upstream-tls
      readOnly: true
    {{- end }}
    {{- if .Values.etcdCredentials.enabled }}
    - name: etcd-credentials
      mountPath: /etc/fenceline/etcd
      readOnly: true
    {{- end }}
    {{- if or (eq .Values.mode "sidecar") .Values.postgres.existingSecret }}
    - name: postgres-password     # for group.fence.password_file
      mountPath: /etc/fenceline/postgres
      readOnly: true
    {{- end }}
{{- end -}}

{{/* Volumes the proxy container mounts. */}}
{{- define "fenceline.proxyVolumes" -}}
- name: proxy-config
  configMap:
    name: {{ include "fenceline.fullname" . }}-proxy
- name: proxy-tmp
  emptyDir: {}
{{- if .Values.tls.enabled }}
- name: tls
  secret:
    secretName: {{ include "fenceline.tlsSecret" . }}
    defaultMode: 0444
{{- end }}
{{- if and .Values.tls.enabled .Values.tls.clientCertificates.existingSecret }}
- name: client-ca
  secret:
    secretName: {{ .Values.tls.clientCertificates.existingSecret }}
    defaultMode: 0444
{{- end }}
{{- if .Values.tls.upstream.existingSecret }}
- name: upstream-tls
  secret:
    secretName: {{ .Values.tls.upstream.existingSecret }}
    defaultMode: 0444
{{- end }}
{{- if .Values.etcdCredentials.enabled }}
- name: etcd-credentials
  secret:
    secretName: {{ include "fenceline.etcdSecret" . }}
    defaultMode: 0444
{{- end }}
{{- if or (eq .Values.mode "sidecar") .Values.postgres.existingSecret }}
- name: postgres-password
  secret:
    secretName: {{ include "fenceline.postgresSecret" . }}
    defaultMode: 0444
    items:
      - key: password
        path: password
{{- end }}
{{- end -}}
