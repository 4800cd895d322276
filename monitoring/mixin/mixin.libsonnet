// liveplatform-exporter's monitoring mixin, in the shape of node_exporter's docs/node-mixin:
//
//   prometheusAlerts    the alerting rules (a rule file's `groups`)
//   prometheusRules     the recording rules (a rule file's `groups`)
//   grafanaDashboards   { 'liveplatform.json': <the dashboard> }
//   _config             what to change: the job selector, thresholds, severities, link targets
//
// It uses no library, so plain `jsonnet` renders it. The project's own rule file, PrometheusRule
// and dashboard are its output with the default _config: scripts/gen-monitoring.sh writes them,
// and the tests fail when the committed files differ from what it would write.
(import 'config.libsonnet') +
(import 'rules.libsonnet') +
(import 'alerts.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
