//! The license information families: per customer, labelled exactly as the customer list's
//! families so that no PromQL join is needed, and summed per license type.

use std::collections::BTreeMap;

use crate::collectors::license_info::model::{LicenseInfo, MANAGED_FACTORS};
use crate::exposition::text::{Family, push_label, push_sample};
use crate::model::license;

pub(crate) const FAMILY_COUNT: usize = 8;

pub(crate) const FAMILIES: [Family; FAMILY_COUNT] = [
    Family {
        name: "liveplatform_customer_acquired_licenses",
        help: "Licenses configured for the customer in onboarding (acquiredLicenses of its license information).",
    },
    Family {
        name: "liveplatform_customer_currently_licensed_users",
        help: "Licenses the customer uses, each user counted once by its highest-priority factor (currentlyLicensed).",
    },
    Family {
        name: "liveplatform_customer_monitored_users",
        help: "Microsoft 365 users monitored for the customer (totalMonitoredUsers).",
    },
    Family {
        name: "liveplatform_customer_managed_users",
        help: "Managed users of the customer by license factor: direct_routing, operator_connect, lifecycle_management, user_interface.",
    },
    Family {
        name: "liveplatform_customer_managed_service_numbers",
        help: "Managed service numbers of the customer (managedServiceNumbers).",
    },
    Family {
        name: "liveplatform_customer_license_last_update_timestamp_seconds",
        help: "Unix time at which the platform computed the customer's license information (lastUpdate).",
    },
    Family {
        name: "liveplatform_license_type_acquired_licenses",
        help: "Sum of acquired licenses over customers of the license type that report one.",
    },
    Family {
        name: "liveplatform_license_type_currently_licensed_users",
        help: "Sum of currently licensed users over customers of the license type that report one.",
    },
];

const ACQUIRED: usize = 0;
const CURRENTLY_LICENSED: usize = 1;
const MONITORED: usize = 2;
const MANAGED: usize = 3;
const SERVICE_NUMBERS: usize = 4;
const LAST_UPDATE: usize = 5;
// The history renders the license type sums per day, apart from the customers' records.
pub(super) const TYPE_ACQUIRED: usize = 6;
pub(super) const TYPE_CURRENTLY_LICENSED: usize = 7;

/// One customer to render: its labels after `platform` (from the customer directory), its
/// license type code, and its license information.
pub(crate) type Item<'a> = (&'a [u8], i64, &'a LicenseInfo);

