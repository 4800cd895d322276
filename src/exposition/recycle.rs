//! Large buffers handed back to the next poll instead of to the allocator.
//!
//! Each poll copies every family's compressed samples into one fresh buffer (tens of megabytes
//! at 100k customers), and the previous poll's buffers are freed soon after. Fresh memory is
//! paid for in page faults, about half the cost of the copy; a buffer kept for reuse is already
//! mapped. The pool is small and bounded: it holds at most [`KEPT`] buffers.

use std::sync::Mutex;

use bytes::Bytes;

use crate::sync::lock;

/// Enough for every family of a few platforms to swap between two polls.
const KEPT: usize = 16;
/// Smaller buffers come from the allocator's free lists, already mapped; keeping them would
/// only hold memory.
const SMALLEST_KEPT: usize = 64 * 1024;

/// The pool the polls use.
pub static BUFFERS: Pool = Pool::new(KEPT);

pub struct Pool {
    kept: Mutex<Vec<Vec<u8>>>,
    limit: usize,
}

impl Pool {
    pub const fn new(limit: usize) -> Self {
        Self {
            kept: Mutex::new(Vec::new()),
            limit,
        }
    }

    /// An empty buffer with room for `capacity` bytes: the smallest kept one that is large
    /// enough but not more than twice that (a small family must not hold on to a large
    /// buffer), or a new one.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        if capacity < SMALLEST_KEPT {
            return Vec::with_capacity(capacity);
        }
        let mut kept = lock(&self.kept);
        let best = kept
            .iter()
            .enumerate()
            .filter(|(_, buffer)| (capacity..=2 * capacity).contains(&buffer.capacity()))
            .min_by_key(|(_, buffer)| buffer.capacity())
            .map(|(index, _)| index);
        match best {
            Some(index) => {
                let mut buffer = kept.swap_remove(index);
                buffer.clear();
                buffer
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// `buffer` as shared bytes that return it to the pool once the last reference is dropped.
    pub fn share(&'static self, buffer: Vec<u8>) -> Bytes {
        Bytes::from_owner(Returned { buffer, pool: self })
    }

    fn give_back(&self, buffer: Vec<u8>) {
        if buffer.capacity() < SMALLEST_KEPT {
            return;
        }
        let mut kept = lock(&self.kept);
        if kept.len() < self.limit {
            kept.push(buffer);
        } else if let Some(smallest) = kept
            .iter_mut()
            .min_by_key(|kept| kept.capacity())
            .filter(|kept| kept.capacity() < buffer.capacity())
        {
            // Keep the larger: the large ones are what is expensive to map again.
            *smallest = buffer;
        }
    }
}

struct Returned {
    buffer: Vec<u8>,
    pool: &'static Pool,
}

impl AsRef<[u8]> for Returned {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Returned {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buffer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_buffer_is_handed_out_again_empty_and_the_pool_stays_bounded() {
        const LARGE: usize = 4 * SMALLEST_KEPT;
        let pool: &'static Pool = Box::leak(Box::new(Pool::new(4)));
        let mut buffer = pool.take(LARGE);
        buffer.extend_from_slice(b"samples");
        let address = buffer.as_ptr();
        let shared = pool.share(buffer);
        let clone = shared.clone();
        drop(shared);
        assert_eq!(&clone[..], b"samples", "kept while a reference is alive");
        assert!(lock(&pool.kept).is_empty());
        drop(clone);

        assert!(
            pool.take(LARGE / 4).capacity() < LARGE,
            "a buffer over twice the size asked for stays kept"
        );
        let again = pool.take(LARGE / 2);
        assert_eq!(again.as_ptr(), address, "the same memory");
        assert!(again.is_empty());
        assert!(
            pool.take(2 * LARGE).capacity() >= 2 * LARGE,
            "too small ones are not handed out"
        );

        drop(pool.share(pool.take(100)));
        assert!(lock(&pool.kept).is_empty(), "small buffers are not kept");
        let others: Vec<Bytes> = (0..4)
            .map(|_| pool.share(pool.take(SMALLEST_KEPT)))
            .collect();
        drop(others);
        drop(pool.share(again));
        let kept: Vec<usize> = lock(&pool.kept).iter().map(Vec::capacity).collect();
        assert_eq!(kept.len(), 4, "bounded");
        assert!(
            kept.contains(&LARGE),
            "a large buffer displaces a small one"
        );
    }
}
