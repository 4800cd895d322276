//! `GET {base_url}/api/v3/customer/{id}/licenseinfo?nrOfMonths=1`: the vendor's license
//! accounting of one customer, an array of records (one per day, or just one on older servers).
//! The record with the latest `lastUpdate` is the current one, whatever the array's order.

use serde_json::{Map, Value};

use crate::api::lenient::{self, Decoded, ShapeError};
use crate::collectors::license_info::model::{LicenseInfo, MANAGED_FACTORS};
use crate::model::SkipReason;

const EXPECTED: &str = "an array of license records";

/// The record with the latest `lastUpdate` (none when no record is usable); records without one
/// rank below every dated record, and of equals the first wins. A record that is not an object,
/// or holds a field that cannot be read (a count that is negative or not a number, a date of no
/// known form), is skipped.
pub(super) fn decode_license_info(body: &[u8]) -> Result<Decoded<LicenseInfo>, ShapeError> {
    let value = lenient::parse(body, EXPECTED)?;
    let Value::Array(records) = value else {
        return Err(ShapeError::new(EXPECTED, "not a JSON array"));
    };
    let mut decoded = Decoded::<LicenseInfo>::default();
    for record in &records {
        match decode_record(record) {
            Ok(info) => {
                let later = decoded
                    .value
                    .is_none_or(|latest| info.last_update > latest.last_update);
                if later {
                    decoded.value = Some(info);
                }
            }
            Err(reason) => decoded.skipped.push(reason),
        }
    }
    Ok(decoded)
}

fn decode_record(record: &Value) -> Result<LicenseInfo, SkipReason> {
    let object = record.as_object().ok_or(SkipReason::NotAnObject)?;
    let count = |name: &str| -> Result<Option<u64>, SkipReason> {
        lenient::field(object, name)
            .map(|value| lenient::count(value).map_err(|()| SkipReason::InvalidField))
            .transpose()
    };
    let mut managed = [None; MANAGED_FACTORS.len()];
    for (slot, (name, _)) in managed.iter_mut().zip(MANAGED_FACTORS) {
        *slot = count(name)?;
    }
    Ok(LicenseInfo {
        acquired: count("acquiredLicenses")?,
        currently_licensed: count("currentlyLicensed")?,
        monitored: count("totalMonitoredUsers")?,
        managed,
        service_numbers: count("managedServiceNumbers")?,
        last_update: last_update(object)?,
    })
}

fn last_update(object: &Map<String, Value>) -> Result<Option<time::OffsetDateTime>, SkipReason> {
    lenient::field(object, "lastUpdate")
        .map(|value| {
            value
                .as_str()
                .and_then(lenient::timestamp)
                .ok_or(SkipReason::InvalidField)
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> Decoded<LicenseInfo> {
        decode_license_info(body.as_bytes()).unwrap()
    }

    fn unix(info: &LicenseInfo) -> Option<i64> {
        info.last_update.map(time::OffsetDateTime::unix_timestamp)
    }

    #[test]
    fn the_documented_record_decodes_with_strings_as_numbers() {
        let decoded = decode(
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
    fn every_date_form_decodes() {
        for (date, expected) in [
            ("2023-11-06T16:05:06.0202209+00:00", 1_699_286_706),
            ("2024-04-03T13:32:12.82872Z", 1_712_151_132),
            ("2023-03-15T10:37:35.820+0000", 1_678_876_655),
        ] {
            let decoded = decode(&format!(r#"[{{"lastUpdate": "{date}"}}]"#));
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
                let latest = decode(&body).value.unwrap();
                assert_eq!(latest.acquired, Some(3), "{body}");
            }
        }
    }

    #[test]
    fn field_names_match_in_any_case_and_absent_or_null_fields_stay_absent() {
        let decoded = decode(
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
        let decoded = decode(
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
        assert_eq!(decode("[]"), Decoded::default());
        for (body, problem) in [
            ("{}", "not a JSON array"),
            ("<html>", "not valid JSON"),
            ("[", "truncated"),
        ] {
            let message = decode_license_info(body.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(message.contains(problem), "{body}: {message}");
        }
    }
}