/// Sample lines of [`FAMILIES`], in order. A count the record leaves out has no
/// sample; a license type sum exists once a customer of the type reports the count.
pub(crate) fn render<'a>(
    platform_label: &[u8],
    customers: impl Iterator<Item = Item<'a>>,
) -> [Vec<u8>; FAMILY_COUNT] {
    let mut out: [Vec<u8>; FAMILY_COUNT] = Default::default();
    let mut totals: BTreeMap<i64, [Option<u64>; 2]> = BTreeMap::new();
    let mut labels = Vec::new();
    for (customer_labels, license_type, info) in customers {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        labels.extend_from_slice(customer_labels);
        let mut sample = |family: usize, value: Option<u64>| {
            if let Some(value) = value {
                push_sample(&mut out[family], FAMILIES[family].name, &labels, value);
            }
        };
        sample(ACQUIRED, info.acquired);
        sample(CURRENTLY_LICENSED, info.currently_licensed);
        sample(MONITORED, info.monitored);
        sample(SERVICE_NUMBERS, info.service_numbers);
        if let Some(at) = info.last_update {
            push_sample(
                &mut out[LAST_UPDATE],
                FAMILIES[LAST_UPDATE].name,
                &labels,
                at.unix_timestamp(),
            );
        }
        let mut with_factor = Vec::new();
        for (factor, value) in MANAGED_FACTORS.iter().zip(info.managed) {
            if let Some(value) = value {
                with_factor.clear();
                with_factor.extend_from_slice(&labels);
                with_factor.push(b',');
                push_label(&mut with_factor, "factor", factor);
                push_sample(
                    &mut out[MANAGED],
                    FAMILIES[MANAGED].name,
                    &with_factor,
                    value,
                );
            }
        }
        let sums = totals.entry(license_type).or_default();
        for (sum, value) in sums
            .iter_mut()
            .zip([info.acquired, info.currently_licensed])
        {
            if let Some(value) = value {
                *sum = Some(sum.unwrap_or(0).saturating_add(value));
            }
        }
    }
    for (code, sums) in totals {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        push_label(&mut labels, "license_type", &license::name(code));
        for (family, sum) in [TYPE_ACQUIRED, TYPE_CURRENTLY_LICENSED]
            .into_iter()
            .zip(sums)
        {
            if let Some(sum) = sum {
                push_sample(&mut out[family], FAMILIES[family].name, &labels, sum);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::text::platform_label;

    fn info(acquired: Option<u64>, currently: Option<u64>) -> LicenseInfo {
        LicenseInfo {
            acquired,
            currently_licensed: currently,
            ..LicenseInfo::default()
        }
    }

    fn text(out: &[Vec<u8>], family: usize) -> String {
        String::from_utf8(out[family].clone()).unwrap()
    }

    #[test]
    fn a_customer_series_carries_the_customer_labels_escaped_and_absent_fields_stay_absent() {
        let full = LicenseInfo {
            acquired: Some(50),
            currently_licensed: Some(24),
            monitored: Some(20),
            managed: [Some(6), None, Some(4), Some(0)],
            service_numbers: Some(2),
            last_update: time::OffsetDateTime::from_unix_timestamp(1_699_286_706).ok(),
        };
        let customer =
            br#"customer_id="q\"uote",customer_name="back\\slash\nx",license_type="hosted_pro""#;
        let out = render(
            &platform_label("prod \"eu\""),
            [(&customer[..], 2, &full)].into_iter(),
        );
        let labels = r#"platform="prod \"eu\"",customer_id="q\"uote",customer_name="back\\slash\nx",license_type="hosted_pro""#;
        assert_eq!(
            text(&out, ACQUIRED),
            format!("liveplatform_customer_acquired_licenses{{{labels}}} 50\n")
        );
        assert_eq!(
            text(&out, CURRENTLY_LICENSED),
            format!("liveplatform_customer_currently_licensed_users{{{labels}}} 24\n")
        );
        assert_eq!(
            text(&out, MONITORED),
            format!("liveplatform_customer_monitored_users{{{labels}}} 20\n")
        );
        assert_eq!(
            text(&out, MANAGED),
            format!(
                "liveplatform_customer_managed_users{{{labels},factor=\"direct_routing\"}} 6\n\
                 liveplatform_customer_managed_users{{{labels},factor=\"lifecycle_management\"}} 4\n\
                 liveplatform_customer_managed_users{{{labels},factor=\"user_interface\"}} 0\n"
            )
        );
        assert_eq!(
            text(&out, SERVICE_NUMBERS),
            format!("liveplatform_customer_managed_service_numbers{{{labels}}} 2\n")
        );
        assert_eq!(
            text(&out, LAST_UPDATE),
            format!(
                "liveplatform_customer_license_last_update_timestamp_seconds{{{labels}}} 1699286706\n"
            )
        );

        let empty = render(
            &platform_label("p"),
            [(&customer[..], 2, &LicenseInfo::default())].into_iter(),
        );
        assert!(empty.iter().all(Vec::is_empty), "no field, no series");
    }

    #[test]
    fn license_type_sums_cover_only_customers_that_report_the_count() {
        let (a, b, c) = (
            info(Some(10), None),
            info(Some(5), None),
            info(None, Some(3)),
        );
        let customers = [
            (&b"customer_id=\"a\""[..], 2, &a),
            (&b"customer_id=\"b\""[..], 2, &b),
            (&b"customer_id=\"c\""[..], 77, &c),
        ];
        let out = render(&platform_label("p"), customers.into_iter());
        assert_eq!(
            text(&out, TYPE_ACQUIRED),
            "liveplatform_license_type_acquired_licenses{platform=\"p\",license_type=\"hosted_pro\"} 15\n"
        );
        assert_eq!(
            text(&out, TYPE_CURRENTLY_LICENSED),
            "liveplatform_license_type_currently_licensed_users{platform=\"p\",license_type=\"unknown_77\"} 3\n"
        );
    }

    #[test]
    fn sums_saturate_instead_of_overflowing() {
        let (a, b) = (info(Some(u64::MAX), None), info(Some(1), None));
        let customers = [(&b""[..], 0, &a), (&b""[..], 0, &b)];
        let out = render(&platform_label("p"), customers.into_iter());
        assert!(text(&out, TYPE_ACQUIRED).ends_with(" 18446744073709551615\n"));
    }
}
