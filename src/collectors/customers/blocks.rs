//! A poll's records cut into blocks that are decoded, rendered and compressed on their own, so
//! that the next poll redoes only the blocks whose bytes changed.
//!
//! Customer lists change slowly: between two polls most records come back byte for byte. A
//! block ends after a record whose checksum has its low bits zero (content-defined cutting, as
//! rsync and backup tools do), so a record that changes, appears or vanishes moves no boundary
//! but its own; every other block is found again, by its bytes, among the previous poll's
//! blocks and reused whole, rendered text and compressed segments included.
//!
//! Each block's text of each family is compressed to follow the end of the block before it
//! (see [`Chained`]): a segment whose text and window are both as they were is reused, and a
//! change makes its own block's segments compressed again, and its successor's where it
//! reached the successor's window.
//!
//! A poll compresses at zlib-rs' fastest level, whose fixed codes make segments about 1.4 times
//! as large, and is published at once; [`Blocks::recompressed`] then compresses those drafts
//! again, at the level that brings the body near `gzip -6`, off the poll's critical path. A
//! poll's cost is then what it was at level 1, and its body is the smaller one a moment later.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
// Tens of thousands of ids are hashed at every poll; the standard SipHash would be a tenth of
// its time.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::collect::directory::{CustomerList, Listed};
use crate::collectors::customers::decode::{self, DecodeError};
use crate::collectors::customers::model::{self, Totals};
use crate::collectors::customers::render::{self, CUSTOMER_FAMILY_COUNT, FAMILY_COUNT};
use crate::exposition::gzip::{self, Chained, Checker, Deflater, Encoded, Segment};
use crate::exposition::recycle::Spare;
use crate::exposition::snapshot::Samples;
use crate::model::SkipReason;

/// A block ends after a record whose CRC-32 has these low bits all zero: 32 records on average,
/// small enough that a change costs little, large enough that a block's compressed segments
/// are not mostly framing.
const BOUNDARY_MASK: u32 = 31;
/// And in any case after this many, so that a long run of records that are no boundary does
/// not make one block of thousands.
const MAX_RECORDS: usize = 128;

/// What one block publishes; shared by every poll that finds the block again.
#[derive(Debug)]
struct Rendered {
    /// Sample lines of each per-customer family.
    texts: [Bytes; CUSTOMER_FAMILY_COUNT],
    /// The customers it publishes, in order, as the platform's customer directory lists them.
    listed: Arc<[Listed]>,
    totals: BTreeMap<i64, Totals>,
    /// Records skipped, in order, duplicates last.
    skipped: Vec<SkipReason>,
    repaired_escapes: usize,
}

impl Rendered {
    /// Decodes and renders `records`, leaving out customers whose id is in `exclude`
    /// (published by an earlier block) or repeats one of the block's own.
    fn new(platform_label: &[u8], records: &[&[u8]], exclude: &HashSet<&str>) -> Self {
        let decoded = decode::decode_records(records, |id| exclude.contains(id));
        let customers = &decoded.customers;
        let texts = render::render(platform_label, customers.iter());
        Self {
            texts: texts.map(gzip::shared),
            listed: customers
                .iter()
                .map(|customer| {
                    let mut labels = Vec::new();
                    render::push_customer_labels(&mut labels, customer);
                    Listed {
                        id: Box::from(customer.id.as_ref()),
                        license_type: customer.license_type,
                        labels: labels.into_boxed_slice(),
                    }
                })
                .collect(),
            totals: model::totals(customers),
            skipped: decoded.skipped,
            repaired_escapes: decoded.repaired_escapes,
        }
    }
}

/// A run of consecutive records.
#[derive(Debug)]
struct Cut {
    /// From the first record's first byte to the last record's last, as the API sent them.
    source: Bytes,
    /// Summarises the records' checksums: where to look for the block among the last poll's.
    key: u64,
    records: Range<usize>,
}

