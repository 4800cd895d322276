//! The slot policy: which open connection to close when a new one needs its slot, the oldest
//! idle one or else the one stalled longest, and when one will become closable.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::task;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::activity::{Activity, Stall};
use super::{QUEUE_DRAIN, SILENT, STALL_FLOOR, STALLED};

/// When `stall` may be cut for a new connection: after `allowance`, or [`STALLED`] for a
/// client that keeps up with its response, whose stalls last a round trip at a time.
fn stall_ends(stall: &Stall, allowance: Duration) -> Instant {
    stall.since + if stall.keeping_up { STALLED } else { allowance }
}

/// How long a stalled connection keeps its slot from the connections `queued` in the kernel's
/// accept queue, when `slots` are all taken: short enough that slots turn over fast enough for
/// the last one queued to be let in within [`QUEUE_DRAIN`], however many clients wait. With an
/// allowance `a`, slots are handed over `slots / a` per second, so `queued` of them take
/// `queued * a / slots`. Never more than [`STALLED`], never less than [`STALL_FLOOR`].
pub(super) fn stall_allowance(slots: usize, queued: usize) -> Duration {
    // Both counts are bounded (slots by the configuration, the queue by the listen backlog),
    // but u128 nanoseconds cannot overflow with any.
    let shared = QUEUE_DRAIN.as_nanos() * slots as u128 / queued.max(1) as u128;
    Duration::from_nanos(u64::try_from(shared).unwrap_or(u64::MAX)).clamp(STALL_FLOOR, STALLED)
}

/// An open connection, as the accept loop sees it.
pub(super) struct Connection {
    /// Order of acceptance: the lowest is the oldest.
    pub(super) age: u64,
    pub(super) accepted_at: Instant,
    pub(super) activity: Arc<Activity>,
    /// Asks the connection to close: at once when idle, after its response when busy.
    pub(super) close: CancellationToken,
}

impl Connection {
    fn closing(&self) -> bool {
        self.close.is_cancelled()
    }
}

/// The open connections, by task.
#[derive(Default)]
pub(super) struct Open(HashMap<task::Id, Connection>);

impl Open {
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn insert(&mut self, id: task::Id, slot: Connection) {
        self.0.insert(id, slot);
    }

    pub(super) fn remove(&mut self, id: task::Id) {
        self.0.remove(&id);
    }

    /// Connections not asked to close: those that hold a slot.
    pub(super) fn serving(&self) -> usize {
        self.0.values().filter(|slot| !slot.closing()).count()
    }

    /// Whether a connection may be closed for a new one: an idle one, or one stalled for
    /// `allowance` (see [`stall_allowance`]).
    pub(super) fn closable(&self, now: Instant, allowance: Duration) -> bool {
        self.oldest_idle(now).is_some() || self.longest_stalled(now, allowance).is_some()
    }

    /// Closes a connection for a new one, if any may be: the oldest idle one (which, if it has
    /// just become busy, closes after its response), or else the one stalled longest, once
    /// that is `allowance`, at once.
    pub(super) fn make_room(&self, now: Instant, allowance: Duration) {
        if let Some(slot) = self.oldest_idle(now) {
            slot.close.cancel();
        } else if let Some(slot) = self.longest_stalled(now, allowance) {
            slot.activity.cut.store(true, Ordering::Release);
            slot.close.cancel();
        }
    }

    fn oldest_idle(&self, now: Instant) -> Option<&Connection> {
        self.0
            .values()
            .filter(|slot| {
                !slot.closing()
                    && slot.activity.evictable()
                    && (slot.activity.requested.load(Ordering::Acquire)
                        || now.saturating_duration_since(slot.accepted_at) >= SILENT)
            })
            .min_by_key(|slot| slot.age)
    }

    /// The connection stalled longest, once that is its allowance.
    fn longest_stalled(&self, now: Instant, allowance: Duration) -> Option<&Connection> {
        self.stalled()
            .filter(|(stall, _)| now >= stall_ends(stall, allowance))
            .min_by_key(|(stall, slot)| (stall.since, slot.age))
            .map(|(_, slot)| slot)
    }

    /// When a connection will become closable for a new one unless something else happens
    /// first: a stall lasting `allowance`, or a new connection staying silent for [`SILENT`].
    pub(super) fn next_closable(&self, allowance: Duration) -> Option<Instant> {
        let stall_ends = self
            .stalled()
            .map(|(stall, _)| stall_ends(&stall, allowance));
        let silence_ends = self
            .0
            .values()
            .filter(|slot| {
                !slot.closing()
                    && slot.activity.evictable()
                    && !slot.activity.requested.load(Ordering::Acquire)
            })
            .map(|slot| slot.accepted_at + SILENT);
        stall_ends.chain(silence_ends).min()
    }

