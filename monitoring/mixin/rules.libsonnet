// The recording rules: prometheusRules, one group, named level:metric:operations. Sums are taken
// `by (platform)`, dropping `job` and `instance`: each platform is expected to be polled by one
// exporter (two exporters polling the same platform would double the totals). Nothing here
// depends on _config: the rules read the exporter's metrics whatever the job is called.
{
  prometheusRules+:: {
    groups+: [
      {
        name: 'liveplatform.recording',
        rules: [
          // Share of a customer's licenses in use. Customers without a license count (Essentials,
          // whose count is null and so absent) or with 0 licenses get no series rather than NaN or
          // +Inf; LivePlatformCustomerOverLicenseLimit still catches active users on 0 licenses.
          {
            record: 'customer:liveplatform_active_per_licensed_users:ratio',
            expr: |||
              liveplatform_customer_active_users
                / (liveplatform_customer_licensed_users > 0)
            |||,
          },
          // The same per license type and per platform, counting only the customers that have a
          // license count, so that Essentials' active users do not inflate the ratio.
          {
            record: 'platform_license_type:liveplatform_active_per_licensed_users:ratio',
            expr: |||
              sum by (platform, license_type) (
                liveplatform_customer_active_users and liveplatform_customer_licensed_users
              )
              / sum by (platform, license_type) (liveplatform_customer_licensed_users > 0)
            |||,
          },
          {
            // Platform totals over every license type.
            record: 'platform:liveplatform_active_per_licensed_users:ratio',
            expr: |||
              sum by (platform) (
                liveplatform_customer_active_users and liveplatform_customer_licensed_users
              )
              / sum by (platform) (liveplatform_customer_licensed_users > 0)
            |||,
          },
          // Platform totals over every license type.
          {
            record: 'platform:liveplatform_license_type_customers:sum',
            expr: 'sum by (platform) (liveplatform_license_type_customers)',
          },
          {
            record: 'platform:liveplatform_license_type_licensed_users:sum',
            expr: 'sum by (platform) (liveplatform_license_type_licensed_users)',
          },
          {
            record: 'platform:liveplatform_license_type_active_users:sum',
            expr: 'sum by (platform) (liveplatform_license_type_active_users)',
          },
          {
            record: 'platform:liveplatform_license_type_livehub_active_users:sum',
            expr: 'sum by (platform) (liveplatform_license_type_livehub_active_users)',
          },
          {
            record: 'platform:liveplatform_license_type_livehub_simple_users:sum',
            expr: 'sum by (platform) (liveplatform_license_type_livehub_simple_users)',
          },
          // Services per status and platform (collector services): each service is 1 in
          // exactly one status of each state set, so the sums count services.
          {
            record: 'platform_status:liveplatform_service_management_status:sum',
            expr: 'sum by (platform, status) (liveplatform_service_management_status)',
          },
          {
            record: 'platform_status:liveplatform_service_voice_quality_status:sum',
            expr: 'sum by (platform, status) (liveplatform_service_voice_quality_status)',
          },
        ],
      },
    ],
  },
}
