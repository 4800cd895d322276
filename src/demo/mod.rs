//! A stand-in Live Platform on loopback: an Entra-style token endpoint, the customer list, each
//! seed customer's license information and details, and the Operator Connect number-removal
//! summary, enforcing the same client-credentials flow as the real thing. The demo mode runs the
//! exporter against it, and the integration tests use it as their API.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use reqwest::Url;
use secrecy::SecretString;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::collectors::{customer_details, customers, license_info, number_removal, services};
use crate::config::secret::SecretSource;
use crate::config::{AuthConfig, OAuth2Config, PlatformConfig};
use crate::sync::lock;

/// The vendor's example response: 35 customers of license types 0 to 3.
pub const SEED_CUSTOMERS: &[u8] = include_bytes!("../../fixtures/customers-seed.json");

/// Numbers waiting for removal on the demo platform: some ready, so that the alert on them has
/// something to show.
const REMOVAL_SUMMARY: &str =
    r#"{"markedForRemovalCount": 4, "readyForRemovalCount": 2, "totalCount": 6}"#;

/// The path below which the demo serves its API: `base_url` ends with it.
const BASE_PATH: &str = "/tenantui";

/// The route of an endpoint whose path below `base_url` is `segments`.
fn route(segments: &[&str]) -> String {
    format!("{BASE_PATH}/{}", segments.join("/"))
}

const TENANT: &str = "00000000-0000-4000-8000-000000000000";
const CLIENT_ID: &str = "liveplatform-exporter-demo";
const SCOPE: &str = "api://liveplatform-demo/.default";

/// The per-customer endpoints, whose answers a test can set customer by customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Endpoint {
    LicenseInfo,
    Details,
}

pub struct DemoPlatform {
    addr: SocketAddr,
    state: Arc<MockState>,
    shutdown: CancellationToken,
}

struct MockState {
    customers: Mutex<Bytes>,
    removal_summary: Mutex<Bytes>,
    /// The services list's answer: a status and a body.
    services: Mutex<(StatusCode, Bytes)>,
    /// Seed customer ids and their index in the seed, from which their license information is
    /// made up.
    seed: HashMap<String, usize>,
    /// Per-customer answers set by a test, by endpoint and customer id: a status and a body.
    overrides: Mutex<HashMap<(Endpoint, String), (StatusCode, Bytes)>>,
    /// When the mock started: the seed's secret expiry dates are relative to it, so that the
    /// demo always has a secret about to expire.
    started: OffsetDateTime,
    client_secret: String,
    issued: Mutex<HashSet<String>>,
    token_requests: AtomicU64,
    customer_requests: AtomicU64,
}

impl DemoPlatform {
    /// The start of the client secret of every seed customer with an app registration (the rest
    /// is its place in the seed): obviously fake, and a canary the tests look for wherever the
    /// exporter writes, since the exporter must never keep it.
    pub const APP_SECRET_CANARY: &str = "DEMO-FAKE-APP-SECRET-must-never-show";

    /// The start of every demo service's device manager user and password: a canary too.
    pub const DEVICE_MANAGER_CANARY: &str = "DEMO-FAKE-DEVICE-MANAGER-must-never-show";

