//! gzip responses assembled from pieces compressed ahead of time.
//!
//! A scrape's body is the customer series of every platform, compressed once per poll, plus a
//! small block of live health metrics. Rather than compress per scrape, each piece is kept as a
//! raw-deflate segment ending in a sync flush (byte-aligned, not final); segments placed back to
//! back form one valid deflate stream. Most segments refer back to nothing before their own
//! start; a [`Chained`] one refers back into a window of the text just before it (a preset
//! dictionary), and is placed only right after that text. The response is then one gzip member:
//! a header, the segments, an empty final block and a trailer whose CRC-32 is combined from the
//! segments' own, without reading their data again. One member, not a concatenation of members,
//! because not every client reads past the first; and a preset dictionary can only work within
//! one member, whose decoder keeps the text already decoded as its window.

use bytes::Bytes;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use zlib_rs::crc32::{crc32, crc32_combine_gen, crc32_combine_op};

use crate::exposition::recycle::Spare;

/// A piece of a deflate stream with what the gzip trailer needs to know about its input.
#[derive(Debug, Clone, Default)]
pub struct Segment {
    data: Bytes,
    checksum: Checksum,
}

/// CRC-32 and length of some uncompressed data. Two combine into those of the data back to
/// back without reading it again (zlib's `crc32_combine`): a poll joins thousands of segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checksum {
    crc: u32,
    len: u64,
    /// zlib's combine operator for `len` bytes (x^(8·len) modulo the CRC polynomial), kept so
    /// that appending costs one multiplication rather than one per bit of the length.
    shift: u32,
}

impl Default for Checksum {
    fn default() -> Self {
        Self {
            crc: 0,
            len: 0,
            shift: crc32_combine_gen(0),
        }
    }
}

impl Checksum {
    fn of(data: &[u8]) -> Self {
        let len = data.len() as u64;
        Self {
            crc: crc32(0, data),
            len,
            shift: crc32_combine_gen(len),
        }
    }

    fn append(&mut self, next: Checksum) {
        self.crc = crc32_combine_op(self.crc, next.crc, next.shift);
        // The operators multiply like the powers of x they are: combining a CRC of 0 with
        // operator `a` yields a times it.
        self.shift = crc32_combine_op(self.shift, 0, next.shift);
        // gzip keeps the length modulo 2^32 anyway; wrapping is only reached past 16 EiB.
        self.len = self.len.wrapping_add(next.len);
    }
}

/// gzip header: magic, deflate, no flags, no modification time, no extra flags, OS unknown.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];
const MAX_STORED_BLOCK: usize = u16::MAX as usize;

/// zlib-rs' level 2, its fastest with Huffman codes made for the data. Level 1 always uses the
/// fixed codes of the deflate format, which spend 8 or 9 bits on every literal: the random hex
/// digits of customer ids, most of what is left once the repeated label text has become
/// back-references, then cost twice what codes fitted to them do (a body 1.8 times `gzip -6`).
/// Level 2 takes 1.5 to 1.7 times level 1's time; higher levels compress a little better
/// still, but slower again (docs/performance.md).
const LEVEL: u32 = 2;
/// zlib-rs' fastest level, for a [`Deflater::draft`]: text published at once and compressed
/// again at [`LEVEL`] off the poll's critical path (see [`Chained::recompressed`]).
const DRAFT_LEVEL: u32 = 1;

/// How much of the text before a [`Chained`] segment it may refer back to. Each sample line
/// repeats most of the line before it (metric and label names, the platform, often a name a few
/// lines up), so a few kilobytes give a segment almost all that the format's whole 32 KiB window
/// would, while a change in the text before it reaches its window, and makes it compressed
/// again, less often.
pub(crate) const WINDOW: usize = 4096;

/// Compresses segments one after another with one compressor, reset in between: setting one up
/// costs more than compressing a small segment.
pub struct Deflater {
    compress: Compress,
    draft: bool,
}

impl Default for Deflater {
    fn default() -> Self {
        Self {
            compress: Compress::new(Compression::new(LEVEL), false),
            draft: false,
        }
    }
}

impl Deflater {
    /// One at [`DRAFT_LEVEL`]: about two thirds of the time, for segments about 1.4 times as
    /// large, whose [`Chained`] segments say they are drafts.
    pub(crate) fn draft() -> Self {
        Self {
            compress: Compress::new(Compression::new(DRAFT_LEVEL), false),
            draft: true,
        }
    }

    /// `data` compressed to refer back to nothing before it: it may follow anything.
    pub fn segment(&mut self, data: &[u8]) -> Segment {
        self.segment_after(&[], data)
    }

