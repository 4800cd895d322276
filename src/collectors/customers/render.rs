//! Turning one platform's customers into Prometheus text-format sample lines.
//!
//! Rendering happens once per successful poll, not per scrape: the data only changes when a poll
//! completes, so a scrape just copies these bytes. Lines are grouped by metric family so that
//! several platforms can be interleaved under one `# HELP`/`# TYPE` header per family.

use std::collections::BTreeMap;

use crate::collectors::customers::model::{Customer, Totals, UserCounts};
use crate::exposition::text::{Family, push_label, push_sample};
use crate::model::license;

pub(crate) const FAMILY_COUNT: usize = 10;

pub(crate) const FAMILIES: [Family; FAMILY_COUNT] = [
    Family {
        name: "liveplatform_customer_info",
        help: "Customer service metadata; always 1.",
    },
    Family {
        name: "liveplatform_customer_licensed_users",
        help: "Licenses allocated to the customer in onboarding (Acquired Licenses).",
    },
    Family {
        name: "liveplatform_customer_active_users",
        help: "Active users with used DIDs of the customer.",
    },
    Family {
        name: "liveplatform_customer_livehub_active_users",
        help: "LiveHub active users of the customer.",
    },
    Family {
        name: "liveplatform_customer_livehub_simple_users",
        help: "LiveHub simple users of the customer.",
    },
    Family {
        name: "liveplatform_license_type_customers",
        help: "Number of customers with the license type.",
    },
    Family {
        name: "liveplatform_license_type_licensed_users",
        help: "Sum of licensed users over customers of the license type that report one.",
    },
    Family {
        name: "liveplatform_license_type_active_users",
        help: "Sum of active users over customers of the license type that report one.",
    },
    Family {
        name: "liveplatform_license_type_livehub_active_users",
        help: "Sum of LiveHub active users over customers of the license type that report one.",
    },
    Family {
        name: "liveplatform_license_type_livehub_simple_users",
        help: "Sum of LiveHub simple users over customers of the license type that report one.",
    },
];

const INFO: usize = 0;
const CUSTOMER_COUNTS: usize = 1;
const LICENSE_TYPE_CUSTOMERS: usize = 0;
const LICENSE_TYPE_COUNTS: usize = 1;

/// The first families of [`FAMILIES`] have a sample per customer; the rest, per license type.
pub(crate) const CUSTOMER_FAMILY_COUNT: usize = 5;
pub(crate) const LICENSE_TYPE_FAMILY_COUNT: usize = FAMILY_COUNT - CUSTOMER_FAMILY_COUNT;

/// Sample lines of the per-customer families, indexed like [`FAMILIES`].
pub(crate) type CustomerFamilies = [Vec<u8>; CUSTOMER_FAMILY_COUNT];
/// Sample lines of the per-license-type families, indexed like the rest of [`FAMILIES`].
pub(crate) type LicenseTypeFamilies = [Vec<u8>; LICENSE_TYPE_FAMILY_COUNT];

/// Bytes a customer's lines take in each family, roughly: reserving them up front saves the
/// repeated doubling (and copying) of buffers.
const LINE_ESTIMATE: [usize; CUSTOMER_FAMILY_COUNT] = [330, 180, 180, 190, 190];

pub fn render<'a>(
    platform_label: &[u8],
    customers: impl ExactSizeIterator<Item = &'a Customer<'a>>,
) -> CustomerFamilies {
    let mut out = LINE_ESTIMATE.map(|line| Vec::with_capacity(line * customers.len()));
    let mut labels = Vec::new();
    for customer in customers {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        push_customer_labels(&mut labels, customer);

        let info = &mut out[INFO];
        info.extend_from_slice(FAMILIES[INFO].name.as_bytes());
        info.push(b'{');
        info.extend_from_slice(&labels);
        info.push(b',');
        push_label(info, "customer_full_name", &customer.full_name);
        info.push(b',');
        push_label(
            info,
            "ms_tenant_id",
            customer.ms_tenant_id.as_deref().unwrap_or(""),
        );
        info.push(b',');
        push_label(
            info,
            "license_type_code",
            itoa::Buffer::new().format(customer.license_type),
        );
        info.extend_from_slice(b"} 1\n");

        push_counts(
            &mut out[CUSTOMER_COUNTS..],
            &FAMILIES[CUSTOMER_COUNTS..],
            &labels,
            &customer.users,
        );
    }
    out
}

/// Appends the labels that name a customer in every per-customer family, after `platform`:
/// `customer_id`, `customer_name` and `license_type`.
pub(crate) fn push_customer_labels(out: &mut Vec<u8>, customer: &Customer) {
    push_label(out, "customer_id", &customer.id);
    out.push(b',');
    push_label(out, "customer_name", &customer.short_name);
    out.push(b',');
    push_label(out, "license_type", &license::name(customer.license_type));
}