    /// Busy connections whose socket refuses response bytes, with their stall.
    fn stalled(&self) -> impl Iterator<Item = (Stall, &Connection)> {
        self.0
            .values()
            .filter(|slot| !slot.closing())
            .filter_map(|slot| Some((slot.activity.stall()?, slot)))
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::Notify;
    use tokio::task::JoinSet;

    use super::*;
    use crate::web::listener::activity::Responding;

    fn slot(age: u64) -> Connection {
        Connection {
            age,
            accepted_at: Instant::now(),
            activity: Arc::new(Activity::new(Arc::new(Notify::new()), Instant::now())),
            close: CancellationToken::new(),
        }
    }

    fn id() -> task::Id {
        JoinSet::new().spawn(async {}).id()
    }

    #[tokio::test(start_paused = true)]
    async fn the_oldest_idle_connection_that_has_read_is_chosen() {
        let mut open = Open::default();
        let [unread, busy, closing, idle, newer, answered] = [1, 2, 3, 4, 5, 6].map(slot);
        // Read: the task had its chance to see a request sent with the connection.
        for slot in [&busy, &closing, &idle, &newer, &answered] {
            slot.activity.read();
        }
        let _responding = Responding::start(&busy.activity);
        drop(Responding::start(&answered.activity));
        answered.activity.flushed();
        closing.close.cancel();
        let (unread_activity, idle_close) = (unread.activity.clone(), idle.close.clone());
        let answered_close = answered.close.clone();
        for slot in [unread, busy, closing, idle, newer, answered] {
            open.insert(id(), slot);
        }
        assert_eq!(open.serving(), 5, "the one asked to close no longer counts");
        let now = Instant::now();
        assert_eq!(
            open.oldest_idle(now).map(|slot| slot.age),
            Some(6),
            "one that has asked nothing yet may have its request on the way"
        );
        assert_eq!(open.next_closable(STALLED), Some(now + SILENT));

        answered_close.cancel();
        tokio::time::advance(SILENT).await;
        let now = Instant::now();
        assert_eq!(open.oldest_idle(now).map(|slot| slot.age), Some(4));
        idle_close.cancel();
        assert_eq!(open.oldest_idle(now).map(|slot| slot.age), Some(5));
        unread_activity.read();
        assert_eq!(open.oldest_idle(now).map(|slot| slot.age), Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_connection_stalled_longest_is_closed_once_stalled_long_enough_idle_ones_first() {
        let mut open = Open::default();
        let [first, second, keeping_up, idle] = [1, 2, 3, 4].map(slot);
        let _responses = [&first, &second, &keeping_up].map(|slot| {
            slot.activity.read();
            Responding::start(&slot.activity)
        });
        idle.activity.read();
        let stalled_at = Instant::now();
        second.activity.refused();
        tokio::time::advance(Duration::from_millis(100)).await;
        first.activity.refused();
        let (first_activity, second_close) = (first.activity.clone(), second.close.clone());
        let idle_close = idle.close.clone();
        for slot in [first, second, keeping_up] {
            open.insert(id(), slot);
        }

        assert_eq!(open.next_closable(STALLED), Some(stalled_at + STALLED));
        assert!(
            !open.closable(Instant::now(), STALLED),
            "stalled for less than STALLED"
        );
        tokio::time::advance(STALLED).await;
        let now = Instant::now();
        assert_eq!(
            open.longest_stalled(now, STALLED).map(|slot| slot.age),
            Some(2),
            "the one stalled longest, not the oldest"
        );

        open.insert(id(), idle);
        open.make_room(now, STALLED);
        assert!(idle_close.is_cancelled() && !second_close.is_cancelled());
        open.make_room(now, STALLED);
        assert!(second_close.is_cancelled());
        assert!(
            open.0
                .values()
                .any(|slot| slot.age == 2 && slot.activity.is_cut()),
            "cut at once, not after its response"
        );
        assert_eq!(
            open.longest_stalled(now, STALLED).map(|slot| slot.age),
            Some(1)
        );

        first_activity.took();
        assert!(
            open.longest_stalled(now, STALLED).is_none(),
            "it took bytes again"
        );
        assert_eq!(open.next_closable(STALLED), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_accept_queue_shortens_the_stall_a_slot_is_kept_for_but_not_a_readers() {
        let mut open = Open::default();
        let [stalled, reading] = [1, 2].map(slot);
        let _responses = [&stalled, &reading].map(|slot| {
            slot.activity.read();
            Responding::start(&slot.activity)
        });
        // The reader took bytes after a stall, and is waiting for the next round trip.
        reading.activity.refused();
        reading.activity.took();
        let stalled_at = Instant::now();
        reading.activity.refused();
        stalled.activity.refused();
        let reading_close = reading.close.clone();
        for slot in [stalled, reading] {
            open.insert(id(), slot);
        }

        let queued = stall_allowance(64, 192);
        assert_eq!(
            queued,
            QUEUE_DRAIN / 3,
            "three times as many waiting as slots"
        );
        assert_eq!(
            open.next_closable(queued),
            Some(stalled_at + QUEUE_DRAIN / 3)
        );
        tokio::time::advance(QUEUE_DRAIN / 3).await;
        let now = Instant::now();
        assert!(
            !open.closable(now, stall_allowance(64, 0)),
            "nobody waiting: the whole allowance"
        );
        assert_eq!(
            open.longest_stalled(now, queued).map(|slot| slot.age),
            Some(1)
        );
        open.make_room(now, queued);
        assert!(!reading_close.is_cancelled());
        assert!(
            !open.closable(now, queued),
            "a client keeping up keeps its slot for the whole allowance"
        );
        assert_eq!(open.next_closable(queued), Some(stalled_at + STALLED));
    }

    #[test]
    fn the_stall_allowance_shrinks_with_the_queue_down_to_a_floor_and_never_overflows() {
        assert_eq!(stall_allowance(64, 0), STALLED);
        assert_eq!(stall_allowance(64, 32), STALLED);
        assert_eq!(stall_allowance(64, 64), QUEUE_DRAIN);
        assert_eq!(stall_allowance(64, 128), QUEUE_DRAIN / 2);
        assert_eq!(stall_allowance(1, 1_000), STALL_FLOOR);
        assert_eq!(stall_allowance(100_000, usize::MAX), STALL_FLOOR);
        assert_eq!(stall_allowance(usize::MAX, usize::MAX), QUEUE_DRAIN);
        assert_eq!(stall_allowance(usize::MAX, 0), STALLED);
    }
}