    /// `data` compressed to refer back into `window` (at most 32 KiB): valid only where the
    /// stream's text so far ends with `window`.
    fn segment_after(&mut self, window: &[u8], data: &[u8]) -> Segment {
        let compress = &mut self.compress;
        compress.reset();
        if !window.is_empty() {
            // A raw stream's dictionary is only primed into the window, never written out; zlib
            // refuses only one over 32 KiB or one set mid-stream.
            compress
                .set_dictionary(window)
                .expect("a window of at most 32 KiB set on a fresh stream");
        }
        let mut out = Vec::with_capacity(data.len() / 4 + 64);
        loop {
            let consumed = usize::try_from(compress.total_in()).unwrap_or(usize::MAX);
            // Raw deflate into a Vec with room: the only errors are API misuse.
            compress
                .compress_vec(&data[consumed..], &mut out, FlushCompress::Sync)
                .expect("deflating into a Vec does not fail");
            // The flush is complete once all input is taken and output space was left over.
            if compress.total_in() == data.len() as u64 && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity().max(4096));
        }
        Segment {
            data: Bytes::from(exact(out)),
            checksum: Checksum::of(data),
        }
    }
}

impl Segment {
    /// Compresses `data` into a segment, as a poll does, with a compressor of its own.
    pub fn deflate(data: &[u8]) -> Segment {
        Deflater::default().segment(data)
    }

    /// One segment holding `parts` back to back, copied into one buffer (taken from `spare`):
    /// a scrape then sends a family's samples as one chunk, which HTTP serves several times
    /// faster than thousands of small ones (one per block of the poll).
    pub fn concat<'a>(parts: impl Iterator<Item = &'a Segment> + Clone, spare: &Spare) -> Segment {
        let mut data = spare.take(parts.clone().map(|part| part.data.len()).sum());
        let mut checksum = Checksum::default();
        for part in parts.filter(|part| !part.is_empty()) {
            data.extend_from_slice(&part.data);
            checksum.append(part.checksum);
        }
        Segment {
            data: spare.share(data),
            checksum,
        }
    }

    /// Wraps `data` in stored (uncompressed) blocks: framing and a checksum, no compression
    /// work, for the small block that changes at every scrape.
    pub fn stored(data: &[u8]) -> Segment {
        let blocks = data.len().div_ceil(MAX_STORED_BLOCK).max(1);
        let mut out = Vec::with_capacity(data.len() + 5 * blocks);
        for block in data.chunks(MAX_STORED_BLOCK) {
            let len = block.len() as u16;
            out.push(0); // BFINAL=0, BTYPE=00 (stored), padded to the byte boundary
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(block);
        }
        Segment {
            data: Bytes::from(out),
            checksum: Checksum::of(data),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.checksum.len == 0
    }
}

/// Text kept in both encodings a scraper may ask for.
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    pub plain: Bytes,
    pub gzip: Segment,
}

impl Encoded {
    pub fn new(text: Vec<u8>, deflater: &mut Deflater) -> Self {
        let plain = shared(text);
        let gzip = deflater.segment(&plain);
        Self { plain, gzip }
    }
}

/// `text` as shared bytes, without its spare capacity, which `Bytes` would otherwise keep for
/// as long as the data lives: estimates made before rendering or compressing a block are often
/// generous, and a poll keeps thousands of blocks.
pub(crate) fn shared(text: Vec<u8>) -> Bytes {
    Bytes::from(exact(text))
}

fn exact(mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.shrink_to_fit();
    buffer
}

/// Text compressed to follow a window of the text before it, so that its first lines refer
/// back to the lines before them as the rest do: one of a run of pieces that a family's samples
/// are joined from. The window is kept (shared with the text it is the end of, not copied) so
/// that a later poll can tell whether the segment is still valid where it is placed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chained {
    pub encoded: Encoded,
    window: Bytes,
    /// Compressed by a [`Deflater::draft`]: to be compressed again, at leisure.
    draft: bool,
}

impl Chained {
    /// What text placed right after `before` is compressed against: its last [`WINDOW`] bytes.
    pub(crate) fn window(before: &Bytes) -> Bytes {
        before.slice(before.len().saturating_sub(WINDOW)..)
    }

    /// `text` compressed to follow `window` (see [`Chained::window`]).
    pub(crate) fn new(text: Bytes, window: Bytes, deflater: &mut Deflater) -> Self {
        let gzip = deflater.segment_after(&window, &text);
        Self {
            encoded: Encoded { plain: text, gzip },
            window,
            draft: deflater.draft,
        }
    }

