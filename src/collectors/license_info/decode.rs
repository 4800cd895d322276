//! `GET {base_url}/api/v3/customer/{id}/licenseinfo?nrOfMonths=N`: the vendor's license
//! accounting of one customer, an array of records (one per day, or just one on older servers).
//! The record with the latest `lastUpdate` is the current one, whatever the array's order; the
//! backfill ([`history`](super::history)) reads every record the same way.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::lenient::{self, Count, Decoded, Field, ShapeError, Timestamp};
use crate::collectors::license_info::model::LicenseInfo;
use crate::model::SkipReason;

const EXPECTED: &str = "an array of license records";

/// One record as far as the exporter reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LicenseRecord {
    #[serde(default)]
    acquired_licenses: Field<Count>,
    #[serde(default)]
    currently_licensed: Field<Count>,
    #[serde(default)]
    total_monitored_users: Field<Count>,
    // In the order of the model's MANAGED_FACTORS.
    #[serde(default)]
    managed_users_direct_routing: Field<Count>,
    #[serde(default)]
    managed_users_operator_connect: Field<Count>,
    #[serde(default)]
    managed_users_by_life_cycle_management: Field<Count>,
    #[serde(default)]
    managed_users_user_interface: Field<Count>,
    #[serde(default)]
    managed_service_numbers: Field<Count>,
    #[serde(default)]
    last_update: Field<Timestamp>,
}

/// The record with the latest `lastUpdate` (none when no record is usable); records without one
/// rank below every dated record, and of equals the first wins. A record that is not an object,
/// or holds a field that cannot be read (a count that is negative or not a number, a date of no
/// known form), is skipped.
pub(crate) fn decode(body: &[u8]) -> Result<Decoded<LicenseInfo>, ShapeError> {
    let mut latest: Option<LicenseInfo> = None;
    let skipped = each_record(body, |info| {
        if latest.is_none_or(|latest| info.last_update > latest.last_update) {
            latest = Some(info);
        }
    })?;
    Ok(Decoded {
        value: latest,
        skipped,
    })
}

/// Hands each usable record of `body` to `use_record`, in the array's order, and returns why the
/// others were skipped: the one reading of a record, for the latest record and for the history
/// a backfill replays alike.
pub(super) fn each_record(
    body: &[u8],
    mut use_record: impl FnMut(LicenseInfo),
) -> Result<Vec<SkipReason>, ShapeError> {
    let records: Vec<&RawValue> = lenient::decode(body, EXPECTED)?;
    let mut skipped = Vec::new();
    for record in records {
        match lenient::record(record).and_then(LicenseRecord::into_info) {
            Ok(info) => use_record(info),
            Err(reason) => skipped.push(reason),
        }
    }
    Ok(skipped)
}

