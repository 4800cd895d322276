//! What the exporter keeps of the Operator Connect number inventory: counts, never numbers. A
//! number is read into its classes (status, assignment, country, capabilities) and its owner's
//! GUID, counted, and forgotten; only its `id` stays for the run, to count it once.
//!
//! Every class is a fixed set of words (the country a validated two-letter code), so that no
//! label value is ever text as the response spells it.

use std::collections::BTreeMap;
use std::fmt;

/// Whether `text` is `name` once blanks, punctuation and case are set aside: the vendor's
/// `Release Requested`, `ReleaseRequested` and `release_requested` are one status.
fn spelled(text: &str, name: &str) -> bool {
    let mut letters = text
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase());
    let mut name = name.bytes();
    loop {
        match (letters.next(), name.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// Defines a fixed set of label values: its members in the order of their series, each with
/// its label value and the vendor's name (matched by [`spelled`]); `unknown` for anything else.
macro_rules! label_set {
    ($(#[$meta:meta])* $name:ident { $($member:ident => $label:literal, $vendor:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) enum $name {
            $($member,)*
            Unknown,
        }

        impl $name {
            /// Every member, in the order of their series.
            pub(crate) const ALL: &[$name] = &[$($name::$member,)* $name::Unknown];

            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $($name::$member => $label,)*
                    $name::Unknown => "unknown",
                }
            }

            /// The member the vendor's `text` names, in any case, with or without blanks.
            pub(crate) fn from_text(text: &str) -> Self {
                let vendor = |member: &$name| match member {
                    $($name::$member => $vendor,)*
                    // Never spelled: what no known name matches is unknown.
                    $name::Unknown => "\0",
                };
                Self::ALL
                    .iter()
                    .copied()
                    .find(|member| spelled(text, vendor(member)))
                    .unwrap_or($name::Unknown)
            }
        }
    };
}

label_set! {
    /// `acquiredNumberStatus`: an integer (0 to 3, the vendor's example and removal summary) or
    /// the filter's strings.
    Status {
        Active => "active", "active";
        ReleaseRequested => "release_requested", "releaserequested";
        MarkedForRemoval => "marked_for_removal", "markedforremoval";
        ReadyForRemoval => "ready_for_removal", "readyforremoval";
    }
}

impl Status {
    /// The status of the integer `code`: Active 0 and Release Requested 1 inferred, Marked For
    /// Removal 2 and Ready For Removal 3 documented by the removal summary.
    pub(crate) fn from_code(code: u64) -> Self {
        match code {
            0 => Status::Active,
            1 => Status::ReleaseRequested,
            2 => Status::MarkedForRemoval,
            3 => Status::ReadyForRemoval,
            _ => Status::Unknown,
        }
    }
}

label_set! {
    /// `assignmentStatus`, as the portal's number page shows it.
    Assignment {
        Unassigned => "unassigned", "unassigned";
        User => "user", "userassigned";
        Conference => "conference", "conferenceassigned";
        VoiceApp => "voice_app", "voiceapp";
    }
}

label_set! {
    /// One of `acquiredCapabilities`; `Unknown` is published as `other`.
    Capability {
        TollFree => "toll_free", "tollfree";
        FirstPartyAppAssignment => "first_party_app_assignment", "firstpartyappassignment";
        Office365 => "office365", "office365";
        InboundCalling => "inbound_calling", "inboundcalling";
        OutboundCalling => "outbound_calling", "outboundcalling";
        UserAssignment => "user_assignment", "userassignment";
        Mobile => "mobile", "mobile";
        Geographic => "geographic", "geographic";
        ConferenceAssignment => "conference_assignment", "conferenceassignment";
    }
}

impl Capability {
    /// The label value: a capability the exporter does not know is `other`, not `unknown`:
    /// the number has it, whatever it is.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Capability::Unknown => "other",
            known => known.as_str(),
        }
    }
}