fn cut(body: &Bytes, records: &[&[u8]]) -> Vec<Cut> {
    let offset = |slice: &[u8]| slice.as_ptr() as usize - body.as_ptr() as usize;
    let mut cuts = Vec::with_capacity(records.len() / 16 + 1);
    let mut start = 0;
    let mut key = 0u64;
    for (index, record) in records.iter().enumerate() {
        let crc = zlib_rs::crc32::crc32(0, record);
        key = (key.rotate_left(23) ^ u64::from(crc)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let end = index + 1;
        if crc & BOUNDARY_MASK == 0 || end - start == MAX_RECORDS || end == records.len() {
            let from = offset(records[start]);
            let to = offset(record) + record.len();
            cuts.push(Cut {
                source: body.slice(from..to),
                key,
                records: start..end,
            });
            start = end;
            key = 0;
        }
    }
    cuts
}

#[derive(Debug, Clone)]
struct Block {
    source: Bytes,
    key: u64,
    rendered: Arc<Rendered>,
    /// What the block published, compressed, family by family: its rendered text, or the text
    /// [`unique`] rendered again for the poll.
    compressed: [Chained; CUSTOMER_FAMILY_COUNT],
}

/// A poll's blocks, for the next poll to reuse, and the buffers its families' compressed
/// samples are joined in, for the next poll to recycle. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(super) struct Blocks {
    blocks: Arc<[Block]>,
    spares: [Spare; CUSTOMER_FAMILY_COUNT],
}

impl Blocks {
    /// Whether some segment is still a draft (see [`Blocks::recompressed`]).
    pub(super) fn has_drafts(&self) -> bool {
        self.drafts().next().is_some()
    }

    /// (block, family) of each draft segment.
    fn drafts(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.blocks.iter().enumerate().flat_map(|(index, block)| {
            (0..CUSTOMER_FAMILY_COUNT)
                .filter(move |&family| block.compressed[family].is_draft())
                .map(move |family| (index, family))
        })
    }

    /// These blocks with every draft segment compressed again at the final level, after the
    /// same window, on every core; and each customer family's segments joined anew, to be sent
    /// instead of the poll's. `None` without a draft.
    pub(super) fn recompressed(&self) -> Option<(Blocks, [Segment; CUSTOMER_FAMILY_COUNT])> {
        let drafts: Vec<(usize, usize)> = self.drafts().collect();
        if drafts.is_empty() {
            return None;
        }
        let finals = in_parallel(&drafts, Deflater::default, |&(index, family), deflater| {
            self.blocks[index].compressed[family].recompressed(deflater)
        });
        let mut blocks = self.blocks.to_vec();
        for ((index, family), chained) in drafts.into_iter().zip(finals) {
            blocks[index].compressed[family] = chained;
        }
        let gzip = std::array::from_fn(|family| {
            Segment::concat(
                blocks
                    .iter()
                    .map(|block| &block.compressed[family].encoded.gzip),
                &self.spares[family],
            )
        });
        let blocks = Blocks {
            blocks: blocks.into(),
            spares: self.spares.clone(),
        };
        Some((blocks, gzip))
    }
}

/// Customers that appeared and vanished since the previous successful poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: u64,
    pub removed: u64,
}

/// A response turned into what a poll publishes.
#[derive(Debug)]
pub(super) struct Built {
    /// Indexed like [`render::FAMILIES`].
    pub families: [Samples; FAMILY_COUNT],
    pub customers: usize,
    /// A reason per record skipped: those too short to be a customer first, then the others
    /// block by block, each block's duplicates after its other records.
    pub skipped: Vec<SkipReason>,
    /// `\uXXXX` escapes of unpaired UTF-16 surrogates, published as U+FFFD.
    pub repaired_escapes: usize,
    /// Compared with `last`; `None` without one.
    pub changes: Option<Changes>,
    pub blocks: Blocks,
    /// The customers published, for the platform's customer directory; blocks reused from
    /// `last` share their entries.
    pub listed: CustomerList,
}

