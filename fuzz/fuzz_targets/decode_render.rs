//! Any bytes as a customer-list response: the decoder must never panic, and whatever it accepts
//! must render, in both encodings, to text whose every sample line ends in a number and whose
//! label values never break a line.

#![no_main]

use std::sync::Arc;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use liveplatform_exporter::poll_path::{customers_slot, prepare};
use liveplatform_exporter::{CollectorSettings, Encoding, ExporterMetrics, Exposition};
use tokio::time::Instant;

fuzz_target!(|body: &[u8]| {
    let Ok((prepared, _)) = prepare("fuzz", body.to_vec().into(), None) else {
        return;
    };
    let health = Arc::new(ExporterMetrics::new());
    let _platform = health.collector(
        "fuzz",
        "customers",
        &CollectorSettings {
            interval: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
            stale_after: Duration::from_secs(3600),
        },
    );
    let slot = Arc::new(customers_slot("fuzz", Duration::from_secs(3600)));
    slot.publish(prepared.snapshot);
    let exposition = Exposition::new(vec![slot], health);
    let now = Instant::now();
    assert!(!exposition.render(now, Encoding::Gzip).is_empty());
    let text = exposition.render(now, Encoding::Identity).to_vec();
    let text = std::str::from_utf8(&text).expect("the exposition is UTF-8");
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let value = line.rsplit(' ').next().unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok(),
            "no value at the end of {line:?}"
        );
        assert!(
            line.starts_with("liveplatform_") || line.starts_with("process_"),
            "a line that is not a sample: {line:?}"
        );
    }
});
