//! What the exporter keeps of one service of the OVOC services list: its name, its health as
//! the portal's categories, its numbers and its devices. Never the device manager's
//! credentials, which the response carries beside the device counts.

/// The portal's status categories. A status string is one of them whatever its case; anything
/// else (empty, absent, a word a later version adds, hostile text) is `Unknown`, so that no
/// label value is ever taken from the response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Status {
    Error,
    Warning,
    Ok,
    Unmonitored,
    #[default]
    Unknown,
}

impl Status {
    /// Every status, in the order of the state set's series.
    pub(crate) const ALL: [Status; 5] = [
        Status::Error,
        Status::Warning,
        Status::Ok,
        Status::Unmonitored,
        Status::Unknown,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Error => "error",
            Status::Warning => "warning",
            Status::Ok => "ok",
            Status::Unmonitored => "unmonitored",
            Status::Unknown => "unknown",
        }
    }

    pub(crate) fn from_text(text: &str) -> Status {
        let text = text.trim();
        Status::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(text))
            .unwrap_or(Status::Unknown)
    }
}

/// Devices of a service by kind, as the device manager counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Devices {
    pub(crate) personal: Option<u64>,
    pub(crate) meeting: Option<u64>,
}

/// The device manager's view of a service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DeviceManager {
    pub(crate) devices: Devices,
    pub(crate) disconnected: Devices,
}

/// One customer service as the services list describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Service {
    /// `serviceId` in lower case: the customer list's `UmpCustomerGuid`, case aside.
    pub(crate) id: Box<str>,
    /// `fullName`; empty when the API gives none.
    pub(crate) name: Box<str>,
    /// The OVOC id, when the API gives one.
    pub(crate) ovoc_id: Option<u64>,
    /// The service's own license name (`PRO_IMTR`) in lower snake case, `unknown` when absent.
    pub(crate) license: Box<str>,
    /// `serviceDeployStatus` in lower snake case, `unknown` when absent or not a plain word.
    pub(crate) deploy_status: Box<str>,
    pub(crate) management: Status,
    pub(crate) voice_quality: Status,
    pub(crate) used_dids: Option<u64>,
    pub(crate) free_dids: Option<u64>,
    pub(crate) users: Option<u64>,
    /// `None` when the service has no device manager.
    pub(crate) device_manager: Option<DeviceManager>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_in_any_case_and_anything_else_is_unknown() {
        for (text, status) in [
            ("ERROR", Status::Error),
            ("Warning", Status::Warning),
            (" ok ", Status::Ok),
            ("UNMONITORED", Status::Unmonitored),
            ("unknown", Status::Unknown),
            ("", Status::Unknown),
            ("CRITICAL", Status::Unknown),
            ("error\"} 1\nevil{", Status::Unknown),
        ] {
            assert_eq!(Status::from_text(text), status, "{text:?}");
        }
    }
}
