{{/* Names and labels shared by every template. */}}

{{/* The chart's base name: Portico's Deployment, Service, ServiceAccount and RBAC objects. */}}
{{- define "portico.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains "portico" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-portico" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Every object of the release. */}}
{{- define "portico.labels" -}}
app.kubernetes.io/name: portico
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
Portico's own pods: the component keeps certgen's pods (component certgen) out of the Deployment's
selector, the Services' endpoints, the PodDisruptionBudget and the anti-affinity.
*/}}
{{- define "portico.selectorLabels" -}}
app.kubernetes.io/name: portico
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: control-plane
{{- end -}}

{{- define "portico.controlPlaneLabels" -}}
{{ include "portico.labels" . }}
app.kubernetes.io/component: control-plane
{{- end -}}

{{- define "portico.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* Where the Envoy workloads (and the Envoy client Secret) live: the release namespace unless set. */}}
{{- define "portico.envoyNamespace" -}}
{{- .Values.envoy.namespace | default .Release.Namespace -}}
{{- end -}}

{{/*
envoy.namespaceMode: Release (every Gateway's Envoy workloads in envoy.namespace) or Gateway (each in its
Gateway's namespace: serve runs without --envoy-namespace). Fails the render on a combination that cannot work.
*/}}
{{- define "portico.envoyInGatewayNamespace" -}}
{{- $mode := .Values.envoy.namespaceMode | default "Release" -}}
{{- if eq $mode "Gateway" -}}
{{- if .Values.envoy.namespace -}}
{{- fail "envoy.namespaceMode=Gateway puts each Gateway's Envoys in its own namespace: leave envoy.namespace empty" -}}
{{- end -}}
{{- if .Values.xds.allowSharedClientCertificate -}}
{{- fail "envoy.namespaceMode=Gateway needs a client certificate per Gateway: the shared one (xds.allowSharedClientCertificate) lives in one namespace only" -}}
{{- end -}}
{{- if .Values.rbac.secretNamespaces -}}
{{- fail "envoy.namespaceMode=Gateway lets Portico list the client-certificate Secrets it writes in every namespace, so rbac.secretNamespaces could not limit Secrets: leave it empty" -}}
{{- end -}}
true
{{- else if ne $mode "Release" -}}
{{- fail (printf "envoy.namespaceMode must be Release or Gateway, not %q" $mode) -}}
{{- end -}}
{{- end -}}

{{/* What Envoy pods dial for xDS: the xDS Service by its namespaced name (a name in the server certificate). */}}
{{- define "portico.xdsAddress" -}}
{{- printf "%s.%s.svc:%d" (include "portico.fullname" .) .Release.Namespace (int .Values.xds.port) -}}
{{- end -}}

{{/* The full admin server (with /debug): loopback unless admin.exposeDebug. */}}
{{- define "portico.adminAddress" -}}
{{- if .Values.admin.exposeDebug -}}0.0.0.0{{- else -}}127.0.0.1{{- end -}}:{{ .Values.admin.port }}
{{- end -}}

{{/* The Secret names `portico certgen` writes (packages/server/src/certgen/names.ts). */}}
{{- define "portico.serverSecret" -}}portico-xds-server{{- end -}}
{{- define "portico.clientSecret" -}}portico-envoy-client{{- end -}}
{{- define "portico.certgenSecrets" -}}
- portico-xds-ca
- portico-xds-ca-key
- portico-xds-server
- portico-envoy-client
{{- end -}}

{{/* `portico certgen` arguments, shared by the install/upgrade hook and the renewal CronJob. */}}
{{- define "portico.certgenArgs" -}}
- certgen
- --kubernetes
- --namespace={{ .Release.Namespace }}
- --envoy-namespace={{ include "portico.envoyNamespace" . }}
- --service={{ include "portico.fullname" . }}
- --cluster-domain={{ .Values.certgen.clusterDomain }}
{{- range .Values.certgen.extraDnsNames }}
- --dns-name={{ . }}
{{- end }}
- --log-level={{ .Values.logLevel }}
{{- end -}}

{{/* Pod and container security for Portico and certgen: non-root, read-only, no privileges. */}}
{{- define "portico.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "portico.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
The Role certgen runs with in one namespace: create Secrets (RBAC cannot limit create by name), and read
and replace only the four certgen Secrets. Arguments: root, namespace, name, annotations.
*/}}
{{- define "portico.certgenRole" -}}
{{- $root := .root }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ .name }}
  namespace: {{ .namespace }}
  labels:
    {{- include "portico.labels" $root | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [create]
  - apiGroups: [""]
    resources: [secrets]
    resourceNames:
      {{- include "portico.certgenSecrets" $root | nindent 6 }}
    verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ .name }}
  namespace: {{ .namespace }}
  labels:
    {{- include "portico.labels" $root | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .name }}
subjects:
  - kind: ServiceAccount
    name: {{ .name }}
    namespace: {{ $root.Release.Namespace }}
{{- end -}}

{{/* The certgen pod template (hook Job and renewal CronJob). Arguments: root, serviceAccount. */}}
{{- define "portico.certgenPod" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "portico.labels" $root | nindent 4 }}
    app.kubernetes.io/component: certgen
spec:
  serviceAccountName: {{ .serviceAccount }}
  restartPolicy: Never
  securityContext:
    {{- include "portico.podSecurityContext" $root | nindent 4 }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: certgen
      image: {{ include "portico.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        {{- include "portico.certgenArgs" $root | nindent 8 }}
      resources:
        {{- toYaml $root.Values.certgen.resources | nindent 8 }}
      securityContext:
        {{- include "portico.containerSecurityContext" $root | nindent 8 }}
  {{- with $root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* The rate-limit service's Service (gRPC), and the Redis it counts in. */}}
{{- define "portico.rateLimitName" -}}
{{- printf "%s-ratelimit" (include "portico.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portico.redisName" -}}
{{- printf "%s-redis" (include "portico.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portico.redisUrl" -}}
{{- .Values.rateLimit.redis.url | default (printf "%s.%s.svc:6379" (include "portico.redisName" .) .Release.Namespace) -}}
{{- end -}}

{{- define "portico.redisSelectorLabels" -}}
app.kubernetes.io/name: portico
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: ratelimit-redis
{{- end -}}
