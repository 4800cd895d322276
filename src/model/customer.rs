//! A customer service as the customer list describes it.

use std::borrow::Cow;

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