/// The capabilities of one number, each once however often the response lists it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Capabilities(u16);

impl Capabilities {
    pub(crate) fn insert(&mut self, capability: Capability) {
        self.0 |= 1 << capability as u16;
    }

    pub(crate) fn contains(self, capability: Capability) -> bool {
        self.0 & (1 << capability as u16) != 0
    }
}

/// `isoCountryCode`: two ASCII letters, upper-cased; `None` (published as `unknown`) for
/// anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Country(Option<[u8; 2]>);

impl Country {
    pub(crate) const UNKNOWN: Country = Country(None);

    pub(crate) fn from_text(text: &str) -> Self {
        match text.trim().as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Country(Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Country::UNKNOWN,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            // Two ASCII letters: always UTF-8.
            Some(code) => std::str::from_utf8(code).unwrap_or("unknown"),
            None => "unknown",
        }
    }
}

/// A customer service's GUID (`umpCustomerGuid`), held as its 128 bits: a run over 100,000
/// numbers allocates nothing per number for its owner, and a GUID of any case or braces is one
/// customer. Written back in lower case, hyphenated, as the customer list's ids are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Guid(u128);

impl Guid {
    /// `8-4-4-4-12` hexadecimal digits, in any case, optionally in braces; `None` for anything
    /// else.
    pub(crate) fn parse(text: &str) -> Option<Guid> {
        let text = text.trim();
        let text = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let bytes = text.as_bytes();
        if bytes.len() != 36 {
            return None;
        }
        let mut value = 0u128;
        for (at, &byte) in bytes.iter().enumerate() {
            if matches!(at, 8 | 13 | 18 | 23) {
                if byte != b'-' {
                    return None;
                }
                continue;
            }
            value = value << 4 | u128::from(char::from(byte).to_digit(16)?);
        }
        Some(Guid(value))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let hex = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

/// One number as the exporter reads it: its id (to count it once) and its classes. Its
/// telephone number, profiles, tenant, SBCs and company are not read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Number {
    pub(crate) id: u64,
    pub(crate) customer: Guid,
    pub(crate) status: Status,
    pub(crate) assignment: Assignment,
    pub(crate) country: Country,
    pub(crate) capabilities: Capabilities,
}

/// The classes a customer's numbers are counted by.
pub(crate) type Class = (Status, Assignment, Country);

/// One customer's counts.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CustomerCounts {
    pub(crate) numbers: BTreeMap<Class, u64>,
    /// Active numbers by capability, in the order of [`Capability::ALL`].
    pub(crate) capabilities: [u64; Capability::ALL.len()],
}

/// The counts of a run: per customer, in the order of their GUIDs.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) customers: BTreeMap<Guid, CustomerCounts>,
    /// Numbers counted.
    pub(crate) numbers: usize,
}

