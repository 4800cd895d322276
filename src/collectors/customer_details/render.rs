//! The customer details families: per customer, labelled exactly as the customer list's
//! families so that no PromQL join is needed.

use crate::collectors::customer_details::model::CustomerDetails;
use crate::exposition::text::{Family, push_label, push_sample};

pub(crate) const FAMILY_COUNT: usize = 2;

pub(crate) const FAMILIES: [Family; FAMILY_COUNT] = [
    Family {
        name: "liveplatform_customer_app_secret_expiry_timestamp_seconds",
        help: "Unix time at which the client secret of the customer's app registration expires (ClientSecretExpirationDate; the API gives it without a time zone, and it is read as UTC). Absent when the service has no app registration.",
    },
    Family {
        name: "liveplatform_customer_sip_connections",
        help: "SIP connections (site locations) of the customer by deployment_state and configuration_type, in lower snake case; a value the API sends as a number N is unknown_N, a missing one unknown.",
    },
];

const SECRET_EXPIRY: usize = 0;
const SIP_CONNECTIONS: usize = 1;

/// One customer to render: its labels after `platform` (from the customer directory) and its
/// details.
pub(crate) type Item<'a> = (&'a [u8], &'a CustomerDetails);

/// Sample lines of [`FAMILIES`], in order. A customer without a secret expiry
/// has no expiry sample; one without SIP connections has no connection samples.
pub(crate) fn render<'a>(
    platform_label: &[u8],
    customers: impl Iterator<Item = Item<'a>>,
) -> [Vec<u8>; FAMILY_COUNT] {
    let mut out: [Vec<u8>; FAMILY_COUNT] = Default::default();
    let mut labels = Vec::new();
    let mut with_kind = Vec::new();
    for (customer_labels, details) in customers {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        labels.extend_from_slice(customer_labels);
        if let Some(at) = details.secret_expiry {
            push_sample(
                &mut out[SECRET_EXPIRY],
                FAMILIES[SECRET_EXPIRY].name,
                &labels,
                at.unix_timestamp(),
            );
        }
        for (kind, count) in &details.sip_connections {
            with_kind.clear();
            with_kind.extend_from_slice(&labels);
            with_kind.push(b',');
            push_label(&mut with_kind, "deployment_state", &kind.deployment_state);
            with_kind.push(b',');
            push_label(
                &mut with_kind,
                "configuration_type",
                &kind.configuration_type,
            );
            push_sample(
                &mut out[SIP_CONNECTIONS],
                FAMILIES[SIP_CONNECTIONS].name,
                &with_kind,
                *count,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::customer_details::model::SipConnectionKind;
    use crate::exposition::text::platform_label;

    fn text(out: &[Vec<u8>], family: usize) -> String {
        String::from_utf8(out[family].clone()).unwrap()
    }

    #[test]
    fn a_customer_series_carries_the_customer_labels_and_absent_data_stays_absent() {
        let kind = |state: &str, configuration: &str| SipConnectionKind {
            deployment_state: state.into(),
            configuration_type: configuration.into(),
        };
        let full = CustomerDetails {
            secret_expiry: time::OffsetDateTime::from_unix_timestamp(1_802_939_966).ok(),
            sip_connections: [
                (kind("deployed", "sip_trunk"), 2),
                (kind("unknown_3", "byoc"), 1),
            ]
            .into_iter()
            .collect(),
        };
        let customer = br#"customer_id="q\"uote",customer_name="n",license_type="hosted_pro""#;
        let out = render(
            &platform_label("prod"),
            [(&customer[..], &full)].into_iter(),
        );
        let labels =
            r#"platform="prod",customer_id="q\"uote",customer_name="n",license_type="hosted_pro""#;
        assert_eq!(
            text(&out, SECRET_EXPIRY),
            format!(
                "liveplatform_customer_app_secret_expiry_timestamp_seconds{{{labels}}} 1802939966\n"
            )
        );
        assert_eq!(
            text(&out, SIP_CONNECTIONS),
            format!(
                "liveplatform_customer_sip_connections{{{labels},deployment_state=\"deployed\",configuration_type=\"sip_trunk\"}} 2\n\
                 liveplatform_customer_sip_connections{{{labels},deployment_state=\"unknown_3\",configuration_type=\"byoc\"}} 1\n"
            )
        );

        let empty = render(
            &platform_label("p"),
            [(&customer[..], &CustomerDetails::default())].into_iter(),
        );
        assert!(empty.iter().all(Vec::is_empty), "no data, no series");
    }

    #[test]
    fn dates_before_1970_are_negative_not_a_panic() {
        let old = CustomerDetails {
            secret_expiry: time::OffsetDateTime::from_unix_timestamp(-62_135_596_800).ok(),
            ..CustomerDetails::default()
        };
        let out = render(&platform_label("p"), [(&b""[..], &old)].into_iter());
        assert!(text(&out, SECRET_EXPIRY).ends_with("} -62135596800\n"));
    }
}
