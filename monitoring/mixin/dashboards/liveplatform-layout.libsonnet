// The dashboard's layout: its panels, queries and variables as Grafana's JSON model, written as
// jsonnet (no grafonnet: the mixin uses no library). Queries name the data they show with the
// dashboard's filters ($platform, $license_type, $customer_name); dashboards.libsonnet adds what
// follows from _config and holds for every panel: the job filter on every query, 0 instead of
// "No data" on count panels, the import inputs, the links. Edit panels here (a panel edited in
// Grafana can be pasted back as its JSON), then run scripts/gen-monitoring.sh.
{
  description: 'Customers, licenses and LiveHub users per AudioCodes Live Platform, from liveplatform-exporter.',
  timezone: 'browser',
  editable: true,
  graphTooltip: 1,
  fiscalYearStartMonth: 0,
  liveNow: false,
  refresh: '1m',
  schemaVersion: 39,
  version: 1,
  time: {
    from: 'now-7d',
    to: 'now',
  },
  timepicker: {},
  weekStart: '',
  annotations: {
    list: [],
  },
  templating: {
    list: [
      {
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        current: {},
        hide: 0,
        includeAll: false,
        multi: false,
        options: [],
        refresh: 1,
        regex: '',
        skipUrlSync: false,
      },
      {
        name: 'job',
        label: 'Exporter job',
        type: 'query',
        datasource: {
          type: 'prometheus',
          uid: '${datasource}',
        },
        definition: 'label_values(liveplatform_exporter_build_info, job)',
        query: 'label_values(liveplatform_exporter_build_info, job)',
        refresh: 2,
        regex: '',
        sort: 1,
        multi: true,
        includeAll: false,
        hide: 0,
        options: [],
        skipUrlSync: false,
        current: {},
      },
      {
        name: 'platform',
        label: 'Platform',
        type: 'query',
        datasource: {
          type: 'prometheus',
          uid: '${datasource}',
        },
        definition: 'label_values(liveplatform_up{job=~"$job"}, platform)',
        query: 'label_values(liveplatform_up{job=~"$job"}, platform)',
        refresh: 2,
        regex: '',
        sort: 1,
        multi: true,
        includeAll: true,
        hide: 0,
        options: [],
        skipUrlSync: false,
        allValue: '.*',
        current: {
          selected: true,
          text: [
            'All',
          ],
          value: [
            '$__all',
          ],
        },
      },
      {
        name: 'license_type',
        label: 'License type',
        type: 'query',
        datasource: {
          type: 'prometheus',
          uid: '${datasource}',
        },
        definition: 'label_values(liveplatform_license_type_customers{platform=~"$platform"}, license_type)',
        query: 'label_values(liveplatform_license_type_customers{platform=~"$platform"}, license_type)',
        refresh: 2,
        regex: '',
        sort: 1,
        multi: true,
        includeAll: true,
        hide: 0,
        options: [],
        skipUrlSync: false,
        allValue: '.*',
        current: {
          selected: true,
          text: [
            'All',
          ],
          value: [
            '$__all',
          ],
        },
      },
      {
        name: 'customer_name',
        label: 'Customer',
        type: 'query',
        datasource: {
          type: 'prometheus',
          uid: '${datasource}',
        },
        definition: 'label_values(liveplatform_customer_info{platform=~"$platform", license_type=~"$license_type"}, customer_name)',
        query: 'label_values(liveplatform_customer_info{platform=~"$platform", license_type=~"$license_type"}, customer_name)',
        refresh: 2,
        regex: '',
        sort: 5,
        multi: true,
        includeAll: true,
        hide: 0,
        options: [],
        skipUrlSync: false,
        allValue: '.*',
        current: {
          selected: true,
          text: [
            'All',
          ],
          value: [
            '$__all',
          ],
        },
      },
    ],
  },
  panels: [
    {
      id: 1,
      type: 'row',
      title: 'Overview',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 0,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 2,
      type: 'stat',
      title: 'Customers',
      description: 'Customers of the selected platforms and license types.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 1,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_customers{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 3,
      type: 'stat',
      title: 'Licensed users',
      description: 'Licenses allocated in onboarding ("Acquired Licenses"). Essentials have no license count.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 4,
        y: 1,
        w: 3,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_licensed_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 4,
      type: 'stat',
      title: 'Active users',
      description: 'Active users with used DIDs.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 7,
        y: 1,
        w: 3,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_active_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 5,
      type: 'stat',
      title: 'LiveHub active users',
      description: 'LiveHub active users.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 10,
        y: 1,
        w: 3,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_livehub_active_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 6,
      type: 'stat',
      title: 'LiveHub simple users',
      description: 'LiveHub simple users.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 13,
        y: 1,
        w: 3,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_livehub_simple_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 7,
      type: 'gauge',
      title: 'License utilisation',
      description: 'Active users over licensed users, counting only customers that have a license count (not Essentials). Orange from 90 %, red over 100 %.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 16,
        y: 1,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_customer_active_users{platform=~"$platform", license_type=~"$license_type"} and liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type"})\n/ sum(liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type"} > 0)',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 0.9,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          min: 0,
          max: 1.2,
          decimals: 1,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        showThresholdMarkers: true,
        showThresholdLabels: false,
        minVizHeight: 75,
        minVizWidth: 75,
        sizing: 'auto',
      },
    },
    {
      id: 8,
      type: 'stat',
      title: 'Oldest data',
      description: "Age of the oldest successful poll among the selected platforms. The exporter withholds a platform's data once older than its stale_after (15 min by default).",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 20,
        y: 1,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'max(time() - liveplatform_last_poll_success_timestamp_seconds{platform=~"$platform"} and liveplatform_last_poll_success_timestamp_seconds{platform=~"$platform"} > 0)',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 's',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 600,
              },
              {
                color: 'red',
                value: 900,
              },
            ],
          },
          mappings: [],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 9,
      type: 'row',
      title: 'Totals per license type',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 5,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 10,
      type: 'table',
      title: 'Totals per license type',
      description: 'Per license type over the selected platforms. Licensed users and utilisation are empty for types without a license count (Essentials).',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 6,
        w: 15,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (license_type) (liveplatform_license_type_customers{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'sum by (license_type) (liveplatform_license_type_licensed_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'C',
          expr: 'sum by (license_type) (liveplatform_license_type_active_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'D',
          expr: 'sum by (license_type) (liveplatform_customer_active_users{platform=~"$platform", license_type=~"$license_type"} and liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type"})\n/ sum by (license_type) (liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type"} > 0)',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'E',
          expr: 'sum by (license_type) (liveplatform_license_type_livehub_active_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'F',
          expr: 'sum by (license_type) (liveplatform_license_type_livehub_simple_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            align: 'auto',
            cellOptions: {
              type: 'auto',
            },
            inspect: false,
          },
        },
        overrides: [
          {
            matcher: {
              id: 'byName',
              options: 'Utilisation',
            },
            properties: [
              {
                id: 'unit',
                value: 'percentunit',
              },
              {
                id: 'decimals',
                value: 1,
              },
              {
                id: 'thresholds',
                value: {
                  mode: 'absolute',
                  steps: [
                    {
                      color: 'green',
                      value: null,
                    },
                    {
                      color: 'orange',
                      value: 0.9,
                    },
                    {
                      color: 'red',
                      value: 1,
                    },
                  ],
                },
              },
              {
                id: 'custom.cellOptions',
                value: {
                  type: 'color-background',
                  mode: 'basic',
                },
              },
            ],
          },
        ],
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: {
          show: false,
          reducer: [
            'sum',
          ],
          fields: '',
        },
        sortBy: [
          {
            displayName: 'Customers',
            desc: true,
          },
        ],
      },
      transformations: [
        {
          id: 'merge',
          options: {},
        },
        {
          id: 'organize',
          options: {
            excludeByName: {
              Time: true,
            },
            indexByName: {
              license_type: 0,
              'Value #A': 1,
              'Value #B': 2,
              'Value #C': 3,
              'Value #D': 4,
              'Value #E': 5,
              'Value #F': 6,
            },
            renameByName: {
              license_type: 'License type',
              'Value #A': 'Customers',
              'Value #B': 'Licensed users',
              'Value #C': 'Active users',
              'Value #D': 'Utilisation',
              'Value #E': 'LiveHub active',
              'Value #F': 'LiveHub simple',
            },
          },
        },
      ],
    },
    {
      id: 11,
      type: 'piechart',
      title: 'Customers by license type',
      description: 'Share of the selected customers per license type.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 15,
        y: 6,
        w: 9,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (license_type) (liveplatform_license_type_customers{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '{{license_type}}',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        pieType: 'donut',
        displayLabels: [
          'value',
        ],
        legend: {
          displayMode: 'table',
          placement: 'right',
          showLegend: true,
          values: [
            'value',
            'percent',
          ],
        },
        tooltip: {
          mode: 'single',
          sort: 'none',
        },
      },
    },
    {
      id: 12,
      type: 'row',
      title: 'License utilisation per customer',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 14,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 13,
      type: 'bargauge',
      title: 'Top 15 customers by license utilisation',
      description: 'Active users over licensed users per customer (recording rule customer:liveplatform_active_per_licensed_users:ratio). Customers without a license count (Essentials) or with 0 licenses have no ratio. Orange from 90 %, red over 100 %.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 15,
        w: 10,
        h: 13,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sort_desc(topk(15, customer:liveplatform_active_per_licensed_users:ratio{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}))',
          legendFormat: '{{customer_name}} ({{platform}})',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 0.9,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          min: 0,
          max: 1,
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'horizontal',
        displayMode: 'gradient',
        valueMode: 'color',
        namePlacement: 'left',
        showUnfilled: true,
        sizing: 'auto',
        minVizHeight: 16,
        minVizWidth: 8,
        maxVizHeight: 300,
      },
    },
    {
      id: 14,
      type: 'table',
      title: 'Customers',
      description: 'One row per customer. An empty cell is a count the API reports as null (not applicable): Essentials have no license count.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 10,
        y: 15,
        w: 14,
        h: 13,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'group without (customer_full_name, ms_tenant_id, license_type_code) (liveplatform_customer_info{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'C',
          expr: 'liveplatform_customer_active_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'D',
          expr: 'customer:liveplatform_active_per_licensed_users:ratio{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'E',
          expr: 'liveplatform_customer_livehub_active_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'F',
          expr: 'liveplatform_customer_livehub_simple_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            align: 'auto',
            cellOptions: {
              type: 'auto',
            },
            inspect: false,
            filterable: true,
          },
        },
        overrides: [
          {
            matcher: {
              id: 'byName',
              options: 'Utilisation',
            },
            properties: [
              {
                id: 'unit',
                value: 'percentunit',
              },
              {
                id: 'min',
                value: 0,
              },
              {
                id: 'max',
                value: 1,
              },
              {
                id: 'decimals',
                value: 0,
              },
              {
                id: 'thresholds',
                value: {
                  mode: 'absolute',
                  steps: [
                    {
                      color: 'green',
                      value: null,
                    },
                    {
                      color: 'orange',
                      value: 0.9,
                    },
                    {
                      color: 'red',
                      value: 1,
                    },
                  ],
                },
              },
              {
                id: 'custom.cellOptions',
                value: {
                  type: 'gauge',
                  mode: 'basic',
                  valueDisplayMode: 'text',
                },
              },
            ],
          },
        ],
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: {
          show: false,
          reducer: [
            'sum',
          ],
          fields: '',
        },
        sortBy: [
          {
            displayName: 'Utilisation',
            desc: true,
          },
        ],
      },
      transformations: [
        {
          id: 'merge',
          options: {},
        },
        {
          id: 'organize',
          options: {
            excludeByName: {
              Time: true,
              job: true,
              instance: true,
              'Value #A': true,
            },
            indexByName: {
              customer_name: 0,
              license_type: 1,
              'Value #B': 2,
              'Value #C': 3,
              'Value #D': 4,
              'Value #E': 5,
              'Value #F': 6,
              platform: 7,
              customer_id: 8,
            },
            renameByName: {
              customer_name: 'Customer',
              license_type: 'License type',
              'Value #B': 'Licensed users',
              'Value #C': 'Active users',
              'Value #D': 'Utilisation',
              'Value #E': 'LiveHub active',
              'Value #F': 'LiveHub simple',
              platform: 'Platform',
              customer_id: 'Customer id',
            },
          },
        },
      ],
    },
    {
      id: 15,
      type: 'row',
      title: 'Trends',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 28,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 16,
      type: 'timeseries',
      title: 'Active users per license type',
      description: 'Active users with used DIDs, per license type.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 29,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (license_type) (liveplatform_license_type_active_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '{{license_type}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 40,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'normal',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 17,
      type: 'timeseries',
      title: 'Licensed users per license type',
      description: 'Licenses allocated in onboarding, per license type (none for Essentials).',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 12,
        y: 29,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (license_type) (liveplatform_license_type_licensed_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '{{license_type}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 40,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'normal',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 18,
      type: 'timeseries',
      title: 'License utilisation of the 10 fullest customers',
      description: 'Active users over licensed users; the 10 highest at each point in time.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 37,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'topk(10, customer:liveplatform_active_per_licensed_users:ratio{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '{{customer_name}} ({{platform}})',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 0.9,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'line',
            },
          },
          max: 1.2,
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 19,
      type: 'timeseries',
      title: 'License utilisation per license type',
      description: 'Active over licensed users of the customers that have a license count (what the recording rule platform_license_type:liveplatform_active_per_licensed_users:ratio records, computed here to keep the job label).',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 12,
        y: 37,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          // What platform_license_type:liveplatform_active_per_licensed_users:ratio records, from
          // the exporter's series: the recording rule sums away `job`, which $job filters on.
          expr: |||
            sum by (platform, license_type) (liveplatform_customer_active_users{platform=~"$platform", license_type=~"$license_type"} and liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type"})
            / sum by (platform, license_type) (liveplatform_customer_licensed_users{platform=~"$platform", license_type=~"$license_type"} > 0)
          |||,
          legendFormat: '{{platform}} {{license_type}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 0.9,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'line',
            },
          },
          max: 1.2,
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 20,
      type: 'timeseries',
      title: 'Customers per license type',
      description: 'Customers per license type.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 45,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (license_type) (liveplatform_license_type_customers{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '{{license_type}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 40,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'normal',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 21,
      type: 'timeseries',
      title: 'LiveHub users',
      description: 'LiveHub active and simple users.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 12,
        y: 45,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_livehub_active_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: 'LiveHub active',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'sum(liveplatform_license_type_livehub_simple_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: 'LiveHub simple',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 22,
      type: 'row',
      title: 'Customers added and removed',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 53,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 23,
      type: 'timeseries',
      title: 'Customers added and removed',
      description: 'Customers that appeared (up) and vanished (down) between two successful polls, per platform. A customer changing license type is neither.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 54,
        w: 10,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (platform) (increase(liveplatform_customers_added_total{platform=~"$platform"}[$__interval]))',
          legendFormat: 'added {{platform}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: '-sum by (platform) (increase(liveplatform_customers_removed_total{platform=~"$platform"}[$__interval]))',
          legendFormat: 'removed {{platform}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'bars',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
          decimals: 0,
        },
        overrides: [
          {
            matcher: {
              id: 'byFrameRefID',
              options: 'B',
            },
            properties: [
              {
                id: 'color',
                value: {
                  mode: 'fixed',
                  fixedColor: 'red',
                },
              },
            ],
          },
        ],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
      interval: '5m',
    },
    {
      id: 24,
      type: 'timeseries',
      title: 'Customers per platform',
      description: 'All customers of each platform (as the recording rule platform:liveplatform_license_type_customers:sum, computed here to keep the job label). A sudden drop raises LivePlatformCustomersDropped.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 10,
        y: 54,
        w: 8,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          // platform:liveplatform_license_type_customers:sum, with `job` kept for $job.
          expr: 'sum by (platform) (liveplatform_license_type_customers{platform=~"$platform"})',
          legendFormat: '{{platform}}',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 25,
      type: 'stat',
      title: 'Added in range',
      description: "Customers added over the dashboard's time range.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 18,
        y: 54,
        w: 6,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(increase(liveplatform_customers_added_total{platform=~"$platform"}[$__range]))',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 26,
      type: 'stat',
      title: 'Removed in range',
      description: "Customers removed over the dashboard's time range.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 18,
        y: 58,
        w: 6,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(increase(liveplatform_customers_removed_total{platform=~"$platform"}[$__range]))',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 40,
      type: 'row',
      title: 'Operator Connect numbers',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 62,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 41,
      type: 'timeseries',
      title: 'Numbers awaiting removal',
      description: "Operator Connect numbers per platform marked for removal (no longer in Microsoft's acquired list) and ready for removal (confirmed deleted, waiting for the final removal), from the collector number_removal. Ready numbers for over a day raise LivePlatformNumbersAwaitingRemoval.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 63,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (platform) (liveplatform_oc_numbers_marked_for_removal{platform=~"$platform"})',
          legendFormat: '{{platform}} marked',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'sum by (platform) (liveplatform_oc_numbers_ready_for_removal{platform=~"$platform"})',
          legendFormat: '{{platform}} ready',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 42,
      type: 'stat',
      title: 'Ready for removal',
      description: 'Operator Connect numbers confirmed deleted and waiting for their final removal, over the selected platforms.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 12,
        y: 63,
        w: 6,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_oc_numbers_ready_for_removal{platform=~"$platform"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 43,
      type: 'stat',
      title: 'Marked for removal',
      description: "Operator Connect numbers no longer in Microsoft's acquired list, over the selected platforms.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 18,
        y: 63,
        w: 6,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_oc_numbers_marked_for_removal{platform=~"$platform"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 44,
      type: 'row',
      title: 'License accounting',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 71,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 45,
      type: 'stat',
      title: 'Acquired licenses',
      description: "Licenses acquired, by the platform's own accounting (collector license_info), over the selected platforms and license types.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 72,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_acquired_licenses{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 46,
      type: 'stat',
      title: 'Currently licensed users',
      description: "Users licensed by the platform's own accounting (what is billed), over the selected platforms and license types.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 4,
        y: 72,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_license_type_currently_licensed_users{platform=~"$platform", license_type=~"$license_type"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 47,
      type: 'stat',
      title: 'Customers over acquired licenses',
      description: 'Customers with more users licensed than licenses acquired; two hours of it raise LivePlatformCustomerOverAcquiredLicenses.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 8,
        y: 72,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'count(liveplatform_customer_currently_licensed_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} > liveplatform_customer_acquired_licenses{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 48,
      type: 'stat',
      title: 'Monitored users',
      description: 'Users monitored, summed over the selected customers.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 76,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_customer_monitored_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 49,
      type: 'stat',
      title: 'Managed service numbers',
      description: 'Service numbers managed, summed over the selected customers.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 4,
        y: 76,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_customer_managed_service_numbers{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 50,
      type: 'stat',
      title: 'Licensed of acquired',
      description: 'Users currently licensed as a share of the licenses acquired, over the selected customers that report both.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 8,
        y: 76,
        w: 4,
        h: 4,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum(liveplatform_customer_currently_licensed_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} and liveplatform_customer_acquired_licenses{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})\n/ sum(liveplatform_customer_acquired_licenses{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} > 0)',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 0.9,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          decimals: 1,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 51,
      type: 'timeseries',
      title: 'Acquired and licensed per license type',
      description: "Licenses acquired and users currently licensed per license type, by the platform's own accounting. Each point is the latest value of the day before it, so that a backfilled history (one sample a day, see the README's Backfill) draws as a line too.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 12,
        y: 72,
        w: 12,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (license_type) (last_over_time(liveplatform_license_type_acquired_licenses{platform=~"$platform", license_type=~"$license_type"}[1d]))',
          legendFormat: '{{license_type}} acquired',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'sum by (license_type) (last_over_time(liveplatform_license_type_currently_licensed_users{platform=~"$platform", license_type=~"$license_type"}[1d]))',
          legendFormat: '{{license_type}} licensed',
          range: true,
          instant: false,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            axisSoftMin: 0,
            stacking: {
              mode: 'none',
              group: 'A',
            },
            thresholdsStyle: {
              mode: 'off',
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: 'list',
          placement: 'bottom',
          showLegend: true,
        },
        tooltip: {
          mode: 'multi',
          sort: 'desc',
        },
      },
    },
    {
      id: 52,
      type: 'table',
      title: 'License accounting per customer',
      description: 'One row per customer, from the latest license record of collector license_info. Over by: users licensed beyond the licenses acquired.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 80,
        w: 24,
        h: 10,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'liveplatform_customer_acquired_licenses{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'liveplatform_customer_currently_licensed_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'C',
          expr: 'liveplatform_customer_currently_licensed_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} - liveplatform_customer_acquired_licenses{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'D',
          expr: 'liveplatform_customer_monitored_users{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'E',
          expr: 'liveplatform_customer_managed_service_numbers{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'F',
          expr: 'time() - liveplatform_customer_license_last_update_timestamp_seconds{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"}',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            align: 'auto',
            cellOptions: {
              type: 'auto',
            },
            inspect: false,
            filterable: true,
          },
        },
        overrides: [
          {
            matcher: {
              id: 'byName',
              options: 'Over by',
            },
            properties: [
              {
                id: 'thresholds',
                value: {
                  mode: 'absolute',
                  steps: [
                    {
                      color: 'green',
                      value: null,
                    },
                    {
                      color: 'red',
                      value: 1,
                    },
                  ],
                },
              },
              {
                id: 'custom.cellOptions',
                value: {
                  type: 'color-text',
                },
              },
            ],
          },
          {
            matcher: {
              id: 'byName',
              options: 'Record age',
            },
            properties: [
              {
                id: 'unit',
                value: 's',
              },
              {
                id: 'decimals',
                value: 0,
              },
            ],
          },
        ],
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: {
          show: false,
          reducer: [
            'sum',
          ],
          fields: '',
        },
        sortBy: [
          {
            displayName: 'Over by',
            desc: true,
          },
        ],
      },
      transformations: [
        {
          id: 'merge',
          options: {},
        },
        {
          id: 'organize',
          options: {
            excludeByName: {
              Time: true,
              job: true,
              instance: true,
            },
            indexByName: {
              customer_name: 0,
              license_type: 1,
              'Value #A': 2,
              'Value #B': 3,
              'Value #C': 4,
              'Value #D': 5,
              'Value #E': 6,
              'Value #F': 7,
              platform: 8,
              customer_id: 9,
            },
            renameByName: {
              customer_name: 'Customer',
              license_type: 'License type',
              'Value #A': 'Acquired',
              'Value #B': 'Currently licensed',
              'Value #C': 'Over by',
              'Value #D': 'Monitored users',
              'Value #E': 'Service numbers',
              'Value #F': 'Record age',
              platform: 'Platform',
              customer_id: 'Customer id',
            },
          },
        },
      ],
    },
    {
      id: 53,
      type: 'row',
      title: 'App secrets',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 90,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 54,
      type: 'stat',
      title: 'Expired app secrets',
      description: 'Customers whose Teams app client secret has expired (LivePlatformCustomerAppSecretExpired).',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 91,
        w: 4,
        h: 5,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'count(liveplatform_customer_app_secret_expiry_timestamp_seconds{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} <= time())',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'red',
                value: 1,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 55,
      type: 'stat',
      title: 'Expiring within 30 days',
      description: 'Customers whose Teams app client secret expires within 30 days (LivePlatformCustomerAppSecretExpiring).',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 96,
        w: 4,
        h: 5,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'count(liveplatform_customer_app_secret_expiry_timestamp_seconds{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} - time() < 2592000 > 0)',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'green',
                value: null,
              },
              {
                color: 'orange',
                value: 1,
              },
            ],
          },
          mappings: [],
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        orientation: 'auto',
        textMode: 'auto',
        colorMode: 'value',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },
    {
      id: 56,
      type: 'table',
      title: 'App secrets, soonest to expire first',
      description: "Expiry of each customer's Teams app client secret (collector customer_details; the API's zone-less date read as UTC). Customers without a secret have no row.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 4,
        y: 91,
        w: 20,
        h: 10,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'liveplatform_customer_app_secret_expiry_timestamp_seconds{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} - time()',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'B',
          expr: 'liveplatform_customer_app_secret_expiry_timestamp_seconds{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} * 1000',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            align: 'auto',
            cellOptions: {
              type: 'auto',
            },
            inspect: false,
            filterable: true,
          },
        },
        overrides: [
          {
            matcher: {
              id: 'byName',
              options: 'Expires in',
            },
            properties: [
              {
                id: 'unit',
                value: 's',
              },
              {
                id: 'decimals',
                value: 0,
              },
              {
                id: 'thresholds',
                value: {
                  mode: 'absolute',
                  steps: [
                    {
                      color: 'red',
                      value: null,
                    },
                    {
                      color: 'orange',
                      value: 0,
                    },
                    {
                      color: 'green',
                      value: 2592000,
                    },
                  ],
                },
              },
              {
                id: 'custom.cellOptions',
                value: {
                  type: 'color-background',
                },
              },
            ],
          },
          {
            matcher: {
              id: 'byName',
              options: 'Expires',
            },
            properties: [
              {
                id: 'unit',
                value: 'dateTimeAsIso',
              },
            ],
          },
        ],
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: {
          show: false,
          reducer: [
            'sum',
          ],
          fields: '',
        },
        sortBy: [
          {
            displayName: 'Expires in',
            desc: false,
          },
        ],
      },
      transformations: [
        {
          id: 'merge',
          options: {},
        },
        {
          id: 'organize',
          options: {
            excludeByName: {
              Time: true,
              job: true,
              instance: true,
            },
            indexByName: {
              customer_name: 0,
              license_type: 1,
              'Value #A': 2,
              'Value #B': 3,
              platform: 4,
              customer_id: 5,
            },
            renameByName: {
              customer_name: 'Customer',
              license_type: 'License type',
              'Value #A': 'Expires in',
              'Value #B': 'Expires',
              platform: 'Platform',
              customer_id: 'Customer id',
            },
          },
        },
      ],
    },
    {
      id: 57,
      type: 'row',
      title: 'SIP connections',
      collapsed: false,
      gridPos: {
        x: 0,
        y: 101,
        w: 24,
        h: 1,
      },
      panels: [],
    },
    {
      id: 58,
      type: 'piechart',
      title: 'SIP connections by deployment state',
      description: "The selected customers' SIP connections per deployment state (collector customer_details).",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 0,
        y: 102,
        w: 8,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (deployment_state) (liveplatform_customer_sip_connections{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '{{deployment_state}}',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          mappings: [],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        pieType: 'donut',
        displayLabels: [
          'value',
        ],
        legend: {
          displayMode: 'table',
          placement: 'right',
          showLegend: true,
          values: [
            'value',
          ],
        },
        tooltip: {
          mode: 'single',
          sort: 'none',
        },
      },
    },
    {
      id: 59,
      type: 'piechart',
      title: 'SIP connections by type',
      description: "The selected customers' SIP connections per configuration type.",
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 8,
        y: 102,
        w: 8,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'sum by (configuration_type) (liveplatform_customer_sip_connections{platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"})',
          legendFormat: '{{configuration_type}}',
          range: false,
          instant: true,
          format: 'time_series',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'palette-classic',
          },
          mappings: [],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          calcs: [
            'lastNotNull',
          ],
          fields: '',
          values: false,
        },
        pieType: 'donut',
        displayLabels: [
          'value',
        ],
        legend: {
          displayMode: 'table',
          placement: 'right',
          showLegend: true,
          values: [
            'value',
          ],
        },
        tooltip: {
          mode: 'single',
          sort: 'none',
        },
      },
    },
    {
      id: 60,
      type: 'table',
      title: 'SIP connections not deployed',
      description: 'Customers with SIP connections in any state but deployed, per state and type.',
      datasource: {
        type: 'prometheus',
        uid: '${datasource}',
      },
      gridPos: {
        x: 16,
        y: 102,
        w: 8,
        h: 8,
      },
      targets: [
        {
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          refId: 'A',
          expr: 'liveplatform_customer_sip_connections{deployment_state!="deployed", platform=~"$platform", license_type=~"$license_type", customer_name=~"$customer_name"} > 0',
          legendFormat: '__auto',
          range: false,
          instant: true,
          format: 'table',
          editorMode: 'code',
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          color: {
            mode: 'thresholds',
          },
          thresholds: {
            mode: 'absolute',
            steps: [
              {
                color: 'blue',
                value: null,
              },
            ],
          },
          mappings: [],
          custom: {
            align: 'auto',
            cellOptions: {
              type: 'auto',
            },
            inspect: false,
            filterable: true,
          },
        },
        overrides: [],
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: {
          show: false,
          reducer: [
            'sum',
          ],
          fields: '',
        },
        sortBy: [
          {
            displayName: 'Connections',
            desc: true,
          },
        ],
      },
      transformations: [
        {
          id: 'merge',
          options: {},
        },
        {
          id: 'organize',
          options: {
            excludeByName: {
              Time: true,
              job: true,
              instance: true,
            },
            indexByName: {
              customer_name: 0,
              deployment_state: 1,
              configuration_type: 2,
              Value: 3,
              platform: 4,
            },
            renameByName: {
              customer_name: 'Customer',
              deployment_state: 'State',
              configuration_type: 'Type',
              Value: 'Connections',
              platform: 'Platform',
            },
          },
        },
      ],
    },
    {
      "id": 61,
      "type": "row",
      "title": "Service health",
      "collapsed": false,
      "gridPos": {
        "x": 0,
        "y": 110,
        "w": 24,
        "h": 1
      },
      "panels": []
    },
    {
      "id": 62,
      "type": "stat",
      "title": "Services by management status",
      "description": "The selected services per management status, as the portal categorises it (collector services). Services of no listed customer count under every customer selection of All.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 0,
        "y": 111,
        "w": 8,
        "h": 4
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum(liveplatform_service_management_status{status=\"error\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "error",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "B",
          "expr": "sum(liveplatform_service_management_status{status=\"warning\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "warning",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "C",
          "expr": "sum(liveplatform_service_management_status{status=\"ok\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "ok",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "D",
          "expr": "sum(liveplatform_service_management_status{status=\"unmonitored\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "unmonitored",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "E",
          "expr": "sum(liveplatform_service_management_status{status=\"unknown\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "unknown",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "green",
                "value": null
              }
            ]
          },
          "mappings": []
        },
        "overrides": [
          {
            "matcher": {
              "id": "byName",
              "options": "error"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "red"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "warning"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "orange"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "ok"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "green"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "unmonitored"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "blue"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "unknown"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "purple"
                }
              }
            ]
          }
        ]
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "value_and_name",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto"
      }
    },
    {
      "id": 63,
      "type": "stat",
      "title": "Services by voice-quality status",
      "description": "The selected services per voice-quality status, as the portal categorises it.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 8,
        "y": 111,
        "w": 8,
        "h": 4
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum(liveplatform_service_voice_quality_status{status=\"error\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "error",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "B",
          "expr": "sum(liveplatform_service_voice_quality_status{status=\"warning\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "warning",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "C",
          "expr": "sum(liveplatform_service_voice_quality_status{status=\"ok\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "ok",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "D",
          "expr": "sum(liveplatform_service_voice_quality_status{status=\"unmonitored\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "unmonitored",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "E",
          "expr": "sum(liveplatform_service_voice_quality_status{status=\"unknown\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "unknown",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "green",
                "value": null
              }
            ]
          },
          "mappings": []
        },
        "overrides": [
          {
            "matcher": {
              "id": "byName",
              "options": "error"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "red"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "warning"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "orange"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "ok"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "green"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "unmonitored"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "blue"
                }
              }
            ]
          },
          {
            "matcher": {
              "id": "byName",
              "options": "unknown"
            },
            "properties": [
              {
                "id": "color",
                "value": {
                  "mode": "fixed",
                  "fixedColor": "purple"
                }
              }
            ]
          }
        ]
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "value_and_name",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto"
      }
    },
    {
      "id": 64,
      "type": "stat",
      "title": "Numbers (DIDs)",
      "description": "Numbers of the selected services, used and free; a service with none free while using some is LivePlatformServiceOutOfNumbers.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 16,
        "y": 111,
        "w": 4,
        "h": 4
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum(liveplatform_service_dids{state=\"used\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "used",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "B",
          "expr": "sum(liveplatform_service_dids{state=\"free\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "free",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "green",
                "value": null
              }
            ]
          },
          "mappings": []
        },
        "overrides": []
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "value_and_name",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto"
      }
    },
    {
      "id": 65,
      "type": "stat",
      "title": "Disconnected devices",
      "description": "Devices of the selected services that their device manager reports disconnected, by kind.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 20,
        "y": 111,
        "w": 4,
        "h": 4
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum(liveplatform_service_devices_disconnected{kind=\"personal\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "personal",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        },
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "B",
          "expr": "sum(liveplatform_service_devices_disconnected{kind=\"meeting\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "meeting",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "green",
                "value": null
              },
              {
                "color": "orange",
                "value": 1
              }
            ]
          },
          "mappings": []
        },
        "overrides": []
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "value_and_name",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto"
      }
    },
    {
      "id": 66,
      "type": "table",
      "title": "Services not OK, worst first",
      "description": "Services whose management or voice-quality status is error, warning or unknown, by the worse of the two; unmonitored services are not listed.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 0,
        "y": 115,
        "w": 24,
        "h": 8
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "max by (platform, customer_id, customer_name) (\n  (liveplatform_service_management_status{status=\"error\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"} == 1) * 3\n  or (liveplatform_service_voice_quality_status{status=\"error\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"} == 1) * 3\n  or (liveplatform_service_management_status{status=\"warning\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"} == 1) * 2\n  or (liveplatform_service_voice_quality_status{status=\"warning\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"} == 1) * 2\n  or (liveplatform_service_management_status{status=\"unknown\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"} == 1) * 1\n  or (liveplatform_service_voice_quality_status{status=\"unknown\", platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"} == 1) * 1\n)\n* on (platform, customer_id) group_left (service_name) max by (platform, customer_id, service_name) (liveplatform_service_info{platform=~\"$platform\", license_type=~\"$license_type\", customer_name=~\"$customer_name\"})",
          "legendFormat": "__auto",
          "range": false,
          "instant": true,
          "format": "table",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "purple",
                "value": null
              },
              {
                "color": "orange",
                "value": 2
              },
              {
                "color": "red",
                "value": 3
              }
            ]
          },
          "mappings": [
            {
              "type": "value",
              "options": {
                "1": {
                  "text": "unknown",
                  "index": 0
                },
                "2": {
                  "text": "warning",
                  "index": 1
                },
                "3": {
                  "text": "error",
                  "index": 2
                }
              }
            }
          ],
          "custom": {
            "align": "auto",
            "cellOptions": {
              "type": "color-text"
            },
            "inspect": false,
            "filterable": true
          }
        },
        "overrides": []
      },
      "options": {
        "showHeader": true,
        "cellHeight": "sm",
        "footer": {
          "show": false,
          "reducer": [
            "sum"
          ],
          "fields": ""
        },
        "sortBy": [
          {
            "displayName": "Worst status",
            "desc": true
          }
        ]
      },
      "transformations": [
        {
          "id": "merge",
          "options": {}
        },
        {
          "id": "organize",
          "options": {
            "excludeByName": {
              "Time": true,
              "job": true,
              "instance": true
            },
            "indexByName": {
              "customer_name": 0,
              "service_name": 1,
              "Value": 2,
              "customer_id": 3,
              "platform": 4
            },
            "renameByName": {
              "customer_name": "Customer",
              "service_name": "Service",
              "Value": "Worst status",
              "customer_id": "Service id",
              "platform": "Platform"
            }
          }
        }
      ]
    },
    {
      "id": 67,
      "type": "row",
      "title": "Operator Connect numbers",
      "collapsed": false,
      "gridPos": {
        "x": 0,
        "y": 123,
        "w": 24,
        "h": 1
      },
      "panels": []
    },
    {
      "id": 68,
      "type": "stat",
      "title": "Numbers by status",
      "description": "The selected customers' Operator Connect numbers per status (collector oc_numbers). Numbers of customers the customer list does not have count under a customer selection of All only.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 0,
        "y": 124,
        "w": 8,
        "h": 5
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum by (status) (liveplatform_customer_oc_numbers{platform=~\"$platform\", customer_name=~\"$customer_name\"})",
          "legendFormat": "{{status}}",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "blue",
                "value": null
              }
            ]
          },
          "mappings": [],
          "decimals": 0
        },
        "overrides": []
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "auto",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto",
        "wideLayout": true,
        "showPercentChange": false
      }
    },
    {
      "id": 69,
      "type": "stat",
      "title": "Unassigned active numbers",
      "description": "Active numbers assigned to no user, conference or voice app: acquired and paid for, not in use.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 8,
        "y": 124,
        "w": 4,
        "h": 5
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum(liveplatform_customer_oc_numbers{status=\"active\", assignment=\"unassigned\", platform=~\"$platform\", customer_name=~\"$customer_name\"})",
          "legendFormat": "__auto",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "blue",
                "value": null
              }
            ]
          },
          "mappings": [],
          "decimals": 0
        },
        "overrides": []
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "auto",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto",
        "wideLayout": true,
        "showPercentChange": false
      }
    },
    {
      "id": 70,
      "type": "stat",
      "title": "Waiting for release or removal",
      "description": "Numbers whose release was requested, that Microsoft no longer lists (marked for removal) or that wait for their final removal. Stuck for days: LivePlatformOCNumbersStuck.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 12,
        "y": 124,
        "w": 4,
        "h": 5
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum(liveplatform_customer_oc_numbers{status=~\"release_requested|marked_for_removal|ready_for_removal\", platform=~\"$platform\", customer_name=~\"$customer_name\"})",
          "legendFormat": "__auto",
          "range": false,
          "instant": true,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "green",
                "value": null
              },
              {
                "color": "orange",
                "value": 1
              }
            ]
          },
          "mappings": [],
          "decimals": 0
        },
        "overrides": []
      },
      "options": {
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "fields": "",
          "values": false
        },
        "orientation": "auto",
        "textMode": "auto",
        "colorMode": "value",
        "graphMode": "none",
        "justifyMode": "auto",
        "wideLayout": true,
        "showPercentChange": false
      }
    },
    {
      "id": 71,
      "type": "timeseries",
      "title": "Numbers waiting, over time",
      "description": "The platform's numbers in each status that waits for something: a line that does not come down is a release or removal not going through.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 16,
        "y": 124,
        "w": 8,
        "h": 5
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum by (platform, status) (liveplatform_oc_numbers{status=~\"release_requested|marked_for_removal|ready_for_removal\", platform=~\"$platform\"})",
          "legendFormat": "{{platform}} {{status}}",
          "range": true,
          "instant": false,
          "format": "time_series",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "palette-classic"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "blue",
                "value": null
              }
            ]
          },
          "mappings": [],
          "custom": {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 10,
            "showPoints": "never",
            "spanNulls": false,
            "axisSoftMin": 0,
            "stacking": {
              "mode": "none",
              "group": "A"
            },
            "thresholdsStyle": {
              "mode": "off"
            }
          }
        },
        "overrides": []
      },
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true
        },
        "tooltip": {
          "mode": "multi",
          "sort": "desc"
        }
      }
    },
    {
      "id": 72,
      "type": "table",
      "title": "Numbers per customer by status and assignment",
      "description": "Each customer's Operator Connect numbers by status and assignment, all countries together; customers the customer list does not have show their id with no name.",
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "gridPos": {
        "x": 0,
        "y": 129,
        "w": 24,
        "h": 8
      },
      "targets": [
        {
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "refId": "A",
          "expr": "sum by (platform, customer_id, customer_name, status, assignment) (liveplatform_customer_oc_numbers{platform=~\"$platform\", customer_name=~\"$customer_name\"})",
          "legendFormat": "__auto",
          "range": false,
          "instant": true,
          "format": "table",
          "editorMode": "code"
        }
      ],
      "fieldConfig": {
        "defaults": {
          "unit": "short",
          "color": {
            "mode": "thresholds"
          },
          "thresholds": {
            "mode": "absolute",
            "steps": [
              {
                "color": "blue",
                "value": null
              }
            ]
          },
          "mappings": [],
          "custom": {
            "align": "auto",
            "cellOptions": {
              "type": "auto"
            },
            "inspect": false,
            "filterable": true
          }
        },
        "overrides": []
      },
      "options": {
        "showHeader": true,
        "cellHeight": "sm",
        "footer": {
          "show": false,
          "reducer": [
            "sum"
          ],
          "fields": ""
        },
        "sortBy": [
          {
            "displayName": "Numbers",
            "desc": true
          }
        ]
      },
      "transformations": [
        {
          "id": "merge",
          "options": {}
        },
        {
          "id": "organize",
          "options": {
            "excludeByName": {
              "Time": true,
              "job": true,
              "instance": true
            },
            "indexByName": {
              "customer_name": 0,
              "status": 1,
              "assignment": 2,
              "Value": 3,
              "customer_id": 4,
              "platform": 5
            },
            "renameByName": {
              "customer_name": "Customer",
              "status": "Status",
              "assignment": "Assignment",
              "Value": "Numbers",
              "customer_id": "Customer id",
              "platform": "Platform"
            }
          }
        }
      ]
    },
    {
      id: 39,
      type: 'row',
      title: 'Exporter health',
      collapsed: true,
      gridPos: {
        x: 0,
        y: 137,
        w: 24,
        h: 1,
      },
      panels: [
        {
          id: 27,
          type: 'stat',
          title: 'Exporter scrape',
          description: "Prometheus' scrape of each exporter (up).",
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 0,
            y: 138,
            w: 4,
            h: 4,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'up{job=~"$job"}',
              legendFormat: '{{instance}}',
              range: false,
              instant: true,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'none',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [
                {
                  type: 'value',
                  options: {
                    '0': {
                      text: 'DOWN',
                      color: 'red',
                      index: 0,
                    },
                    '1': {
                      text: 'UP',
                      color: 'green',
                      index: 1,
                    },
                  },
                },
              ],
            },
            overrides: [],
          },
          options: {
            reduceOptions: {
              calcs: [
                'lastNotNull',
              ],
              fields: '',
              values: false,
            },
            orientation: 'auto',
            textMode: 'auto',
            colorMode: 'background',
            graphMode: 'none',
            justifyMode: 'auto',
            wideLayout: true,
            showPercentChange: false,
          },
        },
        {
          id: 28,
          type: 'stat',
          title: 'API polls',
          description: "Whether the last run of each collector against each platform's API succeeded (liveplatform_up).",
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 4,
            y: 138,
            w: 4,
            h: 4,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'liveplatform_up{platform=~"$platform"}',
              legendFormat: '{{platform}} {{collector}}',
              range: false,
              instant: true,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'none',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [
                {
                  type: 'value',
                  options: {
                    '0': {
                      text: 'FAILING',
                      color: 'red',
                      index: 0,
                    },
                    '1': {
                      text: 'OK',
                      color: 'green',
                      index: 1,
                    },
                  },
                },
              ],
            },
            overrides: [],
          },
          options: {
            reduceOptions: {
              calcs: [
                'lastNotNull',
              ],
              fields: '',
              values: false,
            },
            orientation: 'auto',
            textMode: 'auto',
            colorMode: 'background',
            graphMode: 'none',
            justifyMode: 'auto',
            wideLayout: true,
            showPercentChange: false,
          },
        },
        {
          id: 29,
          type: 'stat',
          title: 'Poll success',
          description: "Share of polls that succeeded over the dashboard's time range.",
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 8,
            y: 138,
            w: 4,
            h: 4,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: '1 - sum(increase(liveplatform_poll_errors_total{platform=~"$platform"}[$__range])) / sum(increase(liveplatform_polls_total{platform=~"$platform"}[$__range]))',
              legendFormat: '__auto',
              range: false,
              instant: true,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'percentunit',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'red',
                    value: null,
                  },
                  {
                    color: 'orange',
                    value: 0.9,
                  },
                  {
                    color: 'green',
                    value: 0.99,
                  },
                ],
              },
              mappings: [],
              decimals: 1,
            },
            overrides: [],
          },
          options: {
            reduceOptions: {
              calcs: [
                'lastNotNull',
              ],
              fields: '',
              values: false,
            },
            orientation: 'auto',
            textMode: 'auto',
            colorMode: 'value',
            graphMode: 'none',
            justifyMode: 'auto',
            wideLayout: true,
            showPercentChange: false,
          },
        },
        {
          id: 30,
          type: 'stat',
          title: 'Skipped records',
          description: "Records left out of good responses over the dashboard's time range (LivePlatformRecordsSkipped).",
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 12,
            y: 138,
            w: 4,
            h: 4,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'sum(increase(liveplatform_records_skipped_total{platform=~"$platform"}[$__range]))',
              legendFormat: '__auto',
              range: false,
              instant: true,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'short',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'green',
                    value: null,
                  },
                  {
                    color: 'orange',
                    value: 1,
                  },
                ],
              },
              mappings: [],
              decimals: 0,
            },
            overrides: [],
          },
          options: {
            reduceOptions: {
              calcs: [
                'lastNotNull',
              ],
              fields: '',
              values: false,
            },
            orientation: 'auto',
            textMode: 'auto',
            colorMode: 'value',
            graphMode: 'none',
            justifyMode: 'auto',
            wideLayout: true,
            showPercentChange: false,
          },
        },
        {
          id: 31,
          type: 'stat',
          title: 'Exporter version',
          description: 'Version of each exporter.',
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 16,
            y: 138,
            w: 4,
            h: 4,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'liveplatform_exporter_build_info{job=~"$job"}',
              legendFormat: '{{version}}',
              range: false,
              instant: true,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'none',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [],
            },
            overrides: [],
          },
          options: {
            reduceOptions: {
              calcs: [
                'lastNotNull',
              ],
              fields: '',
              values: false,
            },
            orientation: 'auto',
            textMode: 'name',
            colorMode: 'none',
            graphMode: 'none',
            justifyMode: 'auto',
            wideLayout: true,
            showPercentChange: false,
          },
        },
        {
          id: 32,
          type: 'stat',
          title: 'Exporter uptime',
          description: 'Time since each exporter started.',
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 20,
            y: 138,
            w: 4,
            h: 4,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'time() - process_start_time_seconds{job=~"$job"}',
              legendFormat: '{{instance}}',
              range: false,
              instant: true,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 's',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [],
            },
            overrides: [],
          },
          options: {
            reduceOptions: {
              calcs: [
                'lastNotNull',
              ],
              fields: '',
              values: false,
            },
            orientation: 'auto',
            textMode: 'auto',
            colorMode: 'value',
            graphMode: 'none',
            justifyMode: 'auto',
            wideLayout: true,
            showPercentChange: false,
          },
        },
        {
          id: 33,
          type: 'state-timeline',
          title: 'API poll status',
          description: 'liveplatform_up per platform over time.',
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 0,
            y: 142,
            w: 8,
            h: 8,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'liveplatform_up{platform=~"$platform"}',
              legendFormat: '{{platform}} {{collector}}',
              range: true,
              instant: false,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'none',
              color: {
                mode: 'thresholds',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [
                {
                  type: 'value',
                  options: {
                    '0': {
                      text: 'FAILING',
                      color: 'red',
                      index: 0,
                    },
                    '1': {
                      text: 'OK',
                      color: 'green',
                      index: 1,
                    },
                  },
                },
              ],
              custom: {
                fillOpacity: 70,
                lineWidth: 0,
              },
            },
            overrides: [],
          },
          options: {
            showValue: 'never',
            mergeValues: true,
            alignValue: 'left',
            rowHeight: 0.9,
            legend: {
              displayMode: 'list',
              placement: 'bottom',
              showLegend: false,
            },
            tooltip: {
              mode: 'single',
              sort: 'none',
            },
          },
        },
        {
          id: 34,
          type: 'timeseries',
          title: 'Data age',
          description: "Time since each collector's last successful run; the exporter withholds a collector's data once older than its stale_after (15 min by default for the customer list), and LivePlatformDataStale fires.",
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 8,
            y: 142,
            w: 8,
            h: 8,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'time() - liveplatform_last_poll_success_timestamp_seconds{platform=~"$platform"} and liveplatform_last_poll_success_timestamp_seconds{platform=~"$platform"} > 0',
              legendFormat: '{{platform}} {{collector}}',
              range: true,
              instant: false,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 's',
              color: {
                mode: 'palette-classic',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'green',
                    value: null,
                  },
                  {
                    color: 'orange',
                    value: 600,
                  },
                  {
                    color: 'red',
                    value: 900,
                  },
                ],
              },
              mappings: [],
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: 10,
                showPoints: 'never',
                spanNulls: false,
                axisSoftMin: 0,
                stacking: {
                  mode: 'none',
                  group: 'A',
                },
                thresholdsStyle: {
                  mode: 'line',
                },
              },
            },
            overrides: [],
          },
          options: {
            legend: {
              displayMode: 'list',
              placement: 'bottom',
              showLegend: true,
            },
            tooltip: {
              mode: 'multi',
              sort: 'desc',
            },
          },
        },
        {
          id: 35,
          type: 'timeseries',
          title: 'Poll duration',
          description: "Duration of each collector's last run, token request included. Runs fail at the timeout (30 s by default for the customer list); LivePlatformPollsSlow fires from two thirds of it.",
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 16,
            y: 142,
            w: 8,
            h: 8,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'liveplatform_poll_duration_seconds{platform=~"$platform"}',
              legendFormat: '{{platform}} {{collector}}',
              range: true,
              instant: false,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 's',
              color: {
                mode: 'palette-classic',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'green',
                    value: null,
                  },
                  {
                    color: 'orange',
                    value: 20,
                  },
                  {
                    color: 'red',
                    value: 30,
                  },
                ],
              },
              mappings: [],
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: 10,
                showPoints: 'never',
                spanNulls: false,
                axisSoftMin: 0,
                stacking: {
                  mode: 'none',
                  group: 'A',
                },
                thresholdsStyle: {
                  mode: 'line',
                },
              },
            },
            overrides: [],
          },
          options: {
            legend: {
              displayMode: 'list',
              placement: 'bottom',
              showLegend: true,
            },
            tooltip: {
              mode: 'multi',
              sort: 'desc',
            },
          },
        },
        {
          id: 36,
          type: 'timeseries',
          title: 'Failed polls by reason',
          description: 'Failed runs per $__rate_interval, by collector and reason (timeout, connect, transport, auth, http_status, decode, too_large, rate_limited, crashed).',
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 0,
            y: 150,
            w: 8,
            h: 8,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'sum by (platform, collector, reason) (increase(liveplatform_poll_errors_total{platform=~"$platform"}[$__rate_interval]))',
              legendFormat: '{{platform}} {{collector}} {{reason}}',
              range: true,
              instant: false,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'short',
              color: {
                mode: 'palette-classic',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [],
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: 10,
                showPoints: 'never',
                spanNulls: false,
                axisSoftMin: 0,
                stacking: {
                  mode: 'none',
                  group: 'A',
                },
                thresholdsStyle: {
                  mode: 'off',
                },
              },
              decimals: 0,
            },
            overrides: [],
          },
          options: {
            legend: {
              displayMode: 'list',
              placement: 'bottom',
              showLegend: true,
            },
            tooltip: {
              mode: 'multi',
              sort: 'desc',
            },
          },
        },
        {
          id: 37,
          type: 'timeseries',
          title: 'Skipped records by reason',
          description: 'Records left out of good responses per $__rate_interval, by reason.',
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 8,
            y: 150,
            w: 8,
            h: 8,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'sum by (platform, collector, reason) (increase(liveplatform_records_skipped_total{platform=~"$platform"}[$__rate_interval]))',
              legendFormat: '{{platform}} {{collector}} {{reason}}',
              range: true,
              instant: false,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'short',
              color: {
                mode: 'palette-classic',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [],
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: 10,
                showPoints: 'never',
                spanNulls: false,
                axisSoftMin: 0,
                stacking: {
                  mode: 'none',
                  group: 'A',
                },
                thresholdsStyle: {
                  mode: 'off',
                },
              },
              decimals: 0,
            },
            overrides: [],
          },
          options: {
            legend: {
              displayMode: 'list',
              placement: 'bottom',
              showLegend: true,
            },
            tooltip: {
              mode: 'multi',
              sort: 'desc',
            },
          },
        },
        {
          id: 38,
          type: 'timeseries',
          title: 'Exporter memory',
          description: 'Resident memory of each exporter.',
          datasource: {
            type: 'prometheus',
            uid: '${datasource}',
          },
          gridPos: {
            x: 16,
            y: 150,
            w: 8,
            h: 8,
          },
          targets: [
            {
              datasource: {
                type: 'prometheus',
                uid: '${datasource}',
              },
              refId: 'A',
              expr: 'process_resident_memory_bytes{job=~"$job"}',
              legendFormat: '{{instance}}',
              range: true,
              instant: false,
              format: 'time_series',
              editorMode: 'code',
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'bytes',
              color: {
                mode: 'palette-classic',
              },
              thresholds: {
                mode: 'absolute',
                steps: [
                  {
                    color: 'blue',
                    value: null,
                  },
                ],
              },
              mappings: [],
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: 10,
                showPoints: 'never',
                spanNulls: false,
                axisSoftMin: 0,
                stacking: {
                  mode: 'none',
                  group: 'A',
                },
                thresholdsStyle: {
                  mode: 'off',
                },
              },
            },
            overrides: [],
          },
          options: {
            legend: {
              displayMode: 'list',
              placement: 'bottom',
              showLegend: true,
            },
            tooltip: {
              mode: 'multi',
              sort: 'desc',
            },
          },
        },
      ],
    },
  ],
}