    /// Whether a [`Deflater::draft`] made it.
    pub(crate) fn is_draft(&self) -> bool {
        self.draft
    }

    /// The same text compressed again after the same window, by `deflater`: a draft made final
    /// where it is, since the text before it is the same.
    pub(crate) fn recompressed(&self, deflater: &mut Deflater) -> Self {
        Self::new(self.encoded.plain.clone(), self.window.clone(), deflater)
    }

    /// This segment as `text` following `window`, if it decompresses to exactly that there:
    /// when both hold the same bytes as those it was made from. Blocks a poll reuses share
    /// their buffers, so the addresses settle most cases; the bytes are compared otherwise. The
    /// result holds the new buffers, so that the old ones are not kept alive for it.
    pub(crate) fn reused(&self, text: &Bytes, window: &Bytes) -> Option<Self> {
        (same(&self.encoded.plain, text) && same(&self.window, window)).then(|| Self {
            encoded: Encoded {
                plain: text.clone(),
                gzip: self.encoded.gzip.clone(),
            },
            window: window.clone(),
            draft: self.draft,
        })
    }

    /// This segment as `text` following `window`, a window other than the one it was made
    /// after, if it decompresses to exactly `text` there. A change in the text before a
    /// segment usually alters bytes none of its back-references reach (a count, where they
    /// reach the label text around it), and decompressing to check is several times cheaper
    /// than compressing again.
    pub(crate) fn rechained(
        &self,
        text: &Bytes,
        window: &Bytes,
        checker: &mut Checker,
    ) -> Option<Self> {
        if !same(&self.encoded.plain, text) {
            return None;
        }
        let decoded = checker.decode(window, &self.encoded.gzip.data, text.len())?;
        (decoded == text.as_ref()).then(|| Self {
            encoded: Encoded {
                plain: text.clone(),
                gzip: self.encoded.gzip.clone(),
            },
            window: window.clone(),
            draft: self.draft,
        })
    }
}

/// Decompresses segments one after another with one decompressor, reset in between, to check
/// what they decode to.
pub(crate) struct Checker {
    inflate: Decompress,
    out: Vec<u8>,
}

impl Default for Checker {
    fn default() -> Self {
        Self {
            inflate: Decompress::new(false),
            out: Vec::new(),
        }
    }
}

impl Checker {
    /// What `segment` decodes to after `window`, if it is a valid segment there that decodes to
    /// at most `len` bytes: one that refers back past the window, or holds more, is not.
    fn decode(&mut self, window: &[u8], segment: &[u8], len: usize) -> Option<&[u8]> {
        self.inflate.reset(false);
        if !window.is_empty() {
            self.inflate.set_dictionary(window).ok()?;
        }
        self.out.clear();
        // One byte more than expected, to tell a segment that holds more from one that does not.
        self.out.reserve(len.saturating_add(1));
        self.inflate
            .decompress_vec(segment, &mut self.out, FlushDecompress::Sync)
            .ok()?;
        let consumed = usize::try_from(self.inflate.total_in()).ok()?;
        (consumed == segment.len() && self.out.len() <= len).then_some(&self.out[..])
    }
}

fn same(a: &Bytes, b: &Bytes) -> bool {
    a.len() == b.len() && (a.as_ptr() == b.as_ptr() || a == b)
}

/// Frames segments as one gzip member: the caller sends [`Member::header`], then the data each
/// call hands back, in order, then the trailer.
#[derive(Debug, Default)]
pub(crate) struct Member {
    checksum: Checksum,
}

impl Member {
    pub(crate) fn header() -> Bytes {
        Bytes::from_static(&HEADER)
    }

    /// The segment's data, by reference count, not by copy.
    pub(crate) fn segment(&mut self, segment: &Segment) -> Bytes {
        self.checksum.append(segment.checksum);
        segment.data.clone()
    }

