//! The OVOC services list of the demo platform.

use bytes::Bytes;

use crate::demo::{Answer, DemoPlatform, Endpoint, Seed};

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    collector: super::KIND.name,
    path: super::PATH,
    answer: |seed, _| Answer::json(&seed_services(seed)),
};

impl DemoPlatform {
    /// The start of every demo service's device manager user and password: a canary too.
    pub const DEVICE_MANAGER_CANARY: &str = "DEMO-FAKE-DEVICE-MANAGER-must-never-show";

    /// Answers services list requests with `status` and `body` from now on.
    pub fn set_services(&self, status: u16, body: impl Into<Bytes>) {
        self.set_answer(super::KIND.name, None, status, body.into());
    }
}

/// The management statuses of the seed's services, in turn: every category the portal shows,
/// in the spellings a server may send, and one it does not know.
const MANAGEMENT_STATUSES: [&str; 7] = [
    "OK",
    "OK",
    "ERROR",
    "Warning",
    "UNMONITORED",
    "ok",
    "Degraded",
];
/// The voice-quality statuses, in turn.
const VOICE_QUALITY_STATUSES: [&str; 5] = ["UNMONITORED", "OK", "OK", "WARNING", "ERROR"];
const DEPLOY_STATUSES: [&str; 4] = ["DEPLOYED", "Deployed", "DEPLOYED", "NOT_DEPLOYED"];

/// The OVOC services list of the demo platform, as the vendor's example shapes it: a service for
/// every seed customer (its GUID in upper case every fourth, as a server may spell it), with
/// every management and voice-quality status; every third has no device manager; every fifth
/// has run out of free numbers. Two services are of no listed customer, and the device
/// manager's credentials are canaries the exporter must never keep.
fn seed_services(seed: &Seed) -> serde_json::Value {
    let listed = seed
        .customers
        .iter()
        .enumerate()
        .filter_map(|(index, customer)| {
            let id = customer.get("UmpCustomerGuid")?.as_str()?;
            let name = customer
                .get("CustomerFullName")
                .and_then(serde_json::Value::as_str);
            Some((index, id.to_owned(), name.unwrap_or("").to_owned()))
        });
    let orphans = [
        (
            35,
            "a0000000-0000-4000-8000-00000000a001".to_owned(),
            "Unlisted Trading Ltd".to_owned(),
        ),
        (
            36,
            "a0000000-0000-4000-8000-00000000a002".to_owned(),
            "Departed Services".to_owned(),
        ),
    ];
    let services: Vec<serde_json::Value> = listed
        .chain(orphans)
        .map(|(index, id, name)| {
            let id = if index % 4 == 3 { id.to_ascii_uppercase() } else { id };
            let used = (index * 7) % 40 + 1;
            let free = if index % 5 == 4 { 0 } else { (index * 3) % 17 + 1 };
            let device_manager = (index % 3 != 2).then(|| {
                serde_json::json!({
                    "deviceType": "PERSONAL_AND_MEETING",
                    "devicesCount": {"personal": index % 9 + 1, "meeting": index % 4},
                    "maxDevicesPersonal": 100, "maxDevicesMeeting": 20,
                    "disconnectedDevices": {"personal": index % 3, "meeting": usize::from(index % 7 == 1)},
                    "serviceDeviceUrl": format!("https://dm.demo.example/{id}"),
                    "user": format!("{}-user-{index:02}", DemoPlatform::DEVICE_MANAGER_CANARY),
                    "password": format!("{}-password-{index:02}", DemoPlatform::DEVICE_MANAGER_CANARY),
                })
            });
            serde_json::json!({
                "id": 42700 + index,
                "serviceId": id,
                "fullName": name,
                "type": "SERVICE",
                "licenseType": if index % 2 == 0 { "PRO_IMTR" } else { "ESSENTIALS" },
                "definedAt": "2023-03-15T10:37:35.820+0000",
                "disabledTime": null,
                "usedDIDs": used,
                "freeDIDs": if index % 6 == 0 { serde_json::json!(free.to_string()) } else { serde_json::json!(free) },
                "usersCount": if index % 8 == 7 { serde_json::Value::Null } else { serde_json::json!(used + index % 5) },
                "applicationsStatus": {
                    "management": {
                        "managementStatus": MANAGEMENT_STATUSES[index % MANAGEMENT_STATUSES.len()],
                        "serviceDeployStatus": DEPLOY_STATUSES[index % DEPLOY_STATUSES.len()],
                    },
                    "voiceQuality": {
                        "voiceQualityStatus": VOICE_QUALITY_STATUSES[index % VOICE_QUALITY_STATUSES.len()],
                    },
                },
                "deviceManagerParams": device_manager,
            })
        })
        .collect();
    serde_json::json!({ "services": services })
}