/// Decodes and renders the blocks of `body` that are not among `last` (the previous successful
/// poll's), compresses the text that changed or follows a change, on as many threads as there
/// are cores, and puts the poll together.
pub(super) fn build(
    platform: &str,
    body: &Bytes,
    last: Option<&Blocks>,
) -> Result<Built, DecodeError> {
    let mut records = Vec::new();
    let mut too_short = Vec::new();
    decode::for_each_record(body, |record| {
        // A record too short to be a customer is read now, for its skip reason, and takes no
        // part in blocks: a response of millions of `0,` then costs memory in proportion to its
        // size, not tens of bytes per record.
        if record.len() < decode::SHORTEST_CUSTOMER
            && let Err(reason) = decode::decode_record(record).customer
        {
            too_short.push(reason);
            return;
        }
        records.push(record);
    })?;
    let platform_label = crate::exposition::text::platform_label(platform);
    let previous: &[Block] = last.map_or(&[], |last| &last.blocks);
    let spares = last.map(|last| last.spares.clone()).unwrap_or_default();
    let (placed, found_again) = place(&platform_label, &records, cut(body, &records), previous);
    let (published, seen) = unique(&platform_label, &records, &placed);
    let changes = last.map(|_| count_changes(previous, &found_again, &placed, seen));
    let compressed = compress(&published, &placed);

    let mut skipped = too_short;
    skipped.extend(published.iter().flat_map(|block| &block.skipped));
    let customers = published.iter().map(|block| block.listed.len()).sum();
    if customers == 0 && !skipped.is_empty() {
        return Err(DecodeError::NoUsableRecord {
            records: skipped.len(),
        });
    }
    Ok(Built {
        families: families(&platform_label, &published, &compressed, &spares),
        customers,
        skipped,
        repaired_escapes: published.iter().map(|b| b.repaired_escapes).sum(),
        changes,
        blocks: Blocks {
            blocks: placed
                .into_iter()
                .zip(compressed)
                .map(|(placed, compressed)| Block {
                    compressed,
                    ..placed.block
                })
                .collect(),
            spares,
        },
        listed: CustomerList::new(published.iter().map(|block| block.listed.clone())),
    })
}

/// A block of this poll: its records, and whether the last poll had it.
struct Placed {
    block: Block,
    records: Range<usize>,
    reused: bool,
}

/// Each cut as a block: the last poll's with the same bytes where there is one, else rendered
/// now. Also says which of the last poll's blocks were found again.
fn place(
    platform_label: &[u8],
    records: &[&[u8]],
    cuts: Vec<Cut>,
    previous: &[Block],
) -> (Vec<Placed>, Vec<bool>) {
    let by_key: HashMap<u64, usize> = previous
        .iter()
        .enumerate()
        .map(|(index, block)| (block.key, index))
        .collect();
    let mut found_again = vec![false; previous.len()];
    let reused: Vec<Option<&Block>> = cuts
        .iter()
        .map(|cut| {
            let index = *by_key.get(&cut.key)?;
            let block = &previous[index];
            (block.source == cut.source).then(|| {
                found_again[index] = true;
                block
            })
        })
        .collect();
    let fresh: Vec<&Cut> = cuts
        .iter()
        .zip(&reused)
        .filter_map(|(cut, reused)| reused.is_none().then_some(cut))
        .collect();
    let no_exclusions = HashSet::new();
    let mut rendered = in_parallel(
        &fresh,
        || (),
        |cut, ()| {
            let records = &records[cut.records.clone()];
            Rendered::new(platform_label, records, &no_exclusions)
        },
    )
    .into_iter()
    .map(Arc::new);
    let placed = cuts
        .into_iter()
        .zip(reused)
        .map(|(cut, reused)| Placed {
            reused: reused.is_some(),
            block: match reused {
                // Its compressed segments too: they are checked against where they now are.
                Some(block) => Block {
                    source: cut.source,
                    ..block.clone()
                },
                None => Block {
                    source: cut.source,
                    key: cut.key,
                    rendered: rendered.next().expect("a rendering for every fresh block"),
                    compressed: Default::default(),
                },
            },
            records: cut.records,
        })
        .collect();
    (placed, found_again)
}

