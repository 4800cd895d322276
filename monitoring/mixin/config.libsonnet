// What a user of the mixin may change, as in node_exporter's node-mixin: override any key with
//
//   (import 'mixin.libsonnet') + { _config+:: { selector: 'job="lp"', runbookURLBase: '...' } }
//
// The defaults are what the project ships (prometheus/rules/, grafana/dashboards/, the
// PrometheusRule): scripts/gen-monitoring.sh renders them with this file as it is.
{
  _config+:: {
    // Selects the exporter's scrape job: LivePlatformExporterDown watches `up{<selector>}`, and
    // the dashboard's job variable lists the jobs that match it. The default is the job name of
    // prometheus/prometheus.yml, compose and the ServiceMonitor.
    selector: 'job="liveplatform"',

    // Where the project lives, for absolute links in alerts and on the dashboard (a relative
    // runbook_url is no link in an e-mail or a chat message). Point these at your fork or your
    // internal copy of the runbook if you keep one.
    repositoryURL: 'https://github.com/liveplatform-exporter/liveplatform-exporter',
    runbookURLBase: self.repositoryURL + '/blob/main/docs/runbook.md',
    readmeURL: self.repositoryURL + '#readme',

    // Thresholds. Each names the alert it tunes; the alert's description follows.
    // LivePlatformCustomerNearLicenseLimit: share of a customer's licensed users active.
    licenseNearLimitPercent: 90,
    // LivePlatformCustomerAppSecretExpiring: warning this many days before the expiry.
    appSecretExpiringDays: 30,
    // LivePlatformCustomersDropped: net loss against the last hour's peak, in percent and at least
    // this many customers.
    customersDroppedPercent: 10,
    customersDroppedMinimum: 2,
    // LivePlatformCollectorFailing: share of a per-customer collector's requests failing over the
    // window (which must hold at least one run: customer_details runs every 6 hours by default).
    collectorRequestErrorPercent: 10,
    collectorRequestErrorWindowHours: 7,
    // LivePlatformServiceOutOfNumbers: how long a service must have had no free number.
    serviceOutOfNumbersFor: '1h',
    // LivePlatformOCNumbersStuck: how long a platform must have had numbers waiting for release
    // or marked for removal.
    ocNumbersStuckFor: '3d',

    // The severity label of each alert: route on it in Alertmanager.
    severities: {
      LivePlatformExporterDown: 'critical',
      LivePlatformExporterConfigReloadFailed: 'warning',
      LivePlatformPollsFailing: 'warning',
      LivePlatformCollectorFailing: 'warning',
      LivePlatformDataStale: 'critical',
      LivePlatformPollsSlow: 'warning',
      LivePlatformRecordsSkipped: 'warning',
      LivePlatformCustomersDropped: 'warning',
      LivePlatformCustomerNearLicenseLimit: 'warning',
      LivePlatformCustomerOverLicenseLimit: 'critical',
      LivePlatformNumbersAwaitingRemoval: 'warning',
      LivePlatformOCNumbersStuck: 'warning',
      LivePlatformCustomerOverAcquiredLicenses: 'warning',
      LivePlatformCustomerAppSecretExpiring: 'warning',
      LivePlatformCustomerAppSecretExpired: 'critical',
      LivePlatformServiceManagementError: 'critical',
      LivePlatformServiceVoiceQualityError: 'critical',
      LivePlatformServiceOutOfNumbers: 'warning',
    },

    // The dashboard.
    dashboardUID: 'liveplatform-exporter',
    dashboardTitle: 'AudioCodes Live Platform',
    dashboardTags: ['liveplatform', 'audiocodes', 'licenses'],
    // The oldest Grafana the dashboard is written for (its __requires).
    grafanaVersion: '10.0.0',
  },
}