impl LicenseRecord {
    fn into_info(self) -> Result<LicenseInfo, SkipReason> {
        let count = |field: Field<Count>| {
            field
                .or_skip(SkipReason::InvalidField)
                .map(|count| count.map(|Count(n)| n))
        };
        Ok(LicenseInfo {
            acquired: count(self.acquired_licenses)?,
            currently_licensed: count(self.currently_licensed)?,
            monitored: count(self.total_monitored_users)?,
            managed: [
                count(self.managed_users_direct_routing)?,
                count(self.managed_users_operator_connect)?,
                count(self.managed_users_by_life_cycle_management)?,
                count(self.managed_users_user_interface)?,
            ],
            service_numbers: count(self.managed_service_numbers)?,
            last_update: self
                .last_update
                .or_skip(SkipReason::InvalidField)?
                .and_then(|Timestamp(at)| at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_text(body: &str) -> Decoded<LicenseInfo> {
        super::decode(body.as_bytes()).unwrap()
    }

    fn unix(info: &LicenseInfo) -> Option<i64> {
        info.last_update.map(time::OffsetDateTime::unix_timestamp)
    }

    #[test]
    fn the_documented_record_decodes_with_strings_as_numbers() {
        let decoded = decode_text(
            r#"[{"acquiredLicenses": 50, "totalMonitoredUsers": "20", "currentlyLicensed": 24,
                "managedUsersDirectRouting": 6, "managedUsersOperatorConnect": 2,
                "managedUsersByLifeCycleManagement": 4, "managedUsersUserInterface": 10,
                "managedServiceNumbers": 2, "lastUpdate": "2023-11-06T16:05:06.0202209+00:00",
                "umpCustomerGuid": "g", "licenseSettingsFlagsLevel": 2,
                "LicenseFactors": {"Managed Users - By Template": true}}]"#,
        );
        assert_eq!(decoded.skipped, []);
        let info = decoded.value.unwrap();
        assert_eq!(
            info,
            LicenseInfo {
                acquired: Some(50),
                currently_licensed: Some(24),
                monitored: Some(20),
                managed: [Some(6), Some(2), Some(4), Some(10)],
                service_numbers: Some(2),
                last_update: info.last_update,
            }
        );
        assert_eq!(unix(&info), Some(1_699_286_706));
    }

    #[test]
    fn a_date_before_1970_is_no_date_and_the_record_is_kept() {
        for date in [
            "0001-01-01T00:00:00Z",
            "0000-01-01T00:00:00+00:00",
            "1969-12-31T23:59:59.9Z",
        ] {
            let decoded = decode_text(&format!(
                r#"[{{"acquiredLicenses": 4, "lastUpdate": "{date}"}}]"#
            ));
            assert_eq!(decoded.skipped, [], "{date}");
            let info = decoded.value.unwrap();
            assert_eq!((info.acquired, info.last_update), (Some(4), None), "{date}");
        }
    }

    #[test]
    fn every_date_form_decodes() {
        for (date, expected) in [
            ("2023-11-06T16:05:06.0202209+00:00", 1_699_286_706),
            ("2024-04-03T13:32:12.82872Z", 1_712_151_132),
            ("2023-03-15T10:37:35.820+0000", 1_678_876_655),
        ] {
            let decoded = decode_text(&format!(r#"[{{"lastUpdate": "{date}"}}]"#));
            assert_eq!(unix(&decoded.value.unwrap()), Some(expected), "{date}");
        }
    }

    #[test]
    fn the_latest_record_wins_whatever_the_order() {
        let records = [
            r#"{"acquiredLicenses": 1, "lastUpdate": "2024-04-01T00:00:00Z"}"#,
            r#"{"acquiredLicenses": 3, "lastUpdate": "2024-04-03T00:00:00.5+0000"}"#,
            r#"{"acquiredLicenses": 2, "lastUpdate": "2024-04-03T01:00:00.1+02:00"}"#,
            r#"{"acquiredLicenses": 9}"#,
        ];
        // Every rotation and its reverse: the order of the array never matters.
        for shift in 0..records.len() {
            let mut order = records.to_vec();
            order.rotate_left(shift);
            for order in [order.clone(), order.into_iter().rev().collect()] {
                let body = format!("[{}]", order.join(","));
                let latest = decode_text(&body).value.unwrap();
                assert_eq!(latest.acquired, Some(3), "{body}");
            }
        }
    }

    #[test]
    fn field_names_match_in_any_case_and_absent_or_null_fields_stay_absent() {
        let decoded = decode_text(
            r#"[{"AcquiredLicenses": "7", "CURRENTLYLICENSED": 8, "managedusersuserinterface": 1,
                "managedServiceNumbers": null, "LastUpdate": "2024-04-03T13:32:12Z"}]"#,
        );
        let info = decoded.value.unwrap();
        assert_eq!(info.acquired, Some(7));
        assert_eq!(info.currently_licensed, Some(8));
        assert_eq!(info.managed, [None, None, None, Some(1)]);
        assert_eq!(info.monitored, None);
        assert_eq!(info.service_numbers, None);
        assert_eq!(unix(&info), Some(1_712_151_132));
    }

    #[test]
    fn a_bad_record_is_skipped_and_counted_and_the_rest_used() {
        let decoded = decode_text(
            r#"[42,
                {"acquiredLicenses": -1, "lastUpdate": "2024-04-05T00:00:00Z"},
                {"acquiredLicenses": "many", "lastUpdate": "2024-04-05T00:00:00Z"},
                {"acquiredLicenses": 1, "lastUpdate": "yesterday"},
                {"acquiredLicenses": 1, "lastUpdate": 1712151132},
                {"acquiredLicenses": 5, "lastUpdate": "2024-04-01T00:00:00Z"}]"#,
        );
        assert_eq!(
            decoded.skipped,
            [
                SkipReason::NotAnObject,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
            ]
        );
        assert_eq!(decoded.value.unwrap().acquired, Some(5));
    }

    #[test]
    fn an_empty_array_has_no_record_and_other_shapes_are_errors() {
        assert_eq!(decode_text("[]"), Decoded::default());
        for (body, problem) in [
            ("{}", "not a JSON array"),
            ("<html>", "not valid JSON"),
            ("[", "truncated"),
        ] {
            let message = super::decode(body.as_bytes()).unwrap_err().to_string();
            assert!(message.contains(problem), "{body}: {message}");
        }
    }
}
