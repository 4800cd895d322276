//! gzip responses assembled from pieces compressed ahead of time.
//!
//! A scrape's body is the customer series of every platform, compressed once per poll, plus a
//! small block of live health metrics. Rather than compress per scrape, each piece is kept as an
//! independent raw-deflate segment ending in a sync flush (byte-aligned, not final); segments
//! placed back to back form one valid deflate stream, because none refers back past its own
//! start. The response is then one gzip member: a header, the segments, an empty final block and
//! a trailer whose CRC-32 is combined from the segments' own, without reading their data again.
//! One member, not a concatenation of members, because not every client reads past the first.

use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress};
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

/// Compresses segments one after another with one compressor, reset in between: setting one up
/// costs more than compressing a small segment.
pub struct Deflater(Compress);

impl Default for Deflater {
    /// Level 1 ([`Compression::fast`]), the poll path's: its cost is dominated by compression,
    /// and higher levels buy little on label-heavy text that repeats itself line after line.
    fn default() -> Self {
        Self::with_level(Compression::fast())
    }
}

impl Deflater {
    pub fn with_level(level: Compression) -> Self {
        Self(Compress::new(level, false))
    }

    pub fn segment(&mut self, data: &[u8]) -> Segment {
        let compress = &mut self.0;
        compress.reset();
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
    /// Compresses `data` into a segment.
    pub fn deflate(data: &[u8], level: Compression) -> Segment {
        Deflater::with_level(level).segment(data)
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
#[derive(Debug, Clone)]
pub struct Encoded {
    pub plain: Bytes,
    pub gzip: Segment,
}

impl Encoded {
    pub fn new(text: Vec<u8>, deflater: &mut Deflater) -> Self {
        let plain = Bytes::from(exact(text));
        let gzip = deflater.segment(&plain);
        Self { plain, gzip }
    }
}

/// `buffer` without its spare capacity, which `Bytes` would otherwise keep for as long as the
/// data lives: estimates made before rendering or compressing a block are often generous, and
/// a poll keeps thousands of blocks.
fn exact(mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.shrink_to_fit();
    buffer
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
            &Segment::deflate(&a, Compression::fast()),
            &Segment::deflate(b"", Compression::fast()),
            &Segment::deflate(&b, Compression::best()),
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
