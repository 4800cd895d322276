// grafanaDashboards: the layout (liveplatform-layout.libsonnet) with what holds for every panel
// applied here, so that no panel can forget it:
// - every query, and every variable's, filtered by the exporter job ($job, listing the jobs that
//   _config.selector matches), so that two exporters in one Prometheus are told apart;
// - count panels (stat panels of sums and counts) show 0, not "No data", when nothing matches;
// - `__inputs` and `__requires`, so that Grafana's Import asks for a Prometheus data source;
// - links: the README and the runbook on the dashboard, each alert's runbook section on the
//   panels that show what it watches, and from a customer (a table row, a bar) to this dashboard
//   filtered to that customer.
local layout = import 'liveplatform-layout.libsonnet';

{
  grafanaDashboards+:: {
    local c = $._config,

    // Written out: Debian's jsonnet (0.18) has no std.all, std.any.
    local all(xs) = std.foldl(function(acc, x) acc && x, xs, true),
    local any(xs) = std.foldl(function(acc, x) acc || x, xs, false),
    // strReplace is native, findSubstr is not (and 100 times slower).
    local contains(text, part) = std.strReplace(text, part, '') != text,
    // The layout's queries all filter on $platform (or, for the exporter's own series, already on
    // $job): the job matcher goes beside the platform one.
    local withJob(expr) =
      if contains(expr, '$job') then expr
      else std.strReplace(expr, 'platform=~"$platform"', 'job=~"$job", platform=~"$platform"'),
    // A sum or count over the exporter's series: with nothing matching, the answer is 0.
    local isCount(expr) =
      (std.startsWith(expr, 'sum(') || std.startsWith(expr, 'count(')) && !contains(expr, '/'),
    local zeroWhenEmpty(panel) =
      panel.type == 'stat'
      && std.length(panel.targets) > 0
      && all([isCount(t.expr) for t in panel.targets]),

    local runbook(anchor) = '%s#%s' % [c.runbookURLBase, anchor],
    // Panels that show what an alert watches, with the alert's runbook section.
    local runbookOf = {
      '7': 'liveplatformcustomernearlicenselimit',
      '8': 'liveplatformdatastale',
      '27': 'liveplatformexporterdown',
      '28': 'liveplatformpollsfailing',
      '30': 'liveplatformrecordsskipped',
      '42': 'liveplatformnumbersawaitingremoval',
      '47': 'liveplatformcustomeroveracquiredlicenses',
      '54': 'liveplatformcustomerappsecretexpired',
      '55': 'liveplatformcustomerappsecretexpiring',
      '62': 'liveplatformservicemanagementerror',
      '63': 'liveplatformservicevoicequalityerror',
      '64': 'liveplatformserviceoutofnumbers',
      '70': 'liveplatformocnumbersstuck',
    },

    // This dashboard for one customer: its platform and name from the row or series, the time
    // range, data source and job kept, every license type.
    local customerURL(platform, customer) =
      '/d/%s/?${__url_time_range}&${datasource:queryparam}&${job:queryparam}&var-platform=%s&var-license_type=$__all&var-customer_name=%s'
      % [c.dashboardUID, platform, customer],
    // Tables name their columns Customer and Platform (see their organize transformations).
    local rowLink = {
      title: 'Show customer ${__value.text} alone',
      url: customerURL('${__data.fields.Platform}', '${__value.raw}'),
    },
    // Bars and lines are one customer's series each.
    local seriesLink = {
      title: 'Show customer ${__field.labels.customer_name} alone',
      url: customerURL('${__field.labels.platform}', '${__field.labels.customer_name}'),
    },
    local isCustomerTable(panel) =
      panel.type == 'table'
      && any([
        std.objectHas(t, 'options') && std.objectHas(t.options, 'renameByName')
        && std.get(t.options.renameByName, 'customer_name') == 'Customer'
        for t in std.get(panel, 'transformations', [])
      ]),
    local isCustomerSeries(panel) =
      std.member(['bargauge', 'timeseries'], panel.type)
      && all([contains(t.expr, 'customer:liveplatform_active_per_licensed_users:ratio') for t in panel.targets]),

    local panel(p) =
      p
      + (if std.objectHas(p, 'targets') then {
           targets: [
             t + (if std.objectHas(t, 'expr') then {
                    expr: withJob(t.expr) + (if zeroWhenEmpty(p) then ' or vector(0)' else ''),
                  } else {})
             for t in p.targets
           ],
         } else {})
      + (if std.objectHas(p, 'panels') then { panels: [panel(q) for q in p.panels] } else {})
      + (if std.objectHas(runbookOf, std.toString(p.id)) then {
           links: [{ title: 'Runbook', url: runbook(runbookOf[std.toString(p.id)]), targetBlank: true }],
         } else {})
      + (if isCustomerTable(p) then {
           fieldConfig+: {
             overrides+: [{
               matcher: { id: 'byName', options: 'Customer' },
               properties: [{ id: 'links', value: [rowLink] }],
             }],
           },
         } else {})
      + (if isCustomerSeries(p) then {
           fieldConfig+: { defaults+: { links: [seriesLink] } },
         } else {}),

    local allPanels(ps) = std.flattenArrays([[p] + allPanels(std.get(p, 'panels', [])) for p in ps]),

    // The names Grafana's import page shows for the panel plugins.
    local panelNames = {
      bargauge: 'Bar gauge',
      gauge: 'Gauge',
      piechart: 'Pie chart',
      stat: 'Stat',
      'state-timeline': 'State timeline',
      table: 'Table',
      timeseries: 'Time series',
    },

    local jobQuery = 'label_values(liveplatform_exporter_build_info{%s}, job)' % c.selector,
    local variable(v) =
      if v.name == 'datasource' then v {
        // What Grafana's Import replaces with the data source chosen for the input below; where
        // the dashboard is provisioned instead, Grafana falls back to the default data source.
        current: { selected: false, text: '${DS_PROMETHEUS}', value: '${DS_PROMETHEUS}' },
      }
      else if v.name == 'job' then v {
        definition: jobQuery,
        query: jobQuery,
        multi: true,
        // All is the jobs the selector matched, not every job: no allValue.
        includeAll: true,
        current: { selected: true, text: ['All'], value: ['$__all'] },
      }
      else if std.objectHas(v, 'query') && std.isString(v.query) then v {
        query: withJob(v.query),
        [if std.objectHas(v, 'definition') then 'definition']: withJob(v.definition),
      }
      else v,

    local dashboard = layout {
      uid: c.dashboardUID,
      title: c.dashboardTitle,
      tags: c.dashboardTags,
      __inputs: [{
        name: 'DS_PROMETHEUS',
        label: 'Prometheus',
        description: 'The Prometheus that scrapes liveplatform-exporter',
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      }],
      __requires: [
        { type: 'grafana', id: 'grafana', name: 'Grafana', version: c.grafanaVersion },
        { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ] + [
        { type: 'panel', id: t, name: std.get(panelNames, t, t), version: '' }
        for t in std.set([p.type for p in allPanels(layout.panels) if p.type != 'row'])
      ],
      links: [
        { title: 'README', type: 'link', icon: 'doc', url: c.readmeURL, targetBlank: true, tooltip: 'What the exporter publishes and how to run it' },
        { title: 'Runbook', type: 'link', icon: 'info', url: c.runbookURLBase, targetBlank: true, tooltip: 'What to do when an alert fires' },
      ],
      templating: { list: [variable(v) for v in layout.templating.list] },
      panels: [panel(p) for p in layout.panels],
    },

    'liveplatform.json': dashboard,
  },
}
