//! Live Platform license type codes and the label values they are published under.

use std::borrow::Cow;

/// Every documented code with its label value. These are always exported (with zero customers
/// when unused) so that a dashboard shows an empty type instead of a missing one.
pub(crate) const KNOWN: [(i64, &str); 6] = [
    (0, "hosted_essentials"),
    (1, "hosted_essentials_plus"),
    (2, "hosted_pro"),
    (3, "oc_essentials"),
    (4, "oc_essentials_plus"),
    (5, "oc_pro"),
];

/// The label value for a code. A code a later Live Platform version adds is kept, as
/// `unknown_<code>`, rather than dropped with its customers.
pub(crate) fn name(code: i64) -> Cow<'static, str> {
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