impl Tally {
    /// Counts `number` (the caller counts each id once).
    pub(crate) fn add(&mut self, number: &Number) {
        let counts = self.customers.entry(number.customer).or_default();
        let class = (number.status, number.assignment, number.country);
        let count = counts.numbers.entry(class).or_default();
        *count = count.saturating_add(1);
        if number.status == Status::Active {
            for (i, capability) in Capability::ALL.iter().enumerate() {
                if number.capabilities.contains(*capability) {
                    counts.capabilities[i] = counts.capabilities[i].saturating_add(1);
                }
            }
        }
        self.numbers = self.numbers.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_vendors_strings_in_any_spelling_or_its_codes() {
        for (text, status) in [
            ("Active", Status::Active),
            ("Release Requested", Status::ReleaseRequested),
            ("releaserequested", Status::ReleaseRequested),
            ("MARKED_FOR_REMOVAL", Status::MarkedForRemoval),
            (" Ready For Removal ", Status::ReadyForRemoval),
            ("Ready", Status::Unknown),
            ("Activeness", Status::Unknown),
            ("", Status::Unknown),
            ("0", Status::Unknown),
            ("active\"} 1\nevil{", Status::Unknown),
        ] {
            assert_eq!(Status::from_text(text), status, "{text:?}");
        }
        let codes: Vec<Status> = (0..6).map(Status::from_code).collect();
        assert_eq!(
            codes,
            [
                Status::Active,
                Status::ReleaseRequested,
                Status::MarkedForRemoval,
                Status::ReadyForRemoval,
                Status::Unknown,
                Status::Unknown
            ]
        );
    }

    #[test]
    fn assignments_and_capabilities_map_to_fixed_words() {
        assert_eq!(Assignment::from_text("UserAssigned").as_str(), "user");
        assert_eq!(Assignment::from_text("Voice App").as_str(), "voice_app");
        assert_eq!(Assignment::from_text("User").as_str(), "unknown");
        assert_eq!(Capability::from_text("Office365").label(), "office365");
        assert_eq!(
            Capability::from_text("inbound_calling").label(),
            "inbound_calling"
        );
        assert_eq!(Capability::from_text("Teleport").label(), "other");
        let mut capabilities = Capabilities::default();
        capabilities.insert(Capability::Mobile);
        capabilities.insert(Capability::Mobile);
        assert!(capabilities.contains(Capability::Mobile));
        assert!(!capabilities.contains(Capability::Geographic));
    }

    #[test]
    fn countries_are_two_ascii_letters_or_unknown() {
        for (text, code) in [
            ("gb", "GB"),
            (" Us ", "US"),
            ("GBR", "unknown"),
            ("G1", "unknown"),
            ("ÄÖ", "unknown"),
            ("", "unknown"),
        ] {
            assert_eq!(Country::from_text(text).as_str(), code, "{text:?}");
        }
    }

    #[test]
    fn guids_of_any_case_or_braces_are_one_and_written_in_lower_case() {
        let guid = Guid::parse("0D3E4DD6-1A2B-4C3D-8E9F-0123456789AB").unwrap();
        assert_eq!(guid.to_string(), "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab");
        assert_eq!(
            Guid::parse("{0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab}"),
            Some(guid)
        );
        assert_eq!(
            Guid::parse("00000000-0000-0000-0000-000000000001")
                .unwrap()
                .to_string(),
            "00000000-0000-0000-0000-000000000001"
        );
        for bad in [
            "",
            "0d3e4dd6",
            "0d3e4dd61a2b4c3d8e9f0123456789ab",
            "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ag",
            "0d3e4dd6-1a2b-4c3d-8e9f-0123456789abc",
            "+0d3e4dd-1a2b-4c3d-8e9f-0123456789ab",
            "0d3e4dd6-1a2b-4c3d-8e9f-0123456789a\u{e9}",
        ] {
            assert_eq!(Guid::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn active_numbers_alone_count_their_capabilities() {
        let customer = Guid::parse("00000000-0000-0000-0000-000000000001").unwrap();
        let mut capabilities = Capabilities::default();
        capabilities.insert(Capability::InboundCalling);
        let number = |status| Number {
            id: 1,
            customer,
            status,
            assignment: Assignment::User,
            country: Country::from_text("GB"),
            capabilities,
        };
        let mut tally = Tally::default();
        tally.add(&number(Status::Active));
        tally.add(&number(Status::Active));
        tally.add(&number(Status::ReleaseRequested));
        let counts = &tally.customers[&customer];
        assert_eq!(tally.numbers, 3);
        let inbound = Capability::ALL
            .iter()
            .position(|c| *c == Capability::InboundCalling)
            .unwrap();
        assert_eq!(counts.capabilities[inbound], 2);
        assert_eq!(counts.capabilities.iter().sum::<u64>(), 2);
        assert_eq!(
            counts.numbers[&(
                Status::ReleaseRequested,
                Assignment::User,
                Country::from_text("gb")
            )],
            1
        );
    }
}
