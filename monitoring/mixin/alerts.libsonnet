// The alerting rules: prometheusAlerts, one group. Each alert's comment says why it fires when it
// does; the thresholds and severities come from _config (config.libsonnet). Descriptions are
// written as paragraphs and folded into one line, as YAML's `>-` did in the rule file.
local fold(text) = std.strReplace(std.rstripChars(text, '\n'), '\n', ' ');
// A whole percent as the decimal PromQL reads, written exactly (90 -> 0.9): jsonnet would print
// 90 / 100 as 0.90000000000000002.
local ratio(percent) =
  assert percent == std.floor(percent) && percent >= 0 : 'a whole percent, not %s' % percent;
  if percent % 100 == 0 then std.toString(percent / 100)
  else std.rstripChars('%d.%02d' % [std.floor(percent / 100), percent % 100], '0');

{
  prometheusAlerts+:: {
    local c = $._config {
      customersDroppedRatio: ratio($._config.customersDroppedPercent),
      collectorRequestErrorRatio: ratio($._config.collectorRequestErrorPercent),
    },
    // Every runbook link absolute: a relative one is no link in a notification.
    local runbook(anchor) = '%s#%s' % [c.runbookURLBase, anchor],
    groups+: [
      {
        name: 'liveplatform.alerts',
        rules: [
          {
            // The scrape job of _config.selector (prometheus/prometheus.yml's job by default).
            alert: 'LivePlatformExporterDown',
            expr: 'up{%(selector)s} == 0' % c,
            'for': '5m',
            labels: {
              severity: c.severities.LivePlatformExporterDown,
            },
            annotations: {
              summary: 'Live Platform exporter {{ $labels.instance }} is down',
              description: fold(|||
                Prometheus has failed to scrape the Live Platform exporter {{ $labels.instance }}
                (job {{ $labels.job }}) for 5 minutes. No platform of this exporter has current data
                and no license alert can fire.
              |||),
              runbook_url: runbook('liveplatformexporterdown'),
            },
          },
          {
            // A refused reload leaves the previous configuration running: nothing breaks, but the
            // file on disk is not what runs, and the next restart would refuse to start.
            alert: 'LivePlatformExporterConfigReloadFailed',
            expr: 'liveplatform_exporter_config_last_reload_successful == 0',
            'for': '10m',
            labels: {
              severity: c.severities.LivePlatformExporterConfigReloadFailed,
            },
            annotations: {
              summary: 'Live Platform exporter {{ $labels.instance }}: configuration reload refused',
              description: fold(|||
                The last configuration reload of exporter {{ $labels.instance }} (SIGHUP,
                systemctl reload) was refused 10 minutes ago or more: it still runs its previous
                configuration, and a restart with the file as it is would fail.
              |||),
              runbook_url: runbook('liveplatformexporterconfigreloadfailed'),
            },
          },
          {
            // The customer list, whose data every license alert reads. 15 minutes is three poll
            // intervals: the exporter retries sooner than the interval, so several attempts have
            // failed. The last good data stays published until stale_after. The other collectors
            // are LivePlatformCollectorFailing's.
            alert: 'LivePlatformPollsFailing',
            expr: 'liveplatform_up{collector="customers"} == 0',
            'for': '15m',
            labels: {
              severity: c.severities.LivePlatformPollsFailing,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: collector {{ $labels.collector }} failing',
              description: fold(|||
                Every run of collector {{ $labels.collector }} against the Live Platform API of
                platform {{ $labels.platform }} by exporter {{ $labels.instance }} has failed for 15
                minutes, or since start-up if the exporter is younger.
                liveplatform_poll_errors_total{platform="{{ $labels.platform }}",collector="{{ $labels.collector }}"}
                gives the reason.
              |||),
              runbook_url: runbook('liveplatformpollsfailing'),
            },
          },
          {
            // Every collector but the customer list: those run once an hour (license_info) or less
            // often, so the alert waits 30 minutes of retries for a whole failure. A per-customer
            // collector also fails in part: more than a tenth of its requests failing, 404s (a
            // customer that left) aside, over 7 hours, which holds at least one run of a collector
            // at its 6-hour default; an hour of it is no one-off.
            alert: 'LivePlatformCollectorFailing',
            expr: |||
              liveplatform_up{collector!="customers"} == 0
              or
                sum by (job, instance, platform, collector) (
                  increase(liveplatform_collector_request_errors_total{reason!="not_found"}[%(collectorRequestErrorWindowHours)sh])
                )
                / sum by (job, instance, platform, collector) (
                  increase(liveplatform_collector_requests_total[%(collectorRequestErrorWindowHours)sh]) > 0
                )
              > %(collectorRequestErrorRatio)s
            ||| % c,
            'for': '30m',
            labels: {
              severity: c.severities.LivePlatformCollectorFailing,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: collector {{ $labels.collector }} failing',
              description: fold(|||
                Collector {{ $labels.collector }} on platform {{ $labels.platform }} by exporter
                {{ $labels.instance }} has failed for 30 minutes: {{ if eq $value 0.0 }}every run
                failed{{ else }}{{ $value | humanizePercentage }} of its requests of the last %(collectorRequestErrorWindowHours)s hours
                failed{{ end }}. Its series keep their last good values until its stale_after.
                liveplatform_poll_errors_total and liveplatform_collector_request_errors_total{platform="{{ $labels.platform }}",collector="{{ $labels.collector }}"}
                give the reason.
              ||| % c),
              runbook_url: runbook('liveplatformcollectorfailing'),
            },
          },
          {
            // Fires when the exporter starts withholding a collector's series: its last success is
            // older than its own stale_after. The timestamp is 0 until the first successful run;
            // such a collector is excluded here (its age would read 56 years) and reported by
            // LivePlatformPollsFailing instead.
            alert: 'LivePlatformDataStale',
            expr: |||
              time() - liveplatform_last_poll_success_timestamp_seconds > liveplatform_stale_after_seconds
              and liveplatform_last_poll_success_timestamp_seconds > 0
            |||,
            'for': '5m',
            labels: {
              severity: c.severities.LivePlatformDataStale,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: {{ $labels.collector }} data is stale',
              description: fold(|||
                The last successful run of collector {{ $labels.collector }} on platform
                {{ $labels.platform }} by exporter {{ $labels.instance }} was
                {{ $value | humanizeDuration }} ago. Its series are withheld, so dashboards are
                empty and the alerts on them cannot fire.
              |||),
              runbook_url: runbook('liveplatformdatastale'),
            },
          },
          {
            // Two thirds of the collector's own timeout. Only successful runs count; failing ones are
            // LivePlatformPollsFailing's. The duration is that of the last run, so 15 minutes of it
            // means about three slow polls in a row at the customer list's default interval.
            alert: 'LivePlatformPollsSlow',
            expr: |||
              liveplatform_poll_duration_seconds > liveplatform_poll_timeout_seconds * 2 / 3
              and liveplatform_up == 1
            |||,
            'for': '15m',
            labels: {
              severity: c.severities.LivePlatformPollsSlow,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: collector {{ $labels.collector }} is close to its timeout',
              description: fold(|||
                Runs of collector {{ $labels.collector }} on platform {{ $labels.platform }} by
                exporter {{ $labels.instance }} have taken more than two thirds of their
                {{ with printf "liveplatform_poll_timeout_seconds{platform=%q,collector=%q,instance=%q}" $labels.platform $labels.collector $labels.instance | query }}{{ . | first | value | humanizeDuration }}{{ end }}
                timeout for 15 minutes (last one {{ $value | humanizeDuration }}); at the timeout
                they fail.
              |||),
              runbook_url: runbook('liveplatformpollsslow'),
            },
          },
          {
            // A bad record is skipped at every poll until the API fixes it. Polls come at most 5.5
            // minutes apart (5m and jitter), so a 10-minute window always holds one and the condition
            // lasts while every poll skips records: 15 minutes of it is about three polls in a row,
            // while a one-off glitch stays silent.
            alert: 'LivePlatformRecordsSkipped',
            expr: 'increase(liveplatform_records_skipped_total[10m]) > 0',
            'for': '15m',
            labels: {
              severity: c.severities.LivePlatformRecordsSkipped,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: {{ $labels.collector }} records skipped ({{ $labels.reason }})',
              description: fold(|||
                Exporter {{ $labels.instance }} has left records of platform {{ $labels.platform }}
                out of the data of collector {{ $labels.collector }} for reason {{ $labels.reason }}
                at every run for 15 minutes ({{ $value | printf "%.0f" }} in the last 10 minutes).
                What those records describe is missing from every total and alert.
              |||),
              runbook_url: runbook('liveplatformrecordsskipped'),
            },
          },
          {
            // Compares the platform's customer count with its peak of the last hour: a net loss of
            // more than 10 % (and of 2 customers at least) that lasts two polls. Counting from the
            // totals, unlike liveplatform_customers_removed_total, survives exporter restarts and
            // ignores customers that vanish for one poll and come back.
            alert: 'LivePlatformCustomersDropped',
            expr: |||
              max_over_time(platform:liveplatform_license_type_customers:sum[1h])
                - platform:liveplatform_license_type_customers:sum
              >= clamp_min(%(customersDroppedRatio)s * max_over_time(platform:liveplatform_license_type_customers:sum[1h]), %(customersDroppedMinimum)s)
            ||| % c,
            'for': '10m',
            labels: {
              severity: c.severities.LivePlatformCustomersDropped,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: {{ $value }} customers vanished',
              description: fold(|||
                Platform {{ $labels.platform }} has {{ $value }} customers fewer than at its peak of
                the last hour, more than %(customersDroppedPercent)s %% of them, for 10 minutes.
                liveplatform_customers_removed_total counts them as they go.
              ||| % c),
              runbook_url: runbook('liveplatformcustomersdropped'),
            },
          },
          {
            // Up to 100 %: beyond that LivePlatformCustomerOverLicenseLimit fires instead.
            alert: 'LivePlatformCustomerNearLicenseLimit',
            expr: 'customer:liveplatform_active_per_licensed_users:ratio > %s <= 1' % ratio(c.licenseNearLimitPercent),
            'for': '30m',
            labels: {
              severity: c.severities.LivePlatformCustomerNearLicenseLimit,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: customer {{ $labels.customer_name }} uses {{ $value | humanizePercentage }} of its licenses',
              description: fold(|||
                Customer {{ $labels.customer_name }} (customer_id {{ $labels.customer_id }},
                {{ $labels.license_type }}) on platform {{ $labels.platform }} has had more than
                %(licenseNearLimitPercent)s %% of its licensed users active for 30 minutes: {{ $value | humanizePercentage }}.
              ||| % c),
              runbook_url: runbook('liveplatformcustomernearlicenselimit'),
            },
          },
          {
            alert: 'LivePlatformCustomerOverLicenseLimit',
            expr: 'liveplatform_customer_active_users > liveplatform_customer_licensed_users',
            'for': '15m',
            labels: {
              severity: c.severities.LivePlatformCustomerOverLicenseLimit,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: customer {{ $labels.customer_name }} is over its license limit',
              description: fold(|||
                Customer {{ $labels.customer_name }} (customer_id {{ $labels.customer_id }},
                {{ $labels.license_type }}) on platform {{ $labels.platform }} has had more active
                users than licensed users for 15 minutes: {{ $value }} active, {{ with printf
                "liveplatform_customer_licensed_users{platform=%q,customer_id=%q}" $labels.platform
                $labels.customer_id | query }}{{ . | first | value }}{{ else }}unknown{{ end }}
                licensed.
              |||),
              runbook_url: runbook('liveplatformcustomeroverlicenselimit'),
            },
          },
          {
            // Numbers confirmed deleted wait for their final removal: a day of it means the removal
            // job is not doing its work. Marked numbers are Microsoft's business and not alerted on.
            alert: 'LivePlatformNumbersAwaitingRemoval',
            expr: 'liveplatform_oc_numbers_ready_for_removal > 0',
            'for': '1d',
            labels: {
              severity: c.severities.LivePlatformNumbersAwaitingRemoval,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: {{ $value }} Operator Connect numbers await removal',
              description: fold(|||
                {{ $value }} Operator Connect numbers on platform {{ $labels.platform }} have been
                confirmed deleted but are still waiting for their final removal, for over a day.
              |||),
              runbook_url: runbook('liveplatformnumbersawaitingremoval'),
            },
          },
          {
            // A release asked for, or a number Microsoft no longer lists, is Live Platform's to
            // clear within a day or so (collector oc_numbers): some numbers in either status for
            // days on end are stuck. Per platform and status; the dashboard names the customers.
            alert: 'LivePlatformOCNumbersStuck',
            expr: 'liveplatform_oc_numbers{status=~"release_requested|marked_for_removal"} > 0',
            'for': c.ocNumbersStuckFor,
            labels: {
              severity: c.severities.LivePlatformOCNumbersStuck,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: {{ $value }} Operator Connect numbers stuck in {{ $labels.status }}',
              description: fold(|||
                Platform {{ $labels.platform }} has had Operator Connect numbers in status
                {{ $labels.status }} for %(ocNumbersStuckFor)s without a break, {{ $value }} now:
                their release or removal is not going through.
              ||| % c),
              runbook_url: runbook('liveplatformocnumbersstuck'),
            },
          },
          {
            // The vendor's own accounting (license_info): more users licensed than the customer
            // acquired is what the provider is billed for and cannot charge.
            alert: 'LivePlatformCustomerOverAcquiredLicenses',
            expr: 'liveplatform_customer_currently_licensed_users > liveplatform_customer_acquired_licenses',
            'for': '2h',
            labels: {
              severity: c.severities.LivePlatformCustomerOverAcquiredLicenses,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: customer {{ $labels.customer_name }} has more users licensed than licenses acquired',
              description: fold(|||
                Customer {{ $labels.customer_name }} (customer_id {{ $labels.customer_id }},
                {{ $labels.license_type }}) on platform {{ $labels.platform }} has had
                {{ $value }} users licensed, by the platform's own accounting, for 2 hours, more than
                the {{ with printf "liveplatform_customer_acquired_licenses{platform=%q,customer_id=%q}" $labels.platform $labels.customer_id | query }}{{ . | first | value }}{{ else }}unknown number of{{ end }}
                licenses it acquired.
              |||),
              runbook_url: runbook('liveplatformcustomeroveracquiredlicenses'),
            },
          },
          {
            // 30 days leave time to renew the secret in the customer's Entra tenant and enter it in
            // Live Platform. An expired secret is LivePlatformCustomerAppSecretExpired's.
            alert: 'LivePlatformCustomerAppSecretExpiring',
            expr: |||
              liveplatform_customer_app_secret_expiry_timestamp_seconds - time() < %(appSecretExpiringDays)s * 86400
              and liveplatform_customer_app_secret_expiry_timestamp_seconds > time()
            ||| % c,
            'for': '1h',
            labels: {
              severity: c.severities.LivePlatformCustomerAppSecretExpiring,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: app secret of customer {{ $labels.customer_name }} expires in {{ $value | humanizeDuration }}',
              description: fold(|||
                The client secret of the Teams app registration of customer
                {{ $labels.customer_name }} (customer_id {{ $labels.customer_id }}) on platform
                {{ $labels.platform }} expires in {{ $value | humanizeDuration }}. When it does,
                Live Platform can no longer manage the customer's tenant.
              |||),
              runbook_url: runbook('liveplatformcustomerappsecretexpiring'),
            },
          },
          {
            alert: 'LivePlatformCustomerAppSecretExpired',
            expr: 'liveplatform_customer_app_secret_expiry_timestamp_seconds <= time()',
            'for': '5m',
            labels: {
              severity: c.severities.LivePlatformCustomerAppSecretExpired,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: app secret of customer {{ $labels.customer_name }} has expired',
              description: fold(|||
                The client secret of the Teams app registration of customer
                {{ $labels.customer_name }} (customer_id {{ $labels.customer_id }}) on platform
                {{ $labels.platform }} expired {{ with printf "time() - liveplatform_customer_app_secret_expiry_timestamp_seconds{platform=%q,customer_id=%q}" $labels.platform $labels.customer_id | query }}{{ . | first | value | humanizeDuration }} ago{{ else }}some time ago{{ end }}:
                Live Platform can no longer manage the customer's tenant until a new secret is
                entered.
              |||),
              runbook_url: runbook('liveplatformcustomerappsecretexpired'),
            },
          },
          {
            // The portal's management status of a service in error: something of it is broken or
            // cannot be managed. 15 minutes: three runs of the collector at its default interval,
            // so that a status flapping through one run does not page.
            alert: 'LivePlatformServiceManagementError',
            expr: 'liveplatform_service_management_status{status="error"} == 1',
            'for': '15m',
            labels: {
              severity: c.severities.LivePlatformServiceManagementError,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: service {{ with $labels.customer_name }}{{ . }}{{ else }}{{ $labels.customer_id }}{{ end }} is in management error',
              description: fold(|||
                The management status of service {{ $labels.customer_id }}
                {{ with $labels.customer_name }}(customer {{ . }}) {{ end }}on platform
                {{ $labels.platform }} has been error for 15 minutes, as the Live Platform portal
                categorises it.
              |||),
              runbook_url: runbook('liveplatformservicemanagementerror'),
            },
          },
          {
            // The portal's voice-quality status in error: the service's calls fail its quality
            // thresholds, which its users hear.
            alert: 'LivePlatformServiceVoiceQualityError',
            expr: 'liveplatform_service_voice_quality_status{status="error"} == 1',
            'for': '15m',
            labels: {
              severity: c.severities.LivePlatformServiceVoiceQualityError,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: service {{ with $labels.customer_name }}{{ . }}{{ else }}{{ $labels.customer_id }}{{ end }} is in voice-quality error',
              description: fold(|||
                The voice-quality status of service {{ $labels.customer_id }}
                {{ with $labels.customer_name }}(customer {{ . }}) {{ end }}on platform
                {{ $labels.platform }} has been error for 15 minutes.
              |||),
              runbook_url: runbook('liveplatformservicevoicequalityerror'),
            },
          },
          {
            // No number left for the next user of a service that uses numbers. A service without
            // any number (a trial, one not using DIDs) is not out of them.
            alert: 'LivePlatformServiceOutOfNumbers',
            expr: |||
              liveplatform_service_dids{state="free"} == 0
              and ignoring (state) liveplatform_service_dids{state="used"} > 0
            |||,
            'for': '%(serviceOutOfNumbersFor)s' % c,
            labels: {
              severity: c.severities.LivePlatformServiceOutOfNumbers,
            },
            annotations: {
              summary: 'Live Platform {{ $labels.platform }}: service {{ with $labels.customer_name }}{{ . }}{{ else }}{{ $labels.customer_id }}{{ end }} has no free number',
              description: fold(|||
                Service {{ $labels.customer_id }} {{ with $labels.customer_name }}(customer {{ . }})
                {{ end }}on platform {{ $labels.platform }} uses numbers (DIDs) and has had none
                free for %(serviceOutOfNumbersFor)s: the next user it adds cannot get one.
              ||| % c),
              runbook_url: runbook('liveplatformserviceoutofnumbers'),
            },
          },
        ],
      },
    ],
  },
}
