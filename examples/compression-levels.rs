//! The wire-bytes table of docs/performance.md: what each zlib-rs level and each window of the
//! text before a block make of a poll's blocks, against `gzip -6` of the whole text.
//!
//! `cargo run --release --example compression-levels -- [N]` (default 10000 customers). It
//! polls a generated list of N customers as the exporter does, takes each customer family's
//! text block by block as the poll cut it, and compresses every block as a segment of its own
//! (raw deflate, sync flush, the end of the block before as a preset dictionary) at each level
//! and window; the reference is GNU `gzip -6` of the whole text, as `scripts/bench/bytes.sh`
//! compares the exporter's body with it (GNU gzip must be on the PATH). Times are each line's
//! compression on one thread, the fastest of three, relative to level 1 without window.

#[path = "../benches/support/customers.rs"]
mod customers;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress};
use liveplatform_exporter::poll_path::prepare;

const LEVELS: [u32; 5] = [1, 2, 3, 4, 6];
const WINDOWS: [usize; 4] = [0, 2048, 4096, 8192];
/// Repetitions of each measurement; the fastest counts, as the least disturbed.
const ROUNDS: usize = 3;

/// Every block's text compressed after the end of the block before, at `level` with a window
/// of `window` bytes: the total size, and the time it took.
fn segments(families: &[Vec<Bytes>], level: u32, window: usize) -> (usize, Duration) {
    let mut compress = Compress::new(Compression::new(level), false);
    let mut out = Vec::new();
    let mut total = 0;
    let started = Instant::now();
    for blocks in families {
        let mut before: &[u8] = &[];
        for block in blocks {
            compress.reset();
            let dictionary = &before[before.len().saturating_sub(window)..];
            if !dictionary.is_empty() {
                compress.set_dictionary(dictionary).expect("a fresh stream");
            }
            out.clear();
            out.reserve(block.len() + 1024);
            compress
                .compress_vec(block, &mut out, FlushCompress::Sync)
                .expect("room enough for the whole block");
            assert_eq!(compress.total_in(), block.len() as u64, "all input taken");
            total += out.len();
            before = block;
        }
    }
    (total, started.elapsed())
}

/// The size of GNU `gzip -6` of `text`.
fn gzip_6(text: &[u8]) -> usize {
    let mut gzip = Command::new("gzip")
        .arg("-6c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("GNU gzip is on the PATH");
    let mut stdin = gzip.stdin.take().expect("piped");
    // Written from another thread: gzip's output fills its pipe long before it has read all.
    let text = text.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&text).expect("gzip reads its input"));
    let mut compressed = Vec::new();
    gzip.stdout
        .take()
        .expect("piped")
        .read_to_end(&mut compressed)
        .expect("gzip writes its output");
    writer.join().expect("the writer does not panic");
    assert!(gzip.wait().expect("gzip ran").success(), "gzip failed");
    compressed.len()
}

fn main() {
    let n: usize = std::env::args().nth(1).map_or(10_000, |arg| {
        arg.parse().expect("N is a number of customers")
    });
    let body = customers::body(n, customers::SEED);
    let (prepared, _) = prepare("bench", body.into(), None).expect("the generated list decodes");
    let families: Vec<Vec<Bytes>> = prepared
        .snapshot
        .families()
        .iter()
        .map(|family| family.plain.chunks().to_vec())
        .collect();
    let text: Vec<u8> = families.iter().flatten().flat_map(|b| b.to_vec()).collect();
    let reference = gzip_6(&text);

    let best = |level, window| {
        (0..ROUNDS)
            .map(|_| segments(&families, level, window))
            .min_by_key(|(_, time)| *time)
            .expect("at least one round")
    };
    let (_, baseline) = best(1, 0);
    println!(
        "{n} customers: text {:.3} MB in {} blocks, gzip -6 of the whole text {:.3} MB",
        text.len() as f64 / 1e6,
        families.iter().map(Vec::len).sum::<usize>(),
        reference as f64 / 1e6
    );
    println!(
        "| zlib-rs level | window before each block | compressed MB | / `gzip -6` | time, relative |"
    );
    println!("|---|---|---|---|---|");
    for level in LEVELS {
        for window in WINDOWS {
            let (size, time) = best(level, window);
            println!(
                "| {level} | {} | {:.3} | {:.2} | {:.1} |",
                if window == 0 {
                    "none".to_owned()
                } else {
                    format!("{} KiB", window / 1024)
                },
                size as f64 / 1e6,
                size as f64 / reference as f64,
                time.as_secs_f64() / baseline.as_secs_f64()
            );
        }
    }
}
