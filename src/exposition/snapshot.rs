//! The last good run of each collector of each platform, published as an immutable, already
//! rendered snapshot.
//!
//! A run builds a whole new [`Snapshot`] and swaps it in with one pointer store, so a scrape
//! sees either the previous poll or the new one, never a mix. A snapshot's data never changes;
//! its compressed form may be swapped, as a whole and once more with one pointer store, for a
//! smaller one of the very same text (see [`Snapshot::replace_gzip`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use crate::exposition::gzip::{Deflater, Encoded, Segment};
use crate::exposition::recycle::Spare;
use crate::exposition::text::Family;
use crate::sync;

/// One family's samples of one platform, in both encodings: the text as the chunks it was
/// rendered in, block by block (shared, never copied again), and its compressed segments
/// joined into one.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub plain: Text,
    pub gzip: Segment,
}

/// Text kept as the chunks it was rendered in, with their total length, which a scrape needs
/// and should not add up again.
#[derive(Debug, Clone, Default)]
pub struct Text {
    chunks: Arc<[Bytes]>,
    len: usize,
}

impl Text {
    pub fn chunks(&self) -> &Arc<[Bytes]> {
        &self.chunks
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Samples {
    /// A family's samples from its parts, in order; the compressed ones are copied into one
    /// buffer taken from the family's `spare`.
    pub fn join<'a>(parts: impl Iterator<Item = &'a Encoded> + Clone, spare: &Spare) -> Self {
        let chunks: Arc<[Bytes]> = parts
            .clone()
            .map(|part| part.plain.clone())
            .filter(|plain| !plain.is_empty())
            .collect();
        Self {
            plain: Text {
                len: chunks.iter().map(Bytes::len).sum(),
                chunks,
            },
            gzip: Segment::concat(parts.map(|part| &part.gzip), spare),
        }
    }

    /// A family's samples in one part: shared, not copied.
    pub fn one(encoded: &Encoded) -> Self {
        Self {
            plain: Text {
                len: encoded.plain.len(),
                chunks: if encoded.plain.is_empty() {
                    Arc::new([])
                } else {
                    Arc::new([encoded.plain.clone()])
                },
            },
            gzip: encoded.gzip.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.gzip.is_empty()
    }

    /// A small family's lines, compressed on their own.
    pub fn encode(text: Vec<u8>) -> Self {
        Self::one(&Encoded::new(text, &mut Deflater::default()))
    }
}

/// What one successful run of a collector publishes: its families' samples, in the order of
/// the collector's [`Family`] list.
#[derive(Debug)]
pub struct Snapshot {
    pub succeeded_at: Instant,
    /// How many things (customers, ...) the run found: for the landing page and the log.
    pub items: usize,
    families: RwLock<Arc<[Samples]>>,
}

impl Snapshot {
    pub fn new(succeeded_at: Instant, items: usize, families: impl Into<Arc<[Samples]>>) -> Self {
        Self {
            succeeded_at,
            items,
            families: RwLock::new(families.into()),
        }
    }

    /// The same data, as of a later successful run that returned the very same response.
    pub fn renewed(&self, succeeded_at: Instant) -> Self {
        Self::new(succeeded_at, self.items, self.families())
    }

    /// Samples of each family, in the order of the collector's family list. A scrape takes
    /// them once: whatever it sends of them is then of one compressed form.
    pub fn families(&self) -> Arc<[Samples]> {
        sync::read(&self.families).clone()
    }

    /// Sends, from now on, `gzip` as the compressed samples of the family at each index: the
    /// same text compressed otherwise (a poll's fast segments compressed again, smaller),
    /// which only the caller can vouch for. Scrapes under way keep the form they took.
    pub fn replace_gzip(&self, gzip: impl IntoIterator<Item = (usize, Segment)>) {
        let mut families = self.families().to_vec();
        for (index, segment) in gzip {
            families[index].gzip = segment;
        }
        *sync::write(&self.families) = families.into();
    }
}

/// Where one collector of one platform publishes and scrapes read.
#[derive(Debug)]
pub struct Slot {
    pub platform: String,
    pub collector: &'static str,
    /// What the collector publishes, in order; the exposition writes their headers.
    pub families: &'static [Family],
    /// What the landing page calls the items a run finds ("customers").
    pub items: &'static str,
    pub stale_after: Duration,
    /// Whether `/-/ready` waits for this collector's first successful run: the customer list's,
    /// which every platform needs; a per-customer collector's first run can take many minutes.
    pub gates_readiness: bool,
    latest: RwLock<Option<Arc<Snapshot>>>,
    /// Set when a run crashed, until a run succeeds: the collector is restarting, not polling.
    crashed: AtomicBool,
}

impl Slot {
    pub fn new(
        platform: impl Into<String>,
        collector: &'static str,
        families: &'static [Family],
        items: &'static str,
        stale_after: Duration,
    ) -> Self {
        Self {
            platform: platform.into(),
            collector,
            families,
            items,
            stale_after,
            gates_readiness: false,
            latest: RwLock::new(None),
            crashed: AtomicBool::new(false),
        }
    }

    /// Records whether the collector's last run crashed (see [`Slot::crashed`]).
    pub fn set_crashed(&self, crashed: bool) {
        self.crashed.store(crashed, Ordering::Relaxed);
    }

    /// True from a crashed run until the next successful one.
    pub fn crashed(&self) -> bool {
        self.crashed.load(Ordering::Relaxed)
    }

    pub fn publish(&self, snapshot: impl Into<Arc<Snapshot>>) {
        *sync::write(&self.latest) = Some(snapshot.into());
    }

    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        sync::read(&self.latest).clone()
    }

    /// The snapshot, unless its run is older than `stale_after`: old data is worse than none,
    /// because it looks current on a dashboard.
    pub fn fresh(&self, now: Instant) -> Option<Arc<Snapshot>> {
        self.latest()
            .filter(|s| now.saturating_duration_since(s.succeeded_at) <= self.stale_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::gzip::Member;

    fn empty(succeeded_at: Instant) -> Snapshot {
        Snapshot::new(succeeded_at, 0, Vec::new())
    }

    fn slot() -> Slot {
        Slot::new(
            "prod",
            "customers",
            &[],
            "customers",
            Duration::from_secs(60),
        )
    }

    #[test]
    fn a_snapshot_goes_stale_after_the_configured_age() {
        let slot = slot();
        let start = Instant::now();
        assert!(slot.fresh(start).is_none(), "nothing published yet");
        slot.publish(empty(start));
        assert!(slot.fresh(start + Duration::from_secs(60)).is_some());
        assert!(slot.fresh(start + Duration::from_secs(61)).is_none());
        assert!(slot.latest().is_some(), "stale data is hidden, not lost");
    }

    #[test]
    fn a_replaced_gzip_form_is_sent_from_then_on_and_scrapes_under_way_keep_theirs() {
        let bytes = |segment: &Segment| Member::default().segment(segment);
        let samples =
            |text: &[u8]| Samples::one(&Encoded::new(text.to_vec(), &mut Deflater::draft()));
        let snapshot = Snapshot::new(
            Instant::now(),
            2,
            vec![samples(b"a 1\n"), samples(b"b 2\n")],
        );
        let under_way = snapshot.families();
        // Another encoding of the same text.
        let other = Segment::stored(b"b 2\n");
        snapshot.replace_gzip([(1, other.clone())]);

        let now = snapshot.families();
        assert_eq!(bytes(&now[1].gzip), bytes(&other));
        assert_ne!(bytes(&under_way[1].gzip), bytes(&other));
        assert_eq!(
            bytes(&now[0].gzip),
            bytes(&under_way[0].gzip),
            "only the family named"
        );
        assert_eq!(now[1].plain.chunks(), under_way[1].plain.chunks());
        let renewed = snapshot.renewed(Instant::now());
        assert_eq!(bytes(&renewed.families()[1].gzip), bytes(&other));
    }

    #[test]
    fn publishing_replaces_the_whole_snapshot() {
        let slot = slot();
        let now = Instant::now();
        slot.publish(empty(now));
        let before = slot.latest().unwrap();
        slot.publish(empty(now));
        let after = slot.latest().unwrap();
        assert!(!Arc::ptr_eq(&before, &after));
        assert_eq!(before.items, 0, "a reader keeps the snapshot it took");
    }
}
