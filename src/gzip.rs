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

/// A piece of a deflate stream with what the gzip trailer needs to know about its input.
#[derive(Debug, Clone, Default)]
pub struct Segment {
    data: Bytes,
    crc: u32,
    len: u64,
}

/// gzip header: magic, deflate, no flags, no modification time, no extra flags, OS unknown.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];
const MAX_STORED_BLOCK: usize = u16::MAX as usize;

/// Compresses segments one after another with one compressor, reset in between: setting one up
/// costs more than compressing a small segment.
pub struct Deflater(Compress);

impl Deflater {
    /// Level 1 ([`Compression::fast`]) for the poll path: its cost is dominated by compression,
    /// and higher levels buy little on label-heavy text that repeats itself line after line.
    pub fn new(level: Compression) -> Self {
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
            data: Bytes::from(out),
            crc: crc32fast::hash(data),
            len: data.len() as u64,
        }
    }
}

impl Segment {
    /// Compresses `data` into a segment.
    pub fn deflate(data: &[u8], level: Compression) -> Segment {
        Deflater::new(level).segment(data)
    }

    /// One segment holding `parts` back to back, copied into one buffer: a family's samples
    /// joined from the blocks a poll compressed (or reused) separately.
    pub fn concat<'a>(parts: impl Iterator<Item = &'a Segment> + Clone) -> Segment {
        let mut data = Vec::with_capacity(parts.clone().map(|part| part.data.len()).sum());
        let mut crc = crc32fast::Hasher::new();
        for part in parts.filter(|part| !part.is_empty()) {
            data.extend_from_slice(&part.data);
            crc.combine(&part.hasher());
        }
        Segment {
            data: Bytes::from(data),
            len: crc.total_len(),
            crc: crc.finalize(),
        }
    }

    fn hasher(&self) -> crc32fast::Hasher {
        crc32fast::Hasher::new_with_initial_len(self.crc, self.len)
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
            crc: crc32fast::hash(data),
            len: data.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Text kept in both encodings a scraper may ask for.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub plain: Bytes,
    pub gzip: Segment,
}

impl Encoded {
    pub fn new(text: impl Into<Bytes>, deflater: &mut Deflater) -> Self {
        let plain = text.into();
        let gzip = deflater.segment(&plain);
        Self { plain, gzip }
    }
}

/// Collects segments into the chunks of one gzip member.
pub struct GzipBuilder {
    chunks: Vec<Bytes>,
    crc: crc32fast::Hasher,
}

impl GzipBuilder {
    pub fn with_capacity(segments: usize) -> Self {
        let mut chunks = Vec::with_capacity(segments + 2);
        chunks.push(Bytes::from_static(&HEADER));
        Self {
            chunks,
            crc: crc32fast::Hasher::new(),
        }
    }

    /// Appends a segment by reference count, not by copy.
    pub fn push(&mut self, segment: &Segment) {
        if segment.is_empty() {
            return;
        }
        self.crc.combine(&segment.hasher());
        self.chunks.push(segment.data.clone());
    }

    pub fn finish(mut self) -> Vec<Bytes> {
        let len = self.crc.total_len();
        let crc = self.crc.finalize();
        let mut trailer = Vec::with_capacity(FINAL_BLOCK.len() + 8);
        trailer.extend_from_slice(&FINAL_BLOCK);
        trailer.extend_from_slice(&crc.to_le_bytes());
        // ISIZE is the input length modulo 2^32, as RFC 1952 defines it.
        trailer.extend_from_slice(&(len as u32).to_le_bytes());
        self.chunks.push(Bytes::from(trailer));
        self.chunks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(chunks: &[Bytes]) -> Vec<u8> {
        let body: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
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
        let mut builder = GzipBuilder::with_capacity(4);
        builder.push(&Segment::deflate(&a, Compression::fast()));
        builder.push(&Segment::deflate(b"", Compression::fast()));
        builder.push(&Segment::deflate(&b, Compression::best()));
        builder.push(&Segment::stored(c.as_bytes()));
        let expected = [a.as_slice(), b.as_slice(), c.as_bytes()].concat();
        assert_eq!(gunzip(&builder.finish()), expected);
    }

    #[test]
    fn an_empty_body_is_a_valid_member() {
        let mut builder = GzipBuilder::with_capacity(1);
        builder.push(&Segment::stored(b""));
        assert_eq!(gunzip(&builder.finish()), b"");
    }

    #[test]
    fn stored_blocks_split_at_the_format_limit() {
        let data = vec![b'x'; 2 * MAX_STORED_BLOCK + 1];
        let segment = Segment::stored(&data);
        assert_eq!(segment.data.len(), data.len() + 3 * 5);
        let mut builder = GzipBuilder::with_capacity(1);
        builder.push(&segment);
        assert_eq!(gunzip(&builder.finish()), data);
    }

    #[test]
    fn a_segment_is_reused_by_reference() {
        let segment = Segment::deflate(&b"abc".repeat(1000), Compression::fast());
        let mut builder = GzipBuilder::with_capacity(2);
        builder.push(&segment);
        builder.push(&segment);
        let chunks = builder.finish();
        assert_eq!(chunks[1].as_ptr(), segment.data.as_ptr());
        assert_eq!(gunzip(&chunks), b"abc".repeat(2000));
    }
}
