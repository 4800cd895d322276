//! `GET {base_url}/api/ovoc/v1/topology/services/`: `{"services": [...]}`, every service of the
//! platform with its health.
//!
//! Each service is decoded on its own from its place in the body, so that one unreadable
//! service is skipped and counted while the others are kept. The record types name only what
//! the exporter publishes: serde skips every other field as it parses, the device manager's
//! `user` and `password` included, so no decoded type ever holds them, and no error quotes the
//! body.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::lenient::{self, Count, Field, ShapeError, UNKNOWN, Word};
use crate::collectors::services::model::{DeviceManager, Devices, Service, Status};
use crate::model::SkipReason;

const EXPECTED: &str = "a services list";

/// The services of a response, in its order, and the records left out.
#[derive(Debug, Default)]
pub(crate) struct DecodedServices {
    pub(crate) services: Vec<Service>,
    pub(crate) skipped: Vec<SkipReason>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    services: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceRecord {
    #[serde(default)]
    service_id: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    id: Field<Count>,
    #[serde(default)]
    license_type: Field<Word>,
    #[serde(default, rename = "usedDIDs")]
    used_dids: Field<Count>,
    #[serde(default, rename = "freeDIDs")]
    free_dids: Field<Count>,
    #[serde(default)]
    users_count: Field<Count>,
    #[serde(default)]
    applications_status: Option<ApplicationsStatus>,
    #[serde(default)]
    device_manager_params: Option<DeviceManagerParams>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationsStatus {
    #[serde(default)]
    management: Option<Management>,
    #[serde(default)]
    voice_quality: Option<VoiceQuality>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Management {
    #[serde(default)]
    management_status: Field<String>,
    #[serde(default)]
    service_deploy_status: Field<Word>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoiceQuality {
    #[serde(default)]
    voice_quality_status: Field<String>,
}

/// The device manager's parameters as far as they are read: never its `user` or `password`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceManagerParams {
    #[serde(default)]
    devices_count: Option<DeviceCounts>,
    #[serde(default)]
    disconnected_devices: Option<DeviceCounts>,
}

#[derive(Deserialize)]
struct DeviceCounts {
    #[serde(default)]
    personal: Field<Count>,
    #[serde(default)]
    meeting: Field<Count>,
}

/// A status of any value: text is matched to the portal's categories, anything else is
/// `unknown`.
fn status(field: &Field<String>) -> Status {
    match field {
        Field::Value(text) => Status::from_text(text),
        Field::Absent | Field::Invalid => Status::Unknown,
    }
}

/// A word as a label value: `unknown` when absent or not text.
fn word(field: Field<Word>) -> Box<str> {
    match field {
        Field::Value(Word(word)) => word,
        Field::Absent | Field::Invalid => UNKNOWN.into(),
    }
}

/// A count, `None` when absent; a value that is no count skips the service.
fn count(field: Field<Count>) -> Result<Option<u64>, SkipReason> {
    Ok(field.or_skip(SkipReason::InvalidField)?.map(|Count(n)| n))
}

impl DeviceCounts {
    fn into_devices(counts: Option<Self>) -> Result<Devices, SkipReason> {
        let Some(counts) = counts else {
            return Ok(Devices::default());
        };
        Ok(Devices {
            personal: count(counts.personal)?,
            meeting: count(counts.meeting)?,
        })
    }
}

impl ServiceRecord {
    /// The service, or why it is skipped: a service without an id cannot be named.
    fn into_service(self) -> Result<Service, SkipReason> {
        let id = self
            .service_id
            .map(|id| id.trim().to_ascii_lowercase())
            .filter(|id| !id.is_empty())
            .ok_or(SkipReason::MissingId)?;
        let applications = self.applications_status;
        let (management, deploy_status) =
            match applications.as_ref().and_then(|s| s.management.as_ref()) {
                Some(m) => (
                    status(&m.management_status),
                    m.service_deploy_status.clone(),
                ),
                None => (Status::Unknown, Field::Absent),
            };
        let voice_quality = applications
            .as_ref()
            .and_then(|s| s.voice_quality.as_ref())
            .map_or(Status::Unknown, |v| status(&v.voice_quality_status));
        let device_manager = match self.device_manager_params {
            Some(params) => Some(DeviceManager {
                devices: DeviceCounts::into_devices(params.devices_count)?,
                disconnected: DeviceCounts::into_devices(params.disconnected_devices)?,
            }),
            None => None,
        };
        Ok(Service {
            id: id.into(),
            name: self.full_name.unwrap_or_default().into(),
            ovoc_id: count(self.id)?,
            license: word(self.license_type),
            deploy_status: word(deploy_status),
            management,
            voice_quality,
            used_dids: count(self.used_dids)?,
            free_dids: count(self.free_dids)?,
            users: count(self.users_count)?,
            device_manager,
        })
    }
}

/// Every usable service of `body`, first occurrence of each id only. A body that is not the
/// documented envelope, or whose services are all unusable, is an error; a service that cannot
/// be read is skipped and counted.
pub(crate) fn decode(body: &[u8]) -> Result<DecodedServices, ShapeError> {
    let envelope: Envelope = lenient::decode(body, EXPECTED)?;
    let mut decoded = DecodedServices {
        services: Vec::with_capacity(envelope.services.len()),
        skipped: Vec::new(),
    };
    let mut seen = HashSet::with_capacity(envelope.services.len());
    for raw in envelope.services {
        let service = lenient::record(raw).and_then(ServiceRecord::into_service);
        match service {
            Ok(service) if seen.insert(service.id.clone()) => decoded.services.push(service),
            Ok(_) => decoded.skipped.push(SkipReason::DuplicateId),
            Err(reason) => decoded.skipped.push(reason),
        }
    }
    // Publishing no service would make every service's series vanish: the run fails instead,
    // and the last good list stays.
    if decoded.services.is_empty() && !decoded.skipped.is_empty() {
        let problem = format!("none of its {} services is usable", decoded.skipped.len());
        return Err(ShapeError::new(EXPECTED, problem));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The vendor's example service, its credentials replaced by canaries.
    const EXAMPLE: &str = r#"{
        "id": 42712, "serviceId": "0D3E4DD6-1A2B-4C3D-8E9F-0123456789AB",
        "fullName": "Walter Pro", "type": "SERVICE", "licenseType": "PRO_IMTR",
        "serviceUcaasTenantId": "c524b5f5-0000-4000-8000-000000000000", "serviceSource": "DM",
        "definedAt": "2023-03-15T10:37:35.820+0000", "disabledTime": null,
        "usedDIDs": 12, "freeDIDs": "3", "usersCount": null, "lcCustomerId": 7,
        "umpUsersSuspendAlarmStatus": 0, "description": null,
        "elementsCount": {"total": 3, "devices": 1, "links": 1, "sites": 1},
        "attachedSites": [1], "attachedLinks": [2], "attachedDevices": [3],
        "applicationsStatus": {
            "management": {"managementStatus": "ERROR", "serviceDeployStatus": "DEPLOYED"},
            "voiceQuality": {"voiceQualityStatus": "UNMONITORED",
                "alertRuleVoiceQualityStatus": "UNMONITORED",
                "teamsVoiceQualityJson": {"vqControlStatus": "UNMONITORED"},
                "sbcVoiceQualityJson": {"vqMediaStatus": "UNMONITORED"}}
        },
        "deviceManagerParams": {"deviceType": "PERSONAL_AND_MEETING",
            "devicesCount": {"personal": 10, "meeting": 2},
            "maxDevicesPersonal": 100, "maxDevicesMeeting": 10,
            "devicesPercentagePersonal": 10, "devicesPercentageMeeting": 20,
            "disconnectedDevices": {"personal": 1, "meeting": 0},
            "serviceDeviceUrl": "https://dm.example/0d3e4dd6",
            "user": "CANARY-DM-USER", "password": "CANARY-DM-PASSWORD"}
    }"#;

    fn decode_text(services: &[&str]) -> DecodedServices {
        super::decode(format!(r#"{{"services": [{}]}}"#, services.join(",")).as_bytes()).unwrap()
    }

    #[test]
    fn the_documented_service_decodes_without_its_credentials() {
        let decoded = decode_text(&[EXAMPLE]);
        assert_eq!(decoded.skipped, []);
        let service = &decoded.services[0];
        assert_eq!(
            *service,
            Service {
                id: "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab".into(),
                name: "Walter Pro".into(),
                ovoc_id: Some(42712),
                license: "pro_imtr".into(),
                deploy_status: "deployed".into(),
                management: Status::Error,
                voice_quality: Status::Unmonitored,
                used_dids: Some(12),
                free_dids: Some(3),
                users: None,
                device_manager: Some(DeviceManager {
                    devices: Devices {
                        personal: Some(10),
                        meeting: Some(2)
                    },
                    disconnected: Devices {
                        personal: Some(1),
                        meeting: Some(0)
                    },
                }),
            }
        );
        let debug = format!("{decoded:?}");
        assert!(!debug.contains("CANARY"), "{debug}");
    }

    #[test]
    fn a_service_without_health_or_device_manager_is_kept_with_unknowns() {
        let decoded = decode_text(&[
            r#"{"serviceId": "a", "applicationsStatus": null, "deviceManagerParams": null}"#,
            r#"{"serviceId": "b", "applicationsStatus": {"management": {"managementStatus": 3,
                "serviceDeployStatus": "Deployed"}, "voiceQuality": {"voiceQualityStatus": ""}}}"#,
        ]);
        assert_eq!(decoded.skipped, []);
        let [a, b] = &decoded.services[..] else {
            panic!("{decoded:?}")
        };
        assert_eq!(
            (a.management, a.voice_quality, &*a.deploy_status),
            (Status::Unknown, Status::Unknown, "unknown")
        );
        assert_eq!(
            (&*a.name, &*a.license, a.device_manager),
            ("", "unknown", None)
        );
        assert_eq!(
            (b.management, b.voice_quality, &*b.deploy_status),
            (Status::Unknown, Status::Unknown, "deployed")
        );
    }

    #[test]
    fn bad_services_are_skipped_and_counted_and_the_rest_kept() {
        let decoded = decode_text(&[
            r#"{"serviceId": "good"}"#,
            r#"[1]"#,
            r#"{"fullName": "no id"}"#,
            r#"{"serviceId": "  "}"#,
            r#"{"serviceId": "bad", "usedDIDs": -1}"#,
            r#"{"serviceId": "bad", "freeDIDs": "many"}"#,
            r#"{"serviceId": "bad", "deviceManagerParams": {"devicesCount": {"personal": 1.5}}}"#,
            r#"{"serviceId": "GOOD"}"#,
            r#"{"serviceId": "second"}"#,
        ]);
        let ids: Vec<&str> = decoded.services.iter().map(|s| &*s.id).collect();
        assert_eq!(ids, ["good", "second"]);
        assert_eq!(
            decoded.skipped,
            [
                SkipReason::NotAnObject,
                SkipReason::MissingId,
                SkipReason::MissingId,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
                SkipReason::DuplicateId,
            ]
        );
    }

    #[test]
    fn deploy_statuses_are_lower_snake_case_or_unknown() {
        for (text, expected) in [
            ("\"DEPLOYED\"", "deployed"),
            ("\"Deployed\"", "deployed"),
            ("\"NotDeployed\"", "not_deployed"),
            ("\"IN_PROGRESS\"", "in_progress"),
            ("7", "unknown"),
            ("\"\"", "unknown"),
            (&format!("\"{}\"", "x".repeat(100)), "unknown"),
        ] {
            let record = format!(
                r#"{{"serviceId": "a", "applicationsStatus": {{"management": {{"serviceDeployStatus": {text}}}}}}}"#
            );
            let decoded = decode_text(&[&record]);
            assert_eq!(&*decoded.services[0].deploy_status, expected, "{text}");
        }
    }

    #[test]
    fn other_shapes_are_errors_that_never_quote_the_body() {
        for body in [
            "[]",
            r#"{"services": null}"#,
            r#"{"items": []}"#,
            r#"{"services": [{"serviceId": "secret-hunter2""#,
            "<html>",
            r#"{"services": [1, {"fullName": "no id"}]}"#,
        ] {
            let error = super::decode(body.as_bytes()).unwrap_err().to_string();
            assert!(
                error.starts_with("response is not a services list"),
                "{error}"
            );
            assert!(!error.contains("hunter2"), "{error}");
        }
        assert!(decode_text(&[]).services.is_empty());
    }

    proptest! {
        #[test]
        fn any_record_decodes_or_is_skipped_without_panicking(
            id in proptest::option::of(".{0,40}"),
            name in proptest::option::of(any::<String>()),
            used in any::<i128>(),
            status in any::<String>(),
        ) {
            let record = json!({
                "serviceId": id, "fullName": name, "usedDIDs": used.to_string(),
                "applicationsStatus": {"management": {"managementStatus": status,
                    "serviceDeployStatus": status}},
            });
            let body = json!({ "services": [record] }).to_string();
            match super::decode(body.as_bytes()) {
                Ok(decoded) => {
                    prop_assert_eq!(decoded.services.len(), 1);
                    let service = &decoded.services[0];
                    prop_assert!(service.deploy_status.len() <= lenient::MAX_TOKEN_LEN + 8);
                    prop_assert_eq!(service.used_dids.map(i128::from), Some(used));
                }
                Err(error) => prop_assert!(
                    error.to_string().contains("none of its 1 services is usable"),
                    "{}", error
                ),
            }
        }
    }
}
