//! The static build's allocator, and handing memory back to the system after each run.
//!
//! The static (musl) binary, the one the container ships, allocates with mimalloc (declared in
//! `main.rs`): with musl's own allocator a first poll of 100k customers took 1.13-1.6x as long
//! as the glibc build's, the poll being hundreds of thousands of small allocations on several
//! threads. The glibc build keeps glibc's allocator, which is as fast.
//!
//! mimalloc keeps memory that was freed for reuse and returns it to the system lazily, and
//! glibc's allocator keeps the free memory of its heaps below their top (300 MB after a list of
//! 200,000 customers shrank to 3). After each successful run (minutes apart), [`release_freed`]
//! asks either to return what it can at once, so that the resident size follows the data down
//! rather than staying at its peak, and a per-customer run's thousands of response bodies do
//! not stay resident.

#[cfg(target_env = "musl")]
use std::cell::Cell;
#[cfg(target_env = "musl")]
use std::sync::atomic::{AtomicU64, Ordering};

/// Sets mimalloc's options. Called before `main` (see `main.rs`), when nothing else runs.
///
/// mimalloc's option numbers (v2's `mi_option_t`), which the Rust bindings do not all name.
#[cfg(target_env = "musl")]
pub fn configure() {
    // Commit an arena's memory as it is used, not all of it when the arena is reserved: less
    // memory committed for purges to leave behind (an earlier measurement found less resident
    // after the data shrank).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    // A thread that frees a block of a segment whose thread has ended (a poll's work thread)
    // does not adopt the segment: the segment stays abandoned, for [`release_freed`] to free
    // from whatever thread calls it, rather than becoming a live thread's, which only that
    // thread would free.
    const ABANDONED_RECLAIM_ON_FREE: libmimalloc_sys::mi_option_t = 26;
    // SAFETY: setting an option only stores a value; mimalloc reads it when it reserves or frees
    // memory.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(ABANDONED_RECLAIM_ON_FREE, 0);
    }
}

/// How many times [`release_freed`] was called: each async thread collects its own heap once
/// after each (see [`collect_on_idle`]).
#[cfg(target_env = "musl")]
static RELEASES: AtomicU64 = AtomicU64::new(0);

/// Returns memory freed since the last call to the system, where the allocator would keep it.
pub(crate) fn release_freed() {
    #[cfg(target_env = "musl")]
    {
        RELEASES.fetch_add(1, Ordering::Relaxed);
        // SAFETY: mi_collect only walks mimalloc's own structures; any thread may call it.
        unsafe { libmimalloc_sys::mi_collect(true) };
    }
    // SAFETY: malloc_trim only walks glibc's own heaps, under their locks; any thread may call
    // it. What it returns says whether memory was released, which nothing here needs.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// For the async runtime's threads to call as they go idle. mimalloc truly frees a block freed
/// by another thread than the one that allocated it only when that thread collects: until then
/// a huge one (the API's response body, read on an async thread) is only marked free and stays
/// counted as resident. Each thread collects once after each [`release_freed`].
#[cfg(target_env = "musl")]
pub fn collect_on_idle() {
    thread_local! {
        static SEEN: Cell<u64> = const { Cell::new(0) };
    }
    let releases = RELEASES.load(Ordering::Relaxed);
    if SEEN.get() != releases {
        SEEN.set(releases);
        // SAFETY: as in release_freed; this collects the calling thread's own heap.
        unsafe { libmimalloc_sys::mi_collect(true) };
    }
}

/// Counts the heap bytes each thread has allocated and not freed, for the tests that bound what
/// a structure costs: the unit tests' allocator.
#[cfg(test)]
pub(crate) mod counted {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        // Allocates nothing and needs no destructor: safe to touch from the allocator.
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }

    struct Counted;

    /// Adds `grown` bytes and takes `shrunk` off the calling thread's count.
    fn count(grown: usize, shrunk: usize) {
        // A thread being torn down has no counter left: its allocations go uncounted.
        let _ = LIVE.try_with(|live| live.set(live.get() + grown as isize - shrunk as isize));
    }

    /// `allocated` as the allocator returns it, counted as `size` bytes unless it failed.
    fn counted(allocated: *mut u8, size: usize) -> *mut u8 {
        if !allocated.is_null() {
            count(size, 0);
        }
        allocated
    }

    // SAFETY: every call goes to the system allocator with the caller's arguments; the count
    // on the side changes nothing of the memory.
    unsafe impl GlobalAlloc for Counted {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            counted(unsafe { System.alloc(layout) }, layout.size())
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            counted(unsafe { System.alloc_zeroed(layout) }, layout.size())
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            count(0, layout.size());
            // SAFETY: the caller's contract, passed on.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            let moved = unsafe { System.realloc(ptr, layout, new_size) };
            // On failure the old block stays, as it was counted.
            if !moved.is_null() {
                count(new_size, layout.size());
            }
            moved
        }
    }

    #[global_allocator]
    static COUNTED: Counted = Counted;

    /// Bytes the calling thread has allocated, less those it freed, since it started. Memory
    /// that another thread allocates or frees is not counted: measure what one thread builds.
    pub(crate) fn live_bytes() -> isize {
        LIVE.with(Cell::get)
    }
}