/// What each block publishes, with ids unique across the whole poll, not only within each
/// block: a block holding an id an earlier block published is rendered again without it, for
/// this poll only. Also every id published, and where.
fn unique<'a>(
    platform_label: &[u8],
    records: &[&[u8]],
    placed: &'a [Placed],
) -> (Vec<Arc<Rendered>>, HashMap<&'a str, Seen>) {
    let mut seen: HashMap<&str, Seen> = HashMap::with_capacity(records.len());
    let mut published = Vec::with_capacity(placed.len());
    for placed in placed {
        let mut clashes = HashSet::new();
        for listed in placed.block.rendered.listed.iter() {
            let id = listed.id.as_ref();
            match seen.entry(id) {
                Entry::Occupied(mut entry) => {
                    entry.get_mut().in_reused |= placed.reused;
                    clashes.insert(id);
                }
                Entry::Vacant(entry) => {
                    entry.insert(Seen {
                        in_reused: placed.reused,
                        counted: false,
                    });
                }
            }
        }
        published.push(if clashes.is_empty() {
            placed.block.rendered.clone()
        } else {
            let records = &records[placed.records.clone()];
            Arc::new(Rendered::new(platform_label, records, &clashes))
        });
    }
    (published, seen)
}

/// Customers that came and went: only the ids of blocks that changed need looking at, since a
/// block found again publishes the same ids as before.
fn count_changes(
    previous: &[Block],
    found_again: &[bool],
    placed: &[Placed],
    mut seen: HashMap<&str, Seen>,
) -> Changes {
    let gone: HashSet<&str> = previous
        .iter()
        .zip(found_again)
        .filter(|(_, found)| !**found)
        .flat_map(|(block, _)| block.rendered.listed.iter().map(|l| l.id.as_ref()))
        .collect();
    let removed = gone.iter().filter(|id| !seen.contains_key(*id)).count();
    let mut added = 0;
    let fresh_ids = placed
        .iter()
        .filter(|placed| !placed.reused)
        .flat_map(|placed| placed.block.rendered.listed.iter().map(|l| &l.id));
    for id in fresh_ids {
        let seen = seen
            .get_mut(id.as_ref())
            .expect("every published id was seen");
        if !seen.in_reused && !seen.counted && !gone.contains(id.as_ref()) {
            added += 1;
        }
        seen.counted = true;
    }
    Changes {
        added: added as u64,
        removed: removed as u64,
    }
}

/// Each published block's text, family by family, compressed to follow the text before it in
/// its family: the segment `placed` holds from the last poll where it is still valid (its text
/// unchanged, and the window before it unchanged or not reached where it changed), compressed
/// anew otherwise, on every core.
fn compress(
    published: &[Arc<Rendered>],
    placed: &[Placed],
) -> Vec<[Chained; CUSTOMER_FAMILY_COUNT]> {
    let mut compressed: Vec<[Chained; CUSTOMER_FAMILY_COUNT]> = Vec::with_capacity(published.len());
    // (block, family, text, window) of each segment to check or compress again.
    let mut stale = Vec::new();
    let mut before: [Bytes; CUSTOMER_FAMILY_COUNT] = Default::default();
    for (index, (rendered, placed)) in published.iter().zip(placed).enumerate() {
        compressed.push(std::array::from_fn(|family| {
            let text = &rendered.texts[family];
            // An empty text publishes nothing: the text before the next one stays as it was.
            if text.is_empty() {
                return Chained::default();
            }
            let window = Chained::window(&before[family]);
            before[family] = text.clone();
            placed.block.compressed[family]
                .reused(text, &window)
                .unwrap_or_else(|| {
                    stale.push((index, family, text.clone(), window));
                    Chained::default()
                })
        }));
    }
    let fresh = in_parallel(
        &stale,
        || (Deflater::draft(), Checker::default()),
        |&(index, family, ref text, ref window), (deflater, checker): &mut (Deflater, Checker)| {
            placed[index].block.compressed[family]
                .rechained(text, window, checker)
                .unwrap_or_else(|| Chained::new(text.clone(), window.clone(), deflater))
        },
    );
    for ((index, family, _, _), chained) in stale.iter().zip(fresh) {
        compressed[*index][*family] = chained;
    }
    compressed
}

