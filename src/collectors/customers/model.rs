//! A customer service as the customer list describes it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::model::license::KNOWN;

/// One customer service as published. Counts are `None` where the API says null, which means
/// "not applicable" and is exported as an absent series, never as 0. Strings borrow from the
/// response body wherever it holds them unescaped, which is almost always: a large list then
/// costs no allocation per string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer<'a> {
    pub id: Cow<'a, str>,
    pub short_name: Cow<'a, str>,
    pub full_name: Cow<'a, str>,
    pub license_type: i64,
    pub ms_tenant_id: Option<Cow<'a, str>>,
    pub users: UserCounts,
}

/// The four user counts the API reports per customer; `None` where it says null.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub licensed: Option<i64>,
    pub active: Option<i64>,
    pub livehub_active: Option<i64>,
    pub livehub_simple: Option<i64>,
}

impl UserCounts {
    /// In the order of the metric families that publish them.
    pub fn as_array(&self) -> [Option<i64>; 4] {
        [
            self.licensed,
            self.active,
            self.livehub_active,
            self.livehub_simple,
        ]
    }

    /// Adds `other` count by count; a null adds nothing, and a sum stays `None` until some
    /// value was added.
    pub fn add(&mut self, other: &UserCounts) {
        fn add(sum: &mut Option<i64>, value: Option<i64>) {
            if let Some(value) = value {
                *sum = Some(sum.unwrap_or(0).saturating_add(value));
            }
        }
        add(&mut self.licensed, other.licensed);
        add(&mut self.active, other.active);
        add(&mut self.livehub_active, other.livehub_active);
        add(&mut self.livehub_simple, other.livehub_simple);
    }
}

impl Customer<'_> {
    pub fn into_owned(self) -> Customer<'static> {
        Customer {
            id: Cow::Owned(self.id.into_owned()),
            short_name: Cow::Owned(self.short_name.into_owned()),
            full_name: Cow::Owned(self.full_name.into_owned()),
            ms_tenant_id: self.ms_tenant_id.map(|t| Cow::Owned(t.into_owned())),
            ..self
        }
    }
}

/// What one license type adds up to across a platform's customers. A sum is `None` while no
/// customer of the type reports that count, so an inapplicable total stays absent rather than 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub customers: i64,
    pub users: UserCounts,
}

impl Totals {
    pub(crate) fn add(&mut self, other: &Totals) {
        self.customers += other.customers;
        self.users.add(&other.users);
    }
}

/// Totals per license type code, every known code included.
pub(super) fn totals(customers: &[Customer]) -> BTreeMap<i64, Totals> {
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
pub(super) fn sum<'a>(
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
mod tests {
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