pub(crate) fn render_license_types(
    platform_label: &[u8],
    totals: &BTreeMap<i64, Totals>,
) -> LicenseTypeFamilies {
    let families = &FAMILIES[CUSTOMER_FAMILY_COUNT..];
    let mut out = LicenseTypeFamilies::default();
    let mut labels = Vec::new();
    for (code, totals) in totals {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        push_label(&mut labels, "license_type", &license::name(*code));
        push_sample(
            &mut out[LICENSE_TYPE_CUSTOMERS],
            families[LICENSE_TYPE_CUSTOMERS].name,
            &labels,
            totals.customers,
        );
        push_counts(
            &mut out[LICENSE_TYPE_COUNTS..],
            &families[LICENSE_TYPE_COUNTS..],
            &labels,
            &totals.users,
        );
    }
    out
}

/// Writes the four user counts (licensed, active, LiveHub active, LiveHub simple), one into
/// each of `out`, named after the matching entry of `families`; a `None` count gets no sample.
fn push_counts(out: &mut [Vec<u8>], families: &[Family], labels: &[u8], counts: &UserCounts) {
    for ((out, family), count) in out.iter_mut().zip(families).zip(counts.as_array()) {
        if let Some(value) = count {
            push_sample(out, family.name, labels, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::text::platform_label;

    fn customer() -> Customer<'static> {
        Customer {
            id: "0d3e4dd6".into(),
            short_name: "24124".into(),
            full_name: "24124 walter pro".into(),
            license_type: 2,
            ms_tenant_id: Some("c524b5f5".into()),
            users: UserCounts {
                licensed: Some(20),
                active: Some(1),
                livehub_active: None,
                livehub_simple: Some(5),
            },
        }
    }

    /// Every family, indexed like [`FAMILIES`].
    fn render_text(platform: &str, customers: &[Customer]) -> Vec<Vec<u8>> {
        let label = platform_label(platform);
        let by_customer = super::render(&label, customers.iter());
        let by_license_type = render_license_types(
            &label,
            &crate::collectors::customers::model::totals(customers),
        );
        by_customer.into_iter().chain(by_license_type).collect()
    }

    fn text(rendered: &[Vec<u8>], family: usize) -> String {
        String::from_utf8(rendered[family].clone()).unwrap()
    }

    #[test]
    fn customer_series_carry_their_labels_and_nulls_are_absent() {
        let rendered = render_text("prod", &[customer()]);
        let labels = r#"platform="prod",customer_id="0d3e4dd6",customer_name="24124",license_type="hosted_pro""#;
        assert_eq!(
            text(&rendered, INFO),
            format!(
                "liveplatform_customer_info{{{labels},customer_full_name=\"24124 walter pro\",ms_tenant_id=\"c524b5f5\",license_type_code=\"2\"}} 1\n"
            )
        );
        assert_eq!(
            text(&rendered, 1),
            format!("liveplatform_customer_licensed_users{{{labels}}} 20\n")
        );
        assert_eq!(
            text(&rendered, 2),
            format!("liveplatform_customer_active_users{{{labels}}} 1\n")
        );
        assert_eq!(
            text(&rendered, 3),
            "",
            "null LiveHub active count is absent"
        );
        assert_eq!(
            text(&rendered, 4),
            format!("liveplatform_customer_livehub_simple_users{{{labels}}} 5\n")
        );
    }

    #[test]
    fn every_known_license_type_has_a_customer_count_and_sums_only_where_reported() {
        let rendered = render_text("prod", &[customer()]);
        let customers = text(&rendered, CUSTOMER_FAMILY_COUNT + LICENSE_TYPE_CUSTOMERS);
        for (_, name) in license::KNOWN {
            let expected = if name == "hosted_pro" { 1 } else { 0 };
            assert!(
                customers.contains(&format!(
                    "liveplatform_license_type_customers{{platform=\"prod\",license_type=\"{name}\"}} {expected}\n"
                )),
                "{customers}"
            );
        }
        assert_eq!(
            text(&rendered, CUSTOMER_FAMILY_COUNT + LICENSE_TYPE_COUNTS),
            "liveplatform_license_type_licensed_users{platform=\"prod\",license_type=\"hosted_pro\"} 20\n"
        );
        assert_eq!(
            text(&rendered, CUSTOMER_FAMILY_COUNT + LICENSE_TYPE_COUNTS + 2),
            ""
        );
    }

    #[test]
    fn no_customers_still_renders_license_type_counts() {
        let rendered = render_text("empty", &[]);
        assert!(rendered[..CUSTOMER_FAMILY_COUNT].iter().all(Vec::is_empty));
        assert_eq!(
            text(&rendered, CUSTOMER_FAMILY_COUNT + LICENSE_TYPE_CUSTOMERS)
                .lines()
                .count(),
            license::KNOWN.len()
        );
    }
}
