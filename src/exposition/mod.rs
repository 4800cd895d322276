//! Assembling a scrape: the pre-rendered samples of every platform whose data is fresh, grouped
//! under one header per family, followed by the live health and process metrics.
//!
//! Nothing proportional to the number of customers happens here: the body is a list of
//! reference-counted chunks rendered (and compressed) when the polls completed.

pub(crate) mod exporter_metrics;
pub(crate) mod gzip;
pub(crate) mod recycle;
pub(crate) mod snapshot;
pub(crate) mod text;

use std::sync::{Arc, RwLock};

use bytes::Bytes;
use tokio::time::Instant;

use crate::exposition::exporter_metrics::ExporterMetrics;
use crate::exposition::gzip::{Deflater, Encoded, Member, Segment};
use crate::exposition::snapshot::{Slot, Text};
use crate::sync;

pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
}

/// A part of a scrape's body: one chunk, or a family's samples as the snapshot holds them.
#[derive(Debug)]
enum Piece {
    One(Bytes),
    Many(Text),
}

/// A scrape's body as chunks to send in order. Its size does not grow with the customer count:
/// a platform's samples are one shared piece per family, however many chunks they are in.
#[derive(Debug)]
pub struct Payload {
    pieces: Vec<Piece>,
    len: usize,
}

impl Payload {
    fn new() -> Self {
        Self {
            pieces: Vec::new(),
            len: 0,
        }
    }

    fn push(&mut self, piece: Piece) {
        self.len += match &piece {
            Piece::One(chunk) => chunk.len(),
            Piece::Many(text) => text.len(),
        };
        self.pieces.push(piece);
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for chunk in self.chunks() {
            out.extend_from_slice(chunk);
        }
        out
    }

    /// Every chunk, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &Bytes> {
        self.pieces.iter().flat_map(|piece| match piece {
            Piece::One(chunk) => std::slice::from_ref(chunk),
            Piece::Many(text) => text.chunks(),
        })
    }

    /// Consumes the payload one chunk at a time.
    pub fn into_chunks(self) -> Chunks {
        Chunks {
            pieces: self.pieces.into_iter(),
            current: None,
        }
    }
}

/// The chunks of a [`Payload`], each shared with the snapshot, not copied.
pub struct Chunks {
    pieces: std::vec::IntoIter<Piece>,
    current: Option<(Text, usize)>,
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some((text, next)) = &mut self.current {
                if let Some(chunk) = text.chunks().get(*next) {
                    *next += 1;
                    return Some(chunk.clone());
                }
                self.current = None;
            }
            match self.pieces.next()? {
                Piece::One(chunk) => return Some(chunk),
                Piece::Many(text) => self.current = Some((text, 0)),
            }
        }
    }
}

/// A scrape's assembler: the slots of every collector of every platform, and the exporter's own
/// metrics. The set of slots changes when a configuration reload adds or removes collectors.
pub struct Exposition {
    layout: RwLock<Arc<Layout>>,
    metrics: Arc<ExporterMetrics>,
}

/// The slots, and the family headers they share.
struct Layout {
    slots: Vec<Arc<Slot>>,
    /// Every family a slot publishes, once, in the order the slots first name them.
    families: Vec<Header>,
}

/// One family's `# HELP` and `# TYPE` lines, in both encodings, and where its samples are.
struct Header {
    encoded: Encoded,
    /// (index into the slots, index into that slot's families) of each slot that publishes it.
    sources: Vec<(usize, usize)>,
}

impl Layout {
    fn new(slots: Vec<Arc<Slot>>) -> Self {
        let mut deflater = Deflater::default();
        let mut families: Vec<(&str, Header)> = Vec::new();
        for (slot_index, slot) in slots.iter().enumerate() {
            for (family_index, family) in slot.families.iter().enumerate() {
                let source = (slot_index, family_index);
                if let Some((_, header)) =
                    families.iter_mut().find(|(name, _)| *name == family.name)
                {
                    header.sources.push(source);
                    continue;
                }
                let text = format!(
                    "# HELP {name} {help}\n# TYPE {name} gauge\n",
                    name = family.name,
                    help = family.help
                );
                let encoded = Encoded::new(text.into_bytes(), &mut deflater);
                families.push((
                    family.name,
                    Header {
                        encoded,
                        sources: vec![source],
                    },
                ));
            }
        }
        Self {
            families: families.into_iter().map(|(_, header)| header).collect(),
            slots,
        }
    }
}

impl Exposition {
    pub fn new(slots: Vec<Arc<Slot>>, metrics: Arc<ExporterMetrics>) -> Self {
        Self {
            layout: RwLock::new(Arc::new(Layout::new(slots))),
            metrics,
        }
    }

    /// The slots of every collector now running, in the order of the configuration.
    pub fn slots(&self) -> Vec<Arc<Slot>> {
        sync::read(&self.layout).slots.clone()
    }

    /// Replaces the slots (after a configuration reload); scrapes under way finish with the
    /// old ones.
    pub fn set_slots(&self, slots: Vec<Arc<Slot>>) {
        let layout = Arc::new(Layout::new(slots));
        *sync::write(&self.layout) = layout;
    }

