//! Assembling a scrape: the pre-rendered samples of every platform whose data is fresh, grouped
//! under one header per family, followed by the live health and process metrics.
//!
//! Nothing proportional to the number of customers happens here: the body is a list of
//! reference-counted chunks rendered (and compressed) when the polls completed.

use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use tokio::time::Instant;

use crate::gzip::{Encoded, GzipBuilder, Segment};
use crate::health::HealthMetrics;
use crate::render::{FAMILIES, FAMILY_COUNT};
use crate::snapshot::PlatformSlot;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `# HELP` and `# TYPE` of each family, in both encodings, built once per process.
static HEADERS: LazyLock<[Encoded; FAMILY_COUNT]> = LazyLock::new(|| {
    FAMILIES.each_ref().map(|family| {
        Encoded::new(format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n",
            name = family.name,
            help = family.help
        ))
    })
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
}

/// A scrape's body as chunks to send in order.
#[derive(Debug)]
pub struct Payload {
    pub chunks: Vec<Bytes>,
}

impl Payload {
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

pub struct Exposition {
    slots: Vec<Arc<PlatformSlot>>,
    health: Arc<HealthMetrics>,
}

impl Exposition {
    pub fn new(slots: Vec<Arc<PlatformSlot>>, health: Arc<HealthMetrics>) -> Self {
        Self { slots, health }
    }

    pub fn slots(&self) -> &[Arc<PlatformSlot>] {
        &self.slots
    }

    pub fn render(&self, now: Instant, encoding: Encoding) -> Payload {
        let fresh: Vec<_> = self.slots.iter().filter_map(|s| s.fresh(now)).collect();
        let mut pieces: Vec<&Encoded> = Vec::with_capacity(FAMILY_COUNT * (1 + fresh.len()));
        for (index, header) in HEADERS.iter().enumerate() {
            let samples = fresh
                .iter()
                .map(|snapshot| snapshot.samples(index))
                .filter(|samples| !samples.plain.is_empty());
            let start = pieces.len();
            pieces.push(header);
            pieces.extend(samples);
            // A family no platform has samples for gets no header either.
            if pieces.len() == start + 1 {
                pieces.truncate(start);
            }
        }
        let mut health = Vec::with_capacity(16 * 1024);
        self.health.encode(&mut health);

        let chunks = match encoding {
            Encoding::Identity => pieces
                .iter()
                .map(|piece| piece.plain.clone())
                .chain([Bytes::from(health)])
                .collect(),
            Encoding::Gzip => {
                let mut gzip = GzipBuilder::with_capacity(pieces.len() + 1);
                for piece in &pieces {
                    gzip.push(&piece.gzip);
                }
                // Changes at every scrape: framed, not compressed.
                gzip.push(&Segment::stored(&health));
                gzip.finish()
            }
        };
        Payload { chunks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Customer, UserCounts};
    use crate::snapshot::Snapshot;
    use std::io::Read;
    use std::time::Duration;

    fn customer(id: &str) -> Customer<'static> {
        Customer {
            id: id.to_owned().into(),
            short_name: id.to_owned().into(),
            full_name: id.to_owned().into(),
            license_type: 1,
            ms_tenant_id: None,
            users: UserCounts {
                licensed: Some(10),
                ..UserCounts::default()
            },
        }
    }

    fn text(exposition: &Exposition, now: Instant) -> String {
        String::from_utf8(exposition.render(now, Encoding::Identity).to_vec()).unwrap()
    }

    #[test]
    fn platforms_share_one_header_per_family_and_stale_ones_drop_out() {
        let health = Arc::new(HealthMetrics::new());
        let now = Instant::now();
        let a = Arc::new(PlatformSlot::new("a", Duration::from_secs(60)));
        let b = Arc::new(PlatformSlot::new("b", Duration::from_secs(60)));
        a.publish(Snapshot::new("a", &[customer("a1")], now));
        b.publish(Snapshot::new("b", &[customer("b1")], now));
        let _ = health.platform("a");
        let exposition = Exposition::new(vec![a.clone(), b.clone()], health);

        let text_now = text(&exposition, now);
        assert_eq!(
            text_now
                .matches("# TYPE liveplatform_customer_licensed_users gauge")
                .count(),
            1
        );
        assert!(text_now.contains("liveplatform_customer_licensed_users{platform=\"a\","));
        assert!(text_now.contains("liveplatform_customer_licensed_users{platform=\"b\","));
        assert!(
            !text_now.contains("# TYPE liveplatform_customer_active_users"),
            "no platform has active users, so no empty family header"
        );

        b.publish(Snapshot::new(
            "b",
            &[customer("b1")],
            now - Duration::from_secs(61),
        ));
        let text_later = text(&exposition, now);
        assert!(text_later.contains("platform=\"a\",customer_id=\"a1\""));
        assert!(
            !text_later.contains("customer_id=\"b1\""),
            "stale platform dropped"
        );
        assert!(
            text_later.contains("liveplatform_up{platform=\"a\"}"),
            "health stays"
        );
    }

    #[test]
    fn gzip_payload_decompresses_to_the_identity_payload() {
        let health = Arc::new(HealthMetrics::new());
        let now = Instant::now();
        let slot = Arc::new(PlatformSlot::new("a", Duration::from_secs(60)));
        let customers: Vec<_> = (0..500).map(|i| customer(&format!("c{i}"))).collect();
        slot.publish(Snapshot::new("a", &customers, now));
        let _ = health.platform("a");
        let exposition = Exposition::new(vec![slot], health);

        let plain = exposition.render(now, Encoding::Identity).to_vec();
        let gzip = exposition.render(now, Encoding::Gzip);
        assert!(gzip.len() < plain.len() / 4);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip.to_vec()[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        let customer_lines = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| !l.starts_with("process_"))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(
            customer_lines(&unzipped),
            customer_lines(std::str::from_utf8(&plain).unwrap())
        );
    }
}