    /// Serves `customers` (a JSON body, sent as is) on an ephemeral loopback port.
    pub async fn start(body: impl Into<Bytes>) -> std::io::Result<Self> {
        let state = Arc::new(MockState {
            customers: Mutex::new(body.into()),
            removal_summary: Mutex::new(Bytes::from_static(REMOVAL_SUMMARY.as_bytes())),
            services: Mutex::new((StatusCode::OK, Bytes::from(seed_services().to_string()))),
            seed: seed_ids(),
            overrides: Mutex::new(HashMap::new()),
            started: OffsetDateTime::now_utc(),
            client_secret: random_token(),
            issued: Mutex::new(HashSet::new()),
            token_requests: AtomicU64::new(0),
            customer_requests: AtomicU64::new(0),
        });
        // Each endpoint where its collector requests it, with axum's `{id}` for a customer id.
        let app = Router::new()
            .route(&format!("/{TENANT}/oauth2/v2.0/token"), post(token))
            .route(&route(customers::PATH), get(customers))
            .route(&route(&license_info::path("{id}")), get(license_info))
            .route(
                &route(&customer_details::path("{id}")),
                get(customer_details),
            )
            .route(&route(number_removal::PATH), get(removal_summary))
            .route(&route(services::PATH), get(services_list))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone().cancelled_owned();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!(error = %e, "mock Live Platform stopped");
            }
        });
        Ok(Self {
            addr,
            state,
            shutdown,
        })
    }

    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}{BASE_PATH}", self.addr)).expect("loopback URL is valid")
    }

    pub fn token_url(&self) -> Url {
        Url::parse(&format!("http://{}/{TENANT}/oauth2/v2.0/token", self.addr))
            .expect("loopback URL is valid")
    }

    /// A platform entry that reaches this mock through the real OAuth2 flow.
    pub fn platform_config(&self, name: &str) -> PlatformConfig {
        PlatformConfig::new(
            name,
            self.base_url(),
            AuthConfig::OAuth2(OAuth2Config {
                token_url: self.token_url(),
                client_id: CLIENT_ID.to_owned(),
                client_secret: SecretSource::Inline(SecretString::from(
                    self.state.client_secret.clone(),
                )),
                scope: SCOPE.to_owned(),
            }),
        )
    }

    /// Replaces the number-removal summary served from now on.
    pub fn set_removal_summary(&self, body: impl Into<Bytes>) {
        *lock(&self.state.removal_summary) = body.into();
    }

    /// Answers services list requests with `status` and `body` from now on.
    pub fn set_services(&self, status: u16, body: impl Into<Bytes>) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        *lock(&self.state.services) = (status, body.into());
    }

    /// Answers license information requests for `customer_id` with `status` and `body` from now
    /// on, whether or not the id is a seed customer's.
    pub fn set_license_info(&self, customer_id: &str, status: u16, body: impl Into<Bytes>) {
        self.set(Endpoint::LicenseInfo, customer_id, status, body.into());
    }

    /// Back to the made-up license information of a seed customer (or a 404 for another id).
    pub fn clear_license_info(&self, customer_id: &str) {
        lock(&self.state.overrides).remove(&(Endpoint::LicenseInfo, customer_id.to_owned()));
    }

    /// Answers customer details requests for `customer_id` with `status` and `body` from now
    /// on, whether or not the id is a seed customer's.
    pub fn set_customer_details(&self, customer_id: &str, status: u16, body: impl Into<Bytes>) {
        self.set(Endpoint::Details, customer_id, status, body.into());
    }

    fn set(&self, endpoint: Endpoint, customer_id: &str, status: u16, body: Bytes) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        lock(&self.state.overrides).insert((endpoint, customer_id.to_owned()), (status, body));
    }

    /// The details served for the seed customer at `index` (with its SIP connections, as for
    /// `allDetails=true`).
    pub fn seed_customer_details(&self, index: usize) -> serde_json::Value {
        seed_customer_details(index, self.state.started, true)
    }

    /// The license information served for the seed customer at `index`: two daily records,
    /// the later one first in the array, so that a client reading only the first would be
    /// right by luck, and one in the other order.
    pub fn seed_license_info(index: usize) -> serde_json::Value {
        seed_license_info(index)
    }

    /// Replaces the customer list served from now on.
    pub fn set_customers(&self, body: impl Into<Bytes>) {
        *lock(&self.state.customers) = body.into();
    }

    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    pub fn customer_requests(&self) -> u64 {
        self.state.customer_requests.load(Ordering::SeqCst)
    }
}

impl Drop for DemoPlatform {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn random_token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(40)
        .collect()
}

async fn token(
    State(state): State<Arc<MockState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let field = |name: &str| form.get(name).map(String::as_str);
    let refusal = if field("grant_type") != Some("client_credentials") {
        Some((
            "unsupported_grant_type",
            "AADSTS70003: grant type not supported.",
        ))
    } else if field("client_id") != Some(CLIENT_ID) {
        Some((
            "unauthorized_client",
            "AADSTS700016: Application was not found in the directory.",
        ))
    } else if field("client_secret") != Some(state.client_secret.as_str()) {
        Some((
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
        ))
    } else if field("scope") != Some(SCOPE) {
        Some((
            "invalid_scope",
            "AADSTS70011: The provided scope is not valid.",
        ))
    } else {
        None
    };
    if let Some((error, description)) = refusal {
        let body = serde_json::json!({ "error": error, "error_description": description });
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let access_token = random_token();
    lock(&state.issued).insert(access_token.clone());
    Json(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    }))
    .into_response()
}

/// Refuses a request whose bearer token this mock did not issue, as the API does.
fn refuse_unless_authorized(state: &MockState, headers: &HeaderMap) -> Option<Response> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented.is_some_and(|token| lock(&state.issued).contains(token)) {
        return None;
    }
    let problem = serde_json::json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        "title": "Unauthorized",
        "status": 401,
        "traceId": "00-mock-trace-00",
    });
    Some((StatusCode::UNAUTHORIZED, Json(problem)).into_response())
}

