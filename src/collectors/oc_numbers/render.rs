//! The number inventory's families: per customer, its numbers by class and its active numbers
//! by capability; per platform, the numbers by status. Counts only: no number is ever named.

use crate::collectors::oc_numbers::model::{Capability, Guid, Status, Tally};
use crate::exposition::text::{Family, push_label, push_sample_with};

pub(crate) const FAMILIES: [Family; 3] = [
    Family {
        name: "liveplatform_customer_oc_numbers",
        help: "Operator Connect numbers of the customer by status, assignment and country \
               (ISO 3166 alpha-2, or unknown).",
    },
    Family {
        name: "liveplatform_customer_oc_number_capabilities",
        help: "Active Operator Connect numbers of the customer that carry the acquired \
               capability (other: one the exporter does not know).",
    },
    Family {
        name: "liveplatform_oc_numbers",
        help: "Operator Connect numbers of the platform by status.",
    },
];

const NUMBERS: usize = 0;
const CAPABILITIES: usize = 1;
const TOTALS: usize = 2;

/// Sample lines of [`FAMILIES`], in order, for `tally`: each customer named by its GUID and
/// by `name_label` (`customer_name="…"`, escaped) when the customer list has it, else by an
/// empty name.
pub(crate) fn render<'a>(
    platform_label: &[u8],
    tally: &Tally,
    name_label: impl Fn(&Guid) -> Option<&'a [u8]>,
) -> [Vec<u8>; 3] {
    let mut out: [Vec<u8>; 3] = Default::default();
    let mut totals = [0u64; Status::ALL.len()];
    let mut labels = Vec::new();
    for (guid, counts) in &tally.customers {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        push_label(&mut labels, "customer_id", &guid.to_string());
        labels.push(b',');
        match name_label(guid) {
            Some(name) => labels.extend_from_slice(name),
            None => push_label(&mut labels, "customer_name", ""),
        }
        let mut active = false;
        for (&(status, assignment, country), &count) in &counts.numbers {
            let extra = [
                ("status", status.as_str()),
                ("assignment", assignment.as_str()),
                ("country", country.as_str()),
            ];
            push_sample_with(
                &mut out[NUMBERS],
                FAMILIES[NUMBERS].name,
                &labels,
                &extra,
                count,
            );
            let total = &mut totals[status as usize];
            *total = total.saturating_add(count);
            active |= status == Status::Active;
        }
        // Every capability of a customer with active numbers, none held included: "no number
        // of this customer can call out" is a value, not a missing series.
        if active {
            for (capability, &count) in Capability::ALL.iter().zip(&counts.capabilities) {
                let extra = [("capability", capability.label())];
                let name = FAMILIES[CAPABILITIES].name;
                push_sample_with(&mut out[CAPABILITIES], name, &labels, &extra, count);
            }
        }
    }
    for (status, total) in Status::ALL.iter().zip(totals) {
        let extra = [("status", status.as_str())];
        let name = FAMILIES[TOTALS].name;
        push_sample_with(&mut out[TOTALS], name, platform_label, &extra, total);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collectors::oc_numbers::model::{Assignment, Capabilities, Country, Number};
    use crate::exposition::text::platform_label;

    #[test]
    fn customers_are_named_by_guid_and_listed_name_and_the_platform_totals_every_status() {
        let listed = Guid::parse("00000000-0000-4000-8000-000000000001").unwrap();
        let unlisted = Guid::parse("00000000-0000-4000-8000-000000000002").unwrap();
        let mut capabilities = Capabilities::default();
        capabilities.insert(Capability::Mobile);
        let number = |customer, status| Number {
            id: 0,
            customer,
            status,
            assignment: Assignment::Unassigned,
            country: Country::from_text("us"),
            capabilities,
        };
        let mut tally = Tally::default();
        tally.add(&number(listed, Status::Active));
        tally.add(&number(listed, Status::Active));
        tally.add(&number(unlisted, Status::ReadyForRemoval));
        let name = b"customer_name=\"Ac\\\"me\"".to_vec();
        let [numbers, capabilities, totals] = render(&platform_label("p"), &tally, |guid| {
            (*guid == listed).then_some(&name[..])
        })
        .map(|family| String::from_utf8(family).unwrap());
        assert_eq!(
            numbers,
            "liveplatform_customer_oc_numbers{platform=\"p\",customer_id=\"00000000-0000-4000-8000-000000000001\",customer_name=\"Ac\\\"me\",status=\"active\",assignment=\"unassigned\",country=\"US\"} 2\n\
             liveplatform_customer_oc_numbers{platform=\"p\",customer_id=\"00000000-0000-4000-8000-000000000002\",customer_name=\"\",status=\"ready_for_removal\",assignment=\"unassigned\",country=\"US\"} 1\n"
        );
        assert_eq!(capabilities.lines().count(), Capability::ALL.len());
        assert!(
            capabilities.contains("capability=\"mobile\"} 2\n"),
            "{capabilities}"
        );
        assert!(
            capabilities.contains("capability=\"other\"} 0\n"),
            "{capabilities}"
        );
        assert!(!capabilities.contains("000000000002"), "no active numbers");
        assert_eq!(
            totals,
            "liveplatform_oc_numbers{platform=\"p\",status=\"active\"} 2\n\
             liveplatform_oc_numbers{platform=\"p\",status=\"release_requested\"} 0\n\
             liveplatform_oc_numbers{platform=\"p\",status=\"marked_for_removal\"} 0\n\
             liveplatform_oc_numbers{platform=\"p\",status=\"ready_for_removal\"} 1\n\
             liveplatform_oc_numbers{platform=\"p\",status=\"unknown\"} 0\n"
        );
    }
}