    /// The exporter's own metrics, which the collectors' health series live in.
    pub fn metrics(&self) -> &Arc<ExporterMetrics> {
        &self.metrics
    }

    pub fn render(&self, now: Instant, encoding: Encoding) -> Payload {
        let layout = sync::read(&self.layout).clone();
        let fresh: Vec<_> = layout
            .slots
            .iter()
            .map(|slot| Some(slot.fresh(now)?.families()))
            .collect();
        let mut own = Vec::with_capacity(16 * 1024);
        self.metrics.encode(&mut own);

        let families = layout.families.iter().filter_map(|header| {
            let samples = header
                .sources
                .iter()
                .filter_map(|&(slot, family)| fresh[slot].as_deref()?.get(family))
                .filter(|samples| !samples.is_empty());
            // A family no platform has samples for gets no header either.
            samples
                .clone()
                .next()
                .is_some()
                .then_some((&header.encoded, samples))
        });
        let mut payload = Payload::new();
        match encoding {
            Encoding::Identity => {
                for (header, samples) in families {
                    payload.push(Piece::One(header.plain.clone()));
                    for samples in samples {
                        payload.push(Piece::Many(samples.plain.clone()));
                    }
                }
                payload.push(Piece::One(Bytes::from(own)));
            }
            Encoding::Gzip => {
                let mut member = Member::default();
                payload.push(Piece::One(Member::header()));
                for (header, samples) in families {
                    payload.push(Piece::One(member.segment(&header.gzip)));
                    for samples in samples {
                        payload.push(Piece::One(member.segment(&samples.gzip)));
                    }
                }
                // Changes at every scrape: framed, not compressed.
                let own = Segment::stored(&own);
                payload.push(Piece::One(member.segment(&own)));
                payload.push(Piece::One(member.trailer()));
            }
        }
        payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CollectorSettings;
    use crate::exposition::snapshot::{Samples, Snapshot};
    use crate::exposition::text::{Family, platform_label, push_sample_with};
    use std::io::Read;
    use std::time::Duration;

    const SETTINGS: CollectorSettings = CollectorSettings {
        interval: Duration::from_secs(60),
        timeout: Duration::from_secs(10),
        stale_after: Duration::from_secs(60),
    };

    /// A collector's families: the second never has samples.
    const FAMILIES: [Family; 2] = [
        Family {
            name: "test_licensed_users",
            help: "Licensed users of the customer.",
        },
        Family {
            name: "test_active_users",
            help: "Active users of the customer.",
        },
    ];

    fn slot(platform: &str) -> Arc<Slot> {
        Arc::new(Slot::new(
            platform,
            "test",
            &FAMILIES,
            "customers",
            Duration::from_secs(60),
        ))
    }

    /// A platform's snapshot of customers with these ids, each with 10 licensed users.
    fn snapshot(platform: &str, ids: &[&str], succeeded_at: Instant) -> Snapshot {
        let label = platform_label(platform);
        let mut licensed = Vec::new();
        for id in ids {
            push_sample_with(
                &mut licensed,
                FAMILIES[0].name,
                &label,
                &[("customer_id", id)],
                10,
            );
        }
        let families = [Samples::encode(licensed), Samples::encode(Vec::new())];
        Snapshot::new(succeeded_at, ids.len(), families)
    }

    fn text(exposition: &Exposition, now: Instant) -> String {
        String::from_utf8(exposition.render(now, Encoding::Identity).to_vec()).unwrap()
    }

    #[test]
    fn platforms_share_one_header_per_family_and_stale_ones_drop_out() {
        let health = Arc::new(ExporterMetrics::new());
        let now = Instant::now();
        let a = slot("a");
        let b = slot("b");
        a.publish(snapshot("a", &["a1"], now));
        b.publish(snapshot("b", &["b1"], now));
        let _ = health.collector("a", "test", &SETTINGS);
        let exposition = Exposition::new(vec![a.clone(), b.clone()], health);

        let text_now = text(&exposition, now);
        assert_eq!(
            text_now.matches("# TYPE test_licensed_users gauge").count(),
            1
        );
        assert!(text_now.contains("test_licensed_users{platform=\"a\","));
        assert!(text_now.contains("test_licensed_users{platform=\"b\","));
        assert!(
            !text_now.contains("# TYPE test_active_users"),
            "no platform has active users, so no empty family header"
        );

        b.publish(snapshot("b", &["b1"], now - Duration::from_secs(61)));
        let text_later = text(&exposition, now);
        assert!(text_later.contains("platform=\"a\",customer_id=\"a1\""));
        assert!(
            !text_later.contains("customer_id=\"b1\""),
            "stale platform dropped"
        );
        assert!(
            text_later.contains("liveplatform_up{collector=\"test\",platform=\"a\"}"),
            "health stays"
        );
    }

    #[test]
    fn gzip_payload_decompresses_to_the_identity_payload() {
        let health = Arc::new(ExporterMetrics::new());
        let now = Instant::now();
        let slot = slot("a");
        let ids: Vec<String> = (0..500).map(|i| format!("c{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        slot.publish(snapshot("a", &ids, now));
        let _ = health.collector("a", "test", &SETTINGS);
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
