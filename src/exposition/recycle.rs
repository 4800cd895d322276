//! A family's large buffer handed back to the family's next poll instead of to the allocator.
//!
//! Each poll copies every customer family's compressed samples into one fresh buffer (tens of
//! megabytes at 100k customers), and the previous poll's buffers are freed soon after. Fresh
//! memory is paid for in page faults, about half the cost of the copy; a buffer kept for reuse
//! is already mapped.
//!
//! Each family of each platform has one [`Spare`]: a poll's buffer returns there once the last
//! scrape that sent it is done, and a later poll of the same family takes it if it fits. What is
//! kept follows the latest poll, not the largest one: a buffer much larger than the latest poll
//! of its family asked for is freed rather than kept, so that a list that shrinks gives its
//! memory back within a poll or two.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::sync::lock;

/// Smaller buffers come from the allocator's free lists, already mapped; keeping them would
/// only hold memory.
const SMALLEST_KEPT: usize = 64 * 1024;
/// A buffer is reused, and kept, only while it is at most this many times what the family's
/// latest poll asked for: enough to absorb a list that varies a little from poll to poll, not
/// so much that a list that shrank keeps its peak in memory.
const MOST_SLACK: usize = 2;

/// One family's spare buffer, shared by its polls and by the bytes they publish. Cheap to
/// clone: clones are the same spare.
#[derive(Debug, Clone, Default)]
pub struct Spare(Arc<Mutex<KeptBuffer>>);

#[derive(Debug, Default)]
struct KeptBuffer {
    buffer: Option<Vec<u8>>,
    /// What the family's latest poll asked for: what a buffer handed back is measured against.
    wanted: usize,
}

/// Whether a buffer of `capacity` is worth keeping for polls that ask for `wanted` bytes.
fn fits(capacity: usize, wanted: usize) -> bool {
    capacity >= SMALLEST_KEPT && capacity <= wanted.saturating_mul(MOST_SLACK)
}

impl Spare {
    /// An empty buffer with room for `capacity` bytes: the spare one if it is large enough but
    /// not too large, or a new one. A spare that does not fit is freed: its family's data has
    /// grown past it, or shrunk well below it.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        let spare = {
            let mut kept = lock(&self.0);
            kept.wanted = capacity;
            kept.buffer.take()
        };
        // One that does not fit is freed before the new one is allocated, and outside the lock.
        let reusable = spare
            .filter(|buffer| buffer.capacity() >= capacity && fits(buffer.capacity(), capacity));
        match reusable {
            Some(mut buffer) => {
                buffer.clear();
                buffer
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// `buffer` as shared bytes that hand it back to this spare once the last reference is
    /// dropped.
    pub fn share(&self, buffer: Vec<u8>) -> Bytes {
        Bytes::from_owner(Returned {
            buffer,
            spare: self.clone(),
        })
    }

    fn give_back(&self, buffer: Vec<u8>) {
        let mut kept = lock(&self.0);
        // Of two that fit, the larger: it is the more likely to hold the next poll's data.
        let keep = fits(buffer.capacity(), kept.wanted)
            && kept
                .buffer
                .as_ref()
                .is_none_or(|other| other.capacity() < buffer.capacity());
        let freed = if keep {
            kept.buffer.replace(buffer)
        } else {
            Some(buffer)
        };
        // Freed outside the lock: freeing megabytes takes a while, and a poll may be waiting.
        drop(kept);
        drop(freed);
    }

    /// The capacity of the buffer kept, if any.
    #[cfg(test)]
    fn kept(&self) -> Option<usize> {
        lock(&self.0).buffer.as_ref().map(Vec::capacity)
    }
}

struct Returned {
    buffer: Vec<u8>,
    spare: Spare,
}

impl AsRef<[u8]> for Returned {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Returned {
    fn drop(&mut self) {
        self.spare.give_back(std::mem::take(&mut self.buffer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LARGE: usize = 16 * SMALLEST_KEPT;

    /// A poll that asks for `capacity` bytes and publishes them.
    fn poll(spare: &Spare, capacity: usize) -> Bytes {
        let mut buffer = spare.take(capacity);
        buffer.resize(capacity, b'x');
        spare.share(buffer)
    }

    #[test]
    fn a_returned_buffer_is_handed_out_again_empty() {
        let spare = Spare::default();
        let mut buffer = spare.take(LARGE);
        buffer.extend_from_slice(b"samples");
        let address = buffer.as_ptr();
        let shared = spare.share(buffer);
        let clone = shared.clone();
        drop(shared);
        assert_eq!(&clone[..], b"samples", "kept while a reference is alive");
        assert_eq!(spare.kept(), None);
        drop(clone);
        assert!(spare.kept().is_some_and(|kept| kept >= LARGE));

        let again = spare.take(LARGE * 3 / 4);
        assert_eq!(again.as_ptr(), address, "the same memory");
        assert!(again.is_empty());
        assert_eq!(spare.kept(), None, "handed out, not kept as well");
    }

    #[test]
    fn a_spare_too_small_for_the_poll_is_replaced() {
        let spare = Spare::default();
        drop(poll(&spare, LARGE));
        let larger = spare.take(2 * LARGE);
        assert!(larger.capacity() >= 2 * LARGE);
        assert_eq!(spare.kept(), None, "the small one is freed");
    }

    #[test]
    fn after_a_large_poll_and_a_small_one_no_large_buffer_is_kept() {
        let spare = Spare::default();
        // Polls overlap: a poll's bytes are still published (and scraped) while the next poll
        // runs, and are handed back only once it has published its own.
        let large = poll(&spare, LARGE);
        let small = poll(&spare, 100);
        drop(large);
        assert_eq!(spare.kept(), None, "the peak's buffer is freed, not kept");
        let smaller = poll(&spare, 50);
        drop(small);
        assert_eq!(spare.kept(), None, "small buffers are never kept");
        drop(smaller);

        // Halving the data keeps the buffer (within the slack), quartering it frees it.
        let large = poll(&spare, LARGE);
        let half = poll(&spare, LARGE / 2);
        drop(large);
        assert!(spare.kept().is_some_and(|kept| kept >= LARGE));
        let quarter = poll(&spare, LARGE / 4);
        assert_eq!(
            spare.kept(),
            None,
            "a spare over twice the poll's size is freed"
        );
        drop(half);
        let kept = spare.kept();
        assert!(kept.is_some_and(|kept| kept < LARGE), "kept {kept:?}");
        drop(quarter);
        assert_eq!(spare.kept(), kept, "the larger of two that fit");
    }

    #[test]
    fn a_buffer_outliving_its_family_is_freed_with_it() {
        let spare = Spare::default();
        let published = poll(&spare, LARGE);
        let weak = Arc::downgrade(&spare.0);
        drop(spare);
        assert!(weak.upgrade().is_some(), "the bytes hold the spare");
        drop(published);
        assert!(
            weak.upgrade().is_none(),
            "nothing is left holding the buffer"
        );
    }
}