    /// The empty final block, the CRC-32 and the length of everything handed out.
    pub(crate) fn trailer(self) -> Bytes {
        let Checksum { crc, len, .. } = self.checksum;
        let mut trailer = Vec::with_capacity(FINAL_BLOCK.len() + 8);
        trailer.extend_from_slice(&FINAL_BLOCK);
        trailer.extend_from_slice(&crc.to_le_bytes());
        // ISIZE is the input length modulo 2^32, as RFC 1952 defines it.
        trailer.extend_from_slice(&(len as u32).to_le_bytes());
        Bytes::from(trailer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// One member of these segments, as a scrape would send it.
    fn member(segments: &[&Segment]) -> Vec<Bytes> {
        let mut member = Member::default();
        let mut chunks = vec![Member::header()];
        chunks.extend(segments.iter().map(|s| member.segment(s)));
        chunks.push(member.trailer());
        chunks
    }

    fn gunzip(chunks: &[Bytes]) -> Vec<u8> {
        let body = chunks.concat();
        let mut out = Vec::new();
        // GzDecoder reads exactly one member and verifies its CRC and length.
        let mut decoder = flate2::read::GzDecoder::new(&body[..]);
        decoder.read_to_end(&mut out).unwrap();
        let mut rest = Vec::new();
        decoder.into_inner().read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "one member, nothing after it");
        out
    }

    #[test]
    fn deflated_and_stored_segments_form_one_valid_member() {
        let a = b"# HELP x An example.\n# TYPE x gauge\n".repeat(3);
        let b: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let c = "live health block é\n".repeat(5000);
        let chunks = member(&[
            &Segment::deflate(&a),
            &Segment::deflate(b""),
            &Segment::deflate(&b),
            &Segment::stored(c.as_bytes()),
        ]);
        let expected = [a.as_slice(), b.as_slice(), c.as_bytes()].concat();
        assert_eq!(gunzip(&chunks), expected);
    }

    #[test]
    fn concatenated_segments_form_one_valid_member_with_others() {
        let texts: Vec<Vec<u8>> = (0..50)
            .map(|i| format!("line {i} é\n").repeat(i * 37).into_bytes())
            .collect();
        let mut deflater = Deflater::default();
        let parts: Vec<Segment> = texts.iter().map(|t| deflater.segment(t)).collect();
        let joined = Segment::concat(parts.iter(), &Spare::default());
        let header = Segment::stored(b"# header\n");
        assert_eq!(
            gunzip(&member(&[&header, &joined])),
            [b"# header\n".to_vec(), texts.concat()].concat()
        );
    }

    /// Sample-like lines: a few shapes and names, repeated, with numbers between.
    fn text(lines: &[(u8, u16)]) -> Bytes {
        const NAMES: [&str; 4] = ["a", "Müller-GmbH", "名前テスト", "Back\\slash"];
        let text: String = lines
            .iter()
            .map(|(name, value)| {
                let name = NAMES[usize::from(*name) % NAMES.len()];
                format!("metric{{platform=\"p\",customer_name=\"{name}\"}} {value}\n")
            })
            .collect();
        Bytes::from(text)
    }

    /// `pieces` compressed one after another, each following the one before (or nothing).
    fn chain(pieces: &[Bytes], deflater: &mut Deflater) -> Vec<Chained> {
        let mut before = Bytes::new();
        pieces
            .iter()
            .map(|piece| {
                let window = Chained::window(&before);
                before = piece.clone();
                Chained::new(piece.clone(), window, deflater)
            })
            .collect()
    }

    /// Every member of `body`, decoded strictly: each must be valid on its own, as decoders
    /// that read a member at a time (Go's) require.
    fn members(body: &[u8]) -> Vec<Vec<u8>> {
        let mut rest = body;
        let mut members = Vec::new();
        while !rest.is_empty() {
            let mut decoder = flate2::bufread::GzDecoder::new(rest);
            let mut out = Vec::new();
            decoder.read_to_end(&mut out).unwrap();
            members.push(out);
            rest = decoder.into_inner();
        }
        members
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// However the text is cut, and however long each piece (empty, shorter or longer than
        /// the window), pieces chained one after another form one member that decodes to
        /// exactly the text: no back-reference reaches past what the decoder has.
        #[test]
        fn chained_pieces_form_one_valid_member(
            pieces in proptest::collection::vec(
                proptest::collection::vec((0..4u8, 0..2000u16), 0..300),
                0..12,
            ),
        ) {
            let pieces: Vec<Bytes> = pieces.iter().map(|lines| text(lines)).collect();
            let chained = chain(&pieces, &mut Deflater::default());
            let joined = Segment::concat(
                chained.iter().filter(|c| !c.encoded.plain.is_empty()).map(|c| &c.encoded.gzip),
                &Spare::default(),
            );
            let header = Segment::stored(b"# header\n");
            let body = member(&[&header, &joined]).concat();
            proptest::prop_assert_eq!(
                members(&body),
                vec![[b"# header\n".to_vec(), pieces.concat()].concat()]
            );
        }
    }

    #[test]
    fn a_chained_segment_refers_back_into_its_window() {
        // The last lines of the text before, again: all in the window.
        let lines: Vec<(u8, u16)> = (0..200).map(|i| (i as u8, i * 7)).collect();
        let (first, second) = (text(&lines), text(&lines[190..]));
        let window = Chained::window(&first);
        assert_eq!(window.len(), WINDOW);
        let mut deflater = Deflater::default();
        let chained = Chained::new(second.clone(), window, &mut deflater);
        let alone = deflater.segment(&second);
        assert!(
            chained.encoded.gzip.data.len() < alone.data.len() / 2,
            "{} bytes chained, {} alone",
            chained.encoded.gzip.data.len(),
            alone.data.len()
        );
    }

    #[test]
    fn a_chained_segment_is_reused_only_with_the_same_text_after_the_same_window() {
        let lines: Vec<(u8, u16)> = (0..300).map(|i| (i as u8, i)).collect();
        let (before, text) = (text(&lines[..200]), text(&lines[200..]));
        let window = Chained::window(&before);
        let chained = Chained::new(text.clone(), window.clone(), &mut Deflater::default());

        let copy = |bytes: &Bytes| Bytes::from(bytes.to_vec());
        let reused = chained.reused(&copy(&text), &copy(&window)).unwrap();
        assert_eq!(reused.encoded.gzip.data, chained.encoded.gzip.data);
        assert_ne!(
            reused.window.as_ptr(),
            window.as_ptr(),
            "holds the new window's buffer, not the old one"
        );

        let mut changed = window.to_vec();
        changed[WINDOW - 10] ^= 1;
        assert!(chained.reused(&text, &Bytes::from(changed)).is_none());
        assert!(chained.reused(&text, &window.slice(1..)).is_none());
        assert!(chained.reused(&text.slice(1..), &window).is_none());
    }

    #[test]
    fn a_chained_segment_is_kept_after_another_window_only_if_it_decodes_the_same_there() {
        let lines: Vec<(u8, u16)> = (0..300).map(|i| (i as u8, i)).collect();
        let (before, text) = (text(&lines[..200]), text(&lines[200..]));
        let window = Chained::window(&before);
        let chained = Chained::new(text.clone(), window.clone(), &mut Deflater::default());
        let mut checker = Checker::default();

        // A count at the start of the window: a literal no back-reference reaches.
        let mut count_changed = window.to_vec();
        let at = count_changed
            .iter()
            .position(|b| b.is_ascii_digit())
            .unwrap();
        count_changed[at] = if count_changed[at] == b'9' {
            b'8'
        } else {
            b'9'
        };
        let kept = chained
            .rechained(&text, &Bytes::from(count_changed), &mut checker)
            .expect("no back-reference reaches the changed count");
        assert_eq!(kept.encoded.gzip.data, chained.encoded.gzip.data);
        let body = member(&[&Segment::stored(&kept.window), &kept.encoded.gzip]).concat();
        assert_eq!(members(&body), vec![[kept.window.as_ref(), &text].concat()]);

        // The label text every line refers back to, changed: the segment decodes otherwise.
        let renamed = String::from_utf8(window.to_vec())
            .unwrap()
            .replace("platform=\"p\"", "platform=\"q\"");
        assert!(
            chained
                .rechained(&text, &Bytes::from(renamed), &mut checker)
                .is_none()
        );
        // A window shorter than the one it refers back into: too far back.
        assert!(
            chained
                .rechained(&text, &window.slice(WINDOW / 2..), &mut checker)
                .is_none()
        );
        assert!(
            chained
                .rechained(&text.slice(1..), &window, &mut checker)
                .is_none()
        );
    }

    #[test]
    fn checksums_combine_into_the_checksum_of_the_data_back_to_back() {
        let data: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for split in [0, 1, 2, 7, 8, 255, 4096, 65_535, 69_999, 70_000] {
            let mut checksum = Checksum::of(&data[..split]);
            checksum.append(Checksum::of(&data[split..]));
            assert_eq!(checksum, Checksum::of(&data), "split at {split}");
        }
    }

    #[test]
    fn an_empty_body_is_a_valid_member() {
        assert_eq!(gunzip(&member(&[&Segment::stored(b"")])), b"");
    }

    #[test]
    fn stored_blocks_split_at_the_format_limit() {
        let data = vec![b'x'; 2 * MAX_STORED_BLOCK + 1];
        let segment = Segment::stored(&data);
        assert_eq!(segment.data.len(), data.len() + 3 * 5);
        assert_eq!(gunzip(&member(&[&segment])), data);
    }
}