/// Every family's samples: the blocks' joined (in buffers from `spares`), and the license type
/// totals rendered now.
fn families(
    platform_label: &[u8],
    published: &[Arc<Rendered>],
    compressed: &[[Chained; CUSTOMER_FAMILY_COUNT]],
    spares: &[Spare; CUSTOMER_FAMILY_COUNT],
) -> [Samples; FAMILY_COUNT] {
    let mut deflater = Deflater::default();
    let totals = model::sum(published.iter().map(|block| &block.totals));
    let by_license_type = render::render_license_types(platform_label, &totals)
        .map(|text| Encoded::new(text, &mut deflater));
    let by_customer: [Samples; CUSTOMER_FAMILY_COUNT] = std::array::from_fn(|family| {
        Samples::join(
            compressed.iter().map(|block| &block[family].encoded),
            &spares[family],
        )
    });
    let mut families = by_customer
        .into_iter()
        .chain(by_license_type.iter().map(Samples::one));
    std::array::from_fn(|_| families.next().expect("one Samples per family"))
}

struct Seen {
    /// Published by a block of the last poll that was found again.
    in_reused: bool,
    /// Already counted as added.
    counted: bool,
}

/// `work` applied to every item, on one thread per core, each with its own `S` made by `state`
/// (a compressor, say: setting one up costs more than compressing a block); results in the
/// order of the items.
/// Threads take the next item as they finish one, so a core that is busy elsewhere (a scrape,
/// another process) slows its own share only: equal shares fixed in advance would make the
/// whole poll wait for the slowest core.
fn in_parallel<T: Sync, S, R: Send>(
    items: &[T],
    state: impl Fn() -> S + Sync,
    work: impl Fn(&T, &mut S) -> R + Sync,
) -> Vec<R> {
    // Not even an `S` for nothing to do: a poll that changed nothing compresses nothing.
    if items.is_empty() {
        return Vec::new();
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let next = AtomicUsize::new(0);
    let pull = || {
        let mut state = state();
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else {
                return done;
            };
            done.push((index, work(item, &mut state)));
        }
    };
    let mut results = std::thread::scope(|scope| {
        let others: Vec<_> = (1..cores.min(items.len()))
            .map(|_| scope.spawn(pull))
            .collect();
        // The calling thread works too.
        let mut results = pull();
        for other in others {
            // A panic in `work` is passed on as it is.
            results.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    });
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::gzip::Member;
    use proptest::prelude::*;
    use std::io::Read;

    const PLATFORM: &str = "p";

    /// What every poll must publish, however many of its blocks were reused: the whole list
    /// decoded at once and rendered in one piece.
    fn reference(body: &[u8]) -> (Vec<Vec<u8>>, Vec<SkipReason>, usize, HashSet<String>) {
        let decoded = decode::decode(body).unwrap();
        let label = crate::exposition::text::platform_label(PLATFORM);
        let by_customer = render::render(&label, decoded.customers.iter());
        let totals = model::totals(&decoded.customers);
        let by_license_type = render::render_license_types(&label, &totals);
        let ids = decoded.customers.iter().map(|c| c.id.to_string()).collect();
        (
            by_customer.into_iter().chain(by_license_type).collect(),
            decoded.skipped,
            decoded.repaired_escapes,
            ids,
        )
    }

    fn plain(built: &Built) -> Vec<Vec<u8>> {
        built
            .families
            .iter()
            .map(|f| f.plain.chunks().concat())
            .collect()
    }

    fn gunzip(built: &Built) -> Vec<u8> {
        let mut member = Member::default();
        let mut gzip = Member::header().to_vec();
        for family in &built.families {
            gzip.extend_from_slice(&member.segment(&family.gzip));
        }
        gzip.extend_from_slice(&member.trailer());
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// `built` as its recompression leaves it: every draft final, its families sending them.
    fn recompressed(mut built: Built) -> Built {
        if let Some((blocks, gzip)) = built.blocks.recompressed() {
            for (family, segment) in gzip.into_iter().enumerate() {
                built.families[family].gzip = segment;
            }
            built.blocks = blocks;
        }
        assert!(!built.blocks.has_drafts());
        built
    }

    fn gzip_len(built: &Built) -> usize {
        let mut member = Member::default();
        built
            .families
            .iter()
            .map(|family| member.segment(&family.gzip).len())
            .sum()
    }

    fn assert_publishes_the_whole_list(built: &Built, body: &[u8]) {
        let (families, skipped, repaired, ids) = reference(body);
        assert_eq!(plain(built), families);
        assert_eq!(gunzip(built), families.concat());
        let by_reason = |skipped: &[SkipReason]| {
            SkipReason::ALL.map(|reason| skipped.iter().filter(|r| **r == reason).count())
        };
        assert_eq!(by_reason(&built.skipped), by_reason(&skipped));
        assert_eq!(built.repaired_escapes, repaired);
        assert_eq!(built.customers, ids.len());
    }

    /// A record of one of 300 ids (so that lists hold duplicates), or one to be skipped.
    fn record() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => (0..300u32, 0..3i64, 0..1000u32).prop_map(|(id, license_type, active)| format!(
                r#"{{"UmpCustomerGuid":"id-{id}","CustomerShortName":"n{id}","LicenseType":{license_type},"ActiveUserCount":{active}}}"#
            )),
            1 => (0..300u32).prop_map(|id| format!(
                r#"{{"UmpCustomerGuid":"id-{id}","CustomerFullName":"half \ud800 pair","LicenseType":1}}"#
            )),
            1 => prop::sample::select(vec![
                "42".to_owned(),
                r#"{"LicenseType":1}"#.to_owned(),
                r#"{"UmpCustomerGuid":"no-type"}"#.to_owned(),
                r#"{"UmpCustomerGuid":"bad","LicenseType":1,"ActiveUserCount":-1}"#.to_owned(),
            ]),
        ]
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Replace(usize, String),
        Insert(usize, String),
        Remove(usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), record()).prop_map(|(at, r)| Edit::Replace(at, r)),
            (any::<usize>(), record()).prop_map(|(at, r)| Edit::Insert(at, r)),
            any::<usize>().prop_map(Edit::Remove),
        ]
    }

    fn apply(records: &mut Vec<String>, edit: Edit) {
        let len = records.len();
        match edit {
            Edit::Replace(at, record) if len > 0 => records[at % len] = record,
            Edit::Insert(at, record) => records.insert(at % (len + 1), record),
            Edit::Remove(at) if len > 0 => {
                records.remove(at % len);
            }
            _ => {}
        }
    }

    fn body(records: &[String]) -> Bytes {
        Bytes::from(format!("[{}]", records.join(",")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever changed from poll to poll (records edited, added, removed, ids repeated
        /// across blocks, blocks reused for several polls, drafts compressed again or not),
        /// reusing the last poll's blocks publishes exactly what decoding the list from
        /// scratch does, before its drafts are compressed again and after, and counts the
        /// customers that came and went.
        #[test]
        fn a_later_poll_publishes_what_a_first_poll_would(
            records in prop::collection::vec(record(), 0..400),
            polls in prop::collection::vec((prop::collection::vec(edit(), 0..8), any::<bool>()), 1..4),
            recompress_first in any::<bool>(),
        ) {
            let first_body = body(&records);
            let Some(mut first) = good_poll(build(PLATFORM, &first_body, None), &first_body) else {
                return Ok(());
            };
            assert_publishes_the_whole_list(&first, &first_body);
            prop_assert_eq!(first.changes, None);
            if recompress_first {
                first = recompressed(first);
                assert_publishes_the_whole_list(&first, &first_body);
            }

            let (mut records, mut last, mut last_body) = (records, first, first_body);
            for (edits, recompress) in polls {
                for edit in edits {
                    apply(&mut records, edit);
                }
                let next_body = body(&records);
                let built = build(PLATFORM, &next_body, Some(&last.blocks));
                // A failed poll leaves the last good one for the next to compare with.
                let Some(mut next) = good_poll(built, &next_body) else {
                    continue;
                };
                assert_publishes_the_whole_list(&next, &next_body);
                if recompress {
                    next = recompressed(next);
                    assert_publishes_the_whole_list(&next, &next_body);
                }

                let (_, _, _, before) = reference(&last_body);
                let (_, _, _, after) = reference(&next_body);
                prop_assert_eq!(
                    next.changes,
                    Some(Changes {
                        added: after.difference(&before).count() as u64,
                        removed: before.difference(&after).count() as u64,
                    })
                );
                (last, last_body) = (next, next_body);
            }
        }
    }

    /// The poll, unless no record of `body` is a usable customer although some exist: then it
    /// must have failed, saying how many records there were.
    fn good_poll(built: Result<Built, DecodeError>, body: &[u8]) -> Option<Built> {
        let (_, skipped, _, ids) = reference(body);
        if ids.is_empty() && !skipped.is_empty() {
            match built {
                Err(DecodeError::NoUsableRecord { records }) => assert_eq!(records, skipped.len()),
                other => panic!("a response of only unusable records gave {other:?}"),
            }
            return None;
        }
        Some(built.unwrap())
    }

    #[test]
    fn a_response_of_only_unusable_records_fails_but_an_empty_one_does_not() {
        let unusable = Bytes::from_static(br#"[[1],[2],{"LicenseType":1},"x",null]"#);
        assert!(matches!(
            build(PLATFORM, &unusable, None),
            Err(DecodeError::NoUsableRecord { records: 5 })
        ));
        let empty = build(PLATFORM, &Bytes::from_static(b"[]"), None).unwrap();
        assert_eq!((empty.customers, empty.skipped.len()), (0, 0));
    }

    fn seed_list(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    r#"{{"UmpCustomerGuid":"customer-{i}","CustomerShortName":"c{i}","LicenseType":{},"LicensedUsersCount":{},"ActiveUserCount":{}}}"#,
                    i % 6,
                    i * 7 % 500,
                    i * 3 % 200
                )
            })
            .collect()
    }

    #[test]
    fn one_changed_record_leaves_all_other_blocks_to_be_reused() {
        let mut records = seed_list(2000);
        let first = build(PLATFORM, &body(&records), None).unwrap();
        records[1000] = records[1000].replace("\"ActiveUserCount\":", "\"ActiveUserCount\":1");
        let next = build(PLATFORM, &body(&records), Some(&first.blocks)).unwrap();

        let chunks = |built: &Built| -> Vec<*const u8> {
            built.families[0]
                .plain
                .chunks()
                .iter()
                .map(|c| c.as_ptr())
                .collect()
        };
        let (before, after) = (chunks(&first), chunks(&next));
        let made_anew = after.iter().filter(|c| !before.contains(c)).count();
        assert!(after.len() > 30, "2000 customers make many blocks");
        assert!(
            (1..=2).contains(&made_anew),
            "{made_anew} of {} blocks rendered again",
            after.len()
        );
        assert_eq!(next.changes, Some(Changes::default()));
    }

    #[test]
    fn one_changed_record_compresses_again_only_its_block_and_the_next() {
        let mut records = seed_list(2000);
        let first = build(PLATFORM, &body(&records), None).unwrap();
        records[1000] = records[1000].replace("\"ActiveUserCount\":", "\"ActiveUserCount\":1");
        let next = build(PLATFORM, &body(&records), Some(&first.blocks)).unwrap();

        let segments = |built: &Built, family: usize| -> Vec<*const u8> {
            let mut member = Member::default();
            built
                .blocks
                .blocks
                .iter()
                .map(|block| &block.compressed[family].encoded.gzip)
                .filter(|segment| !segment.is_empty())
                .map(|segment| member.segment(segment).as_ptr())
                .collect()
        };
        // The list has no LiveHub counts: the last two families are empty.
        for family in 0..3 {
            let (before, after) = (segments(&first, family), segments(&next, family));
            let made_anew = after.iter().filter(|s| !before.contains(s)).count();
            assert!(after.len() > 30, "2000 customers make many blocks");
            assert!(
                (1..=3).contains(&made_anew),
                "family {family}: {made_anew} of {} segments compressed again",
                after.len()
            );
        }
        assert_publishes_the_whole_list(&next, &body(&records));
    }

    #[test]
    fn a_poll_compresses_fast_and_only_its_own_drafts_again_smaller() {
        let mut records = seed_list(2000);
        let draft = build(PLATFORM, &body(&records), None).unwrap();
        let drafts = draft.blocks.drafts().count();
        assert!(drafts > 90, "every segment of a first poll is a draft");
        let draft_len = gzip_len(&draft);
        let first = recompressed(draft);
        assert!(
            gzip_len(&first) * 5 < draft_len * 4,
            "{} bytes after, {draft_len} before",
            gzip_len(&first)
        );

        records[1000] = records[1000].replace("\"ActiveUserCount\":", "\"ActiveUserCount\":1");
        let next = build(PLATFORM, &body(&records), Some(&first.blocks)).unwrap();
        let again = next.blocks.drafts().count();
        assert!(
            (1..=9).contains(&again),
            "{again} of {drafts} segments made anew are drafts, the rest reused final"
        );
        assert_publishes_the_whole_list(&recompressed(next), &body(&records));
    }

    #[test]
    fn records_too_short_to_be_a_customer_take_no_block() {
        let mut records = vec!["0".to_owned(); 100_000];
        records.push(r#"{"LicenseType":1}"#.to_owned());
        records.extend(seed_list(3));
        let built = build(PLATFORM, &body(&records), None).unwrap();
        assert_eq!(built.customers, 3);
        assert_eq!(
            built.blocks.blocks.len(),
            1,
            "only the customers make a block"
        );
        assert_eq!(built.skipped.len(), 100_001);
        assert_eq!(built.skipped[100_000], SkipReason::MissingId);
    }

    #[test]
    fn reused_blocks_point_into_the_new_response_not_the_old_one() {
        let records = seed_list(500);
        let first = build(PLATFORM, &body(&records), None).unwrap();
        let second_body = body(&records);
        let second = build(PLATFORM, &second_body, Some(&first.blocks)).unwrap();
        let range = second_body.as_ptr_range();
        for block in second.blocks.blocks.iter() {
            assert!(
                range.contains(&block.source.as_ptr()),
                "a block would keep an old response alive"
            );
        }
        assert!(Arc::ptr_eq(
            &first.blocks.blocks[0].rendered,
            &second.blocks.blocks[0].rendered
        ));
    }
}
