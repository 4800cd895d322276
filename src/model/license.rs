//! Live Platform license type codes and the label values they are published under.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::model::{Customer, UserCounts};

/// Every documented code with its label value. These are always exported (with zero customers
/// when unused) so that a dashboard shows an empty type instead of a missing one.
pub const KNOWN: [(i64, &str); 6] = [
    (0, "hosted_essentials"),
    (1, "hosted_essentials_plus"),
    (2, "hosted_pro"),
    (3, "oc_essentials"),
    (4, "oc_essentials_plus"),
    (5, "oc_pro"),
];

/// The label value for a code. A code a later Live Platform version adds is kept, as
/// `unknown_<code>`, rather than dropped with its customers.
pub fn name(code: i64) -> Cow<'static, str> {
    KNOWN
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, name)| Cow::Borrowed(*name))
        .unwrap_or_else(|| Cow::Owned(format!("unknown_{code}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_have_their_names() {
        assert_eq!(name(0), "hosted_essentials");
        assert_eq!(name(1), "hosted_essentials_plus");
        assert_eq!(name(2), "hosted_pro");
        assert_eq!(name(3), "oc_essentials");
        assert_eq!(name(4), "oc_essentials_plus");
        assert_eq!(name(5), "oc_pro");
    }

    #[test]
    fn other_codes_are_kept_as_unknown() {
        assert_eq!(name(6), "unknown_6");
        assert_eq!(name(-1), "unknown_-1");
    }
}

/// What one license type adds up to across a platform's customers. A sum is `None` while no
/// customer of the type reports that count, so an inapplicable total stays absent rather than 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub customers: i64,
    pub users: UserCounts,
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.customers += other.customers;
        self.users.add(&other.users);
    }
}

/// Totals per license type code, every known code included.
pub fn totals(customers: &[Customer]) -> BTreeMap<i64, Totals> {
    let mut by_type = known_codes();
    for customer in customers {
        by_type
            .entry(customer.license_type)
            .or_default()
            .add(&Totals {
                customers: 1,
                users: customer.users,
            });
    }
    by_type
}

/// Totals of several groups of customers (the blocks of a poll) added up, every known code
/// included.
pub fn sum<'a>(
    parts: impl IntoIterator<Item = &'a BTreeMap<i64, Totals>>,
) -> BTreeMap<i64, Totals> {
    let mut by_type = known_codes();
    for part in parts {
        for (code, totals) in part {
            by_type.entry(*code).or_default().add(totals);
        }
    }
    by_type
}

fn known_codes() -> BTreeMap<i64, Totals> {
    KNOWN
        .iter()
        .map(|(code, _)| (*code, Totals::default()))
        .collect()
}

#[cfg(test)]
mod totals_tests {
    use super::*;

    fn customer(
        license_type: i64,
        licensed: Option<i64>,
        active: Option<i64>,
    ) -> Customer<'static> {
        Customer {
            id: format!("{license_type}-{licensed:?}-{active:?}").into(),
            short_name: "".into(),
            full_name: "".into(),
            license_type,
            ms_tenant_id: None,
            users: UserCounts {
                licensed,
                active,
                ..UserCounts::default()
            },
        }
    }

    #[test]
    fn sums_skip_nulls_and_stay_absent_when_all_are_null() {
        let by_type = totals(&[
            customer(2, Some(20), Some(1)),
            customer(2, Some(50), None),
            customer(0, None, Some(0)),
            customer(0, None, Some(1)),
            customer(7, None, None),
        ]);
        assert_eq!(
            by_type[&2],
            Totals {
                customers: 2,
                users: UserCounts {
                    licensed: Some(70),
                    active: Some(1),
                    ..UserCounts::default()
                },
            }
        );
        assert_eq!(by_type[&0].users.licensed, None);
        assert_eq!(by_type[&0].users.active, Some(1));
        assert_eq!(by_type[&7].customers, 1);
        for (code, _) in KNOWN {
            assert!(by_type.contains_key(&code), "type {code} always present");
        }
        assert_eq!(by_type[&5], Totals::default());
    }
}
