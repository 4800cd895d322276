//! The service families: one series (or one per state) per service, named by the service's
//! GUID and, where the customer list has the customer, by its name and license type.

use crate::collectors::services::model::{Service, Status};
use crate::exposition::text::{Family, push_label, push_sample_with};

pub(crate) const FAMILIES: [Family; 7] = [
    Family {
        name: "liveplatform_service_info",
        help: "Customer service in the OVOC services list: its name, deploy status, OVOC id and \
               own license type; always 1.",
    },
    Family {
        name: "liveplatform_service_management_status",
        help: "Management status of the service as the portal categorises it: 1 for the current \
               status, 0 for the others.",
    },
    Family {
        name: "liveplatform_service_voice_quality_status",
        help: "Voice-quality status of the service as the portal categorises it: 1 for the \
               current status, 0 for the others.",
    },
    Family {
        name: "liveplatform_service_dids",
        help: "Numbers (DIDs) of the service, used or free.",
    },
    Family {
        name: "liveplatform_service_users",
        help: "Users of the service.",
    },
    Family {
        name: "liveplatform_service_devices",
        help: "Devices of the service in its device manager, by kind.",
    },
    Family {
        name: "liveplatform_service_devices_disconnected",
        help: "Devices of the service in its device manager that are disconnected, by kind.",
    },
];

const INFO: usize = 0;
const MANAGEMENT: usize = 1;
const VOICE_QUALITY: usize = 2;
const DIDS: usize = 3;
const USERS: usize = 4;
const DEVICES: usize = 5;
const DISCONNECTED: usize = 6;

/// Sample lines of [`FAMILIES`], in order, for `services`, each with the labels that name it
/// after `platform` (`customer_id="…"` and, for a listed customer, its name labels).
pub(crate) fn render<'a>(
    platform_label: &[u8],
    services: impl Iterator<Item = (&'a Service, Option<&'a [u8]>)>,
) -> [Vec<u8>; 7] {
    let mut out: [Vec<u8>; 7] = Default::default();
    let mut labels = Vec::new();
    let mut ovoc_id = itoa::Buffer::new();
    for (service, name_labels) in services {
        labels.clear();
        labels.extend_from_slice(platform_label);
        labels.push(b',');
        push_label(&mut labels, "customer_id", &service.id);
        if let Some(name_labels) = name_labels {
            labels.push(b',');
            labels.extend_from_slice(name_labels);
        }
        let ovoc_id = service.ovoc_id.map_or("", |id| ovoc_id.format(id));
        let info = [
            ("service_name", &*service.name),
            ("deploy_status", &*service.deploy_status),
            ("ovoc_id", ovoc_id),
            ("service_license_type", &*service.license),
        ];
        push(&mut out, INFO, &labels, &info, 1);
        for (family, current) in [
            (MANAGEMENT, service.management),
            (VOICE_QUALITY, service.voice_quality),
        ] {
            for status in Status::ALL {
                let value = u64::from(status == current);
                push(
                    &mut out,
                    family,
                    &labels,
                    &[("status", status.as_str())],
                    value,
                );
            }
        }
        for (state, count) in [("used", service.used_dids), ("free", service.free_dids)] {
            if let Some(count) = count {
                push(&mut out, DIDS, &labels, &[("state", state)], count);
            }
        }
        if let Some(users) = service.users {
            push(&mut out, USERS, &labels, &[], users);
        }
        if let Some(manager) = &service.device_manager {
            for (family, devices) in [
                (DEVICES, manager.devices),
                (DISCONNECTED, manager.disconnected),
            ] {
                for (kind, count) in [("personal", devices.personal), ("meeting", devices.meeting)]
                {
                    if let Some(count) = count {
                        push(&mut out, family, &labels, &[("kind", kind)], count);
                    }
                }
            }
        }
    }
    out
}

/// Appends a sample of `FAMILIES[family]` with `labels` and then `extra`.
fn push(out: &mut [Vec<u8>; 7], family: usize, labels: &[u8], extra: &[(&str, &str)], value: u64) {
    push_sample_with(
        &mut out[family],
        FAMILIES[family].name,
        labels,
        extra,
        value,
    );
}