fn json_body(body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn customers(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    state.customer_requests.fetch_add(1, Ordering::SeqCst);
    if let Some(refusal) = refuse_unless_authorized(&state, &headers) {
        return refusal;
    }
    json_body(lock(&state.customers).clone())
}

async fn removal_summary(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refuse_unless_authorized(&state, &headers) {
        return refusal;
    }
    json_body(lock(&state.removal_summary).clone())
}

async fn services_list(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refuse_unless_authorized(&state, &headers) {
        return refusal;
    }
    let (status, body) = lock(&state.services).clone();
    (status, json_body(body)).into_response()
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
fn seed_services() -> serde_json::Value {
    let seed: Vec<serde_json::Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap_or_default();
    let listed = seed.iter().enumerate().filter_map(|(index, customer)| {
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

/// The seed's customer ids, by their place in it.
fn seed_ids() -> HashMap<String, usize> {
    let seed: Vec<serde_json::Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap_or_default();
    seed.iter()
        .enumerate()
        .filter_map(|(index, customer)| {
            let id = customer.get("UmpCustomerGuid")?.as_str()?;
            Some((id.to_owned(), index))
        })
        .collect()
}

/// Made-up but plausible figures for the seed customer at `index`: the factors add up to the
/// currently licensed users, which stay below the acquired licenses except for every eleventh
/// customer from the sixth on (over its licenses, for the dashboards and alerts to show). The
/// monitored users come as a string, as the vendor documents; the dates in the .NET and OVOC
/// forms.
fn seed_license_info(index: usize) -> serde_json::Value {
    let i = index as u64;
    let managed = [i % 5, (i * 3) % 4, i % 3, i % 6];
    let service_numbers = i % 4;
    let currently = managed.iter().sum::<u64>() + service_numbers;
    let acquired = if i % 11 == 5 {
        currently.saturating_sub(2)
    } else {
        currently + (i * 7) % 20 + 1
    };
    let day = 1 + i % 28;
    let record = |acquired: u64, currently: u64, last_update: String| {
        serde_json::json!({
            "acquiredLicenses": acquired,
            "totalMonitoredUsers": (currently + i % 9).to_string(),
            "currentlyLicensed": currently,
            "managedUsersDirectRouting": managed[0],
            "managedUsersOperatorConnect": managed[1],
            "managedUsersByLifeCycleManagement": managed[2],
            "managedUsersUserInterface": managed[3],
            "managedServiceNumbers": service_numbers,
            "lastUpdate": last_update,
            "licenseSettingsFlagsLevel": 2,
            "LicenseFactors": {"Managed Users - By Template": true},
        })
    };
    let latest = record(
        acquired,
        currently,
        format!("2024-05-{day:02}T06:00:00.0202209+00:00"),
    );
    let older = record(
        acquired + 100,
        currently + 100,
        format!("2024-05-{day:02}T05:59:59.820+0000"),
    );
    if i.is_multiple_of(2) {
        serde_json::json!([latest, older])
    } else {
        serde_json::json!([older, latest])
    }
}

/// How a seed customer's SIP connections are deployed, in turn.
const SIP_STATES: [&str; 5] = [
    "Deployed",
    "Deployed",
    "NotDeployed",
    "InProgress",
    "Failed",
];

/// The details of the seed customer at `index`, as the API sends them: the customer list's
/// fields, and but for Hosted Essentials (which have none) an app registration whose fake
/// secret expires, counted from `started`, in 12 days (the fifth customer), 3 days ago (the
/// sixth) or between half a year and two years from now (the others). Dates come in the
/// documented US form, every sixth in the .NET round-trip form. The SIP connections, with
/// `all_details`, number 0 to 3 per customer, in varied states and types, three customers
/// spelling or numbering them otherwise.
fn seed_customer_details(
    index: usize,
    started: OffsetDateTime,
    all_details: bool,
) -> serde_json::Value {
    let seed: Vec<serde_json::Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap_or_default();
    let mut customer = seed.get(index).cloned().unwrap_or_default();
    let Some(object) = customer.as_object_mut() else {
        return customer;
    };
    let short_name = object
        .get("CustomerShortName")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("customer")
        .to_owned();
    object.insert(
        "MsDefaultDomain".to_owned(),
        format!("{short_name}.onmicrosoft.example").into(),
    );
    let hosted_essentials = object
        .get("LicenseType")
        .and_then(serde_json::Value::as_i64)
        == Some(0);
    if !hosted_essentials {
        object.insert(
            "ApplicationClientId".to_owned(),
            format!("00000000-0000-4000-8000-{index:012}").into(),
        );
        object.insert(
            "ApplicationClientSecret".to_owned(),
            format!("{}-{index:02}", DemoPlatform::APP_SECRET_CANARY).into(),
        );
        let days = match index {
            4 => 12,
            5 => -3,
            _ => 180 + (index as i64 * 37) % 540,
        };
        if let Some(at) = started.checked_add(time::Duration::days(days)) {
            object.insert(
                "ClientSecretExpirationDate".to_owned(),
                expiry_text(index, at).into(),
            );
        }
    }
    if all_details {
        let connections: Vec<serde_json::Value> = (0..index % 4)
            .map(|j| {
                let state = if index == 15 {
                    serde_json::json!(2)
                } else {
                    serde_json::json!(SIP_STATES[(index + j) % SIP_STATES.len()])
                };
                let configuration = match index {
                    7 => "SIP Trunk",
                    11 => "sip-trunk",
                    _ if (index + j).is_multiple_of(3) => "Byoc",
                    _ => "SipTrunk",
                };
                serde_json::json!({
                    "id": index * 10 + j,
                    "name": format!("Site {j}"),
                    "sbcId": 100 + index,
                    "sbcDeploymentState": state,
                    "sbcConfigurationType": configuration,
                })
            })
            .collect();
        object.insert("SiteLocation".to_owned(), connections.into());
    }
    customer
}

/// A secret's expiry date (UTC) as the API writes it: the documented US form without a zone
/// (`2/18/2027 8:39:26 AM`), or for every sixth customer the .NET round-trip form.
fn expiry_text(index: usize, at: OffsetDateTime) -> String {
    let (year, month, day) = (at.year(), u8::from(at.month()), at.day());
    let (hour, minute, second) = (at.hour(), at.minute(), at.second());
    if index % 6 == 1 {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.0000000+00:00")
    } else {
        let period = if hour < 12 { "AM" } else { "PM" };
        let hour = match hour % 12 {
            0 => 12,
            hour => hour,
        };
        format!("{month}/{day}/{year} {hour}:{minute:02}:{second:02} {period}")
    }
}

async fn license_info(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let months = query.get("nrOfMonths").and_then(|n| n.parse::<u32>().ok());
    let asked = Asked {
        endpoint: Endpoint::LicenseInfo,
        id,
        malformed: months.is_none().then_some("nrOfMonths is required"),
    };
    per_customer(&state, &headers, asked, seed_license_info)
}

/// `GET /api/v3/customer/{id}`: the SIP connections only with `allDetails=true`, the app
/// registration (secret included, as some server versions do) always.
async fn customer_details(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let all_details = query
        .get("allDetails")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let asked = Asked {
        endpoint: Endpoint::Details,
        id,
        malformed: None,
    };
    per_customer(&state, &headers, asked, |index| {
        seed_customer_details(index, state.started, all_details)
    })
}

/// A request to a per-customer endpoint.
struct Asked {
    endpoint: Endpoint,
    id: String,
    /// The title of a 400 for a query the endpoint refuses.
    malformed: Option<&'static str>,
}

/// A per-customer endpoint's answer, in the API's order of checks: a 401 to a token it did not
/// issue, a 400 to a malformed query, then the test's answer, else the seed customer's
/// `made_up` data, else a 404.
fn per_customer(
    state: &MockState,
    headers: &HeaderMap,
    asked: Asked,
    made_up: impl FnOnce(usize) -> serde_json::Value,
) -> Response {
    if let Some(refusal) = refuse_unless_authorized(state, headers) {
        return refusal;
    }
    if let Some(title) = asked.malformed {
        let problem = serde_json::json!({"title": title, "status": 400});
        return (StatusCode::BAD_REQUEST, Json(problem)).into_response();
    }
    let set = lock(&state.overrides)
        .get(&(asked.endpoint, asked.id.clone()))
        .cloned();
    if let Some((status, body)) = set {
        return (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body,
        )
            .into_response();
    }
    match state.seed.get(&asked.id) {
        Some(index) => json_body(Bytes::from(made_up(*index).to_string())),
        None => {
            let problem = serde_json::json!({"title": "Customer not found", "status": 404});
            (StatusCode::NOT_FOUND, Json(problem)).into_response()
        }
    }
}
