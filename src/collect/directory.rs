//! A platform's customer directory: the customers of its latest good customer list, as the
//! collectors that make one request per customer need them.
//!
//! The `customers` collector publishes after each successful run; per-customer collectors read
//! the latest list at the start of theirs. The directory belongs to the platform, not to a
//! collector: a reload that keeps the platform's connection keeps it, list and all.
//!
//! The list is made of the customer list's blocks (see `blocks`), each shared with the poll
//! that rendered it: a block found again in the next poll is not copied, so a poll of 100 000
//! customers in which a handful changed adds only the changed blocks' entries.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// One customer as per-customer collectors need it.
#[derive(Debug)]
pub(crate) struct Listed {
    /// `UmpCustomerGuid`, as requests name the customer.
    pub id: Box<str>,
    pub license_type: i64,
    /// `customer_id="…",customer_name="…",license_type="…"`, escaped: the labels every
    /// per-customer series carries after `platform`, exactly as the customer list's families.
    pub labels: Box<[u8]>,
}

impl Listed {
    /// The labels after `customer_id`: `customer_name="…",license_type="…"`, for a series that
    /// names the customer by an id of its own spelling.
    pub(crate) fn name_labels(&self) -> &[u8] {
        // `customer_id="…",` as push_customer_labels writes it: the escaped id between the name
        // and the comma.
        let id_label = "customer_id=\"\",".len() + crate::exposition::text::escaped_len(&self.id);
        self.labels.get(id_label..).unwrap_or_default()
    }

    /// `customer_name="…"` alone, for a series that carries the customer's name but not its
    /// license type.
    pub(crate) fn name_label(&self) -> &[u8] {
        let labels = self.name_labels();
        // The license type's value is a fixed word, without comma or quote: the last
        // `,license_type=` is the label's own, whatever the name holds.
        let end = memchr::memmem::rfind(labels, b",license_type=").unwrap_or(labels.len());
        &labels[..end]
    }
}

/// The customers of one successful customer list poll, unique by id, in the API's order.
/// Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomerList {
    blocks: Arc<[Arc<[Listed]>]>,
}

impl CustomerList {
    pub(crate) fn new(blocks: impl IntoIterator<Item = Arc<[Listed]>>) -> Self {
        Self {
            blocks: blocks.into_iter().collect(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Listed> {
        self.blocks.iter().flat_map(|block| block.iter())
    }

    pub(crate) fn len(&self) -> usize {
        self.blocks.iter().map(|block| block.len()).sum()
    }
}

/// What the directory knows so far.
#[derive(Debug, Clone, Default)]
enum State {
    /// No customer list run has ended yet.
    #[default]
    Waiting,
    /// Every customer list run so far failed: a per-customer collector then fails at once
    /// rather than waiting out its timeout (`--once` against a platform that is down).
    Failed,
    Listed(CustomerList),
}

/// The customer directory of one platform. Clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Directory(Arc<watch::Sender<State>>);

impl Default for Directory {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(State::Waiting)))
    }
}

/// Why a per-customer collector has no customers to ask about.
#[derive(Debug, thiserror::Error)]
#[error("no customer list yet: every run of the customers collector so far failed")]
pub(crate) struct NoCustomerList;

impl Directory {
    /// Makes `list` the latest good customer list.
    pub(crate) fn publish(&self, list: CustomerList) {
        self.0.send_replace(State::Listed(list));
    }

    /// Marks a customer list run as failed; a list published before stays.
    fn failed(&self) {
        self.0.send_if_modified(|state| match state {
            State::Listed(_) | State::Failed => false,
            State::Waiting => {
                *state = State::Failed;
                true
            }
        });
    }

    /// The latest list, waiting for the first one while no customer list run has ended yet
    /// (the caller's timeout bounds the wait); `Err` while every run so far failed.
    pub(crate) async fn latest(&self) -> Result<CustomerList, NoCustomerList> {
        let mut receiver = self.0.subscribe();
        let state = receiver
            .wait_for(|state| !matches!(state, State::Waiting))
            .await
            .map(|state| state.clone());
        match state {
            Ok(State::Listed(list)) => Ok(list),
            // The sender lives as long as `self`: a closed channel cannot happen while waiting.
            Ok(State::Failed | State::Waiting) | Err(_) => Err(NoCustomerList),
        }
    }

    /// What is published from now on: a run that takes long follows the list as it changes.
    pub(crate) fn updates(&self) -> Updates {
        Updates(self.0.subscribe())
    }

    /// The latest good list once the first customer list run has ended, waiting at most
    /// `patience` for it: `None` while every run so far failed, or when the first is slower.
    pub(crate) async fn settled(&self, patience: Duration) -> Option<CustomerList> {
        let mut receiver = self.0.subscribe();
        let settled = receiver.wait_for(|state| !matches!(state, State::Waiting));
        match tokio::time::timeout(patience, settled).await {
            Ok(Ok(state)) => match &*state {
                State::Listed(list) => Some(list.clone()),
                State::Waiting | State::Failed => None,
            },
            Ok(Err(_)) | Err(_) => None,
        }
    }

    /// Reports the end of a customer list run unless disarmed: dropped without a success (a
    /// failure, a timeout that cancels the run, a panic), it marks the run as failed.
    pub(crate) fn run_guard(&self) -> RunGuard {
        RunGuard {
            directory: self.clone(),
            succeeded: false,
        }
    }
}

/// The lists a directory publishes after [`Directory::updates`] was called.
pub(crate) struct Updates(watch::Receiver<State>);

impl Updates {
    /// The list published since the last call (or since the updates began), if any.
    pub(crate) fn newer(&mut self) -> Option<CustomerList> {
        if !self.0.has_changed().unwrap_or(false) {
            return None;
        }
        match &*self.0.borrow_and_update() {
            State::Listed(list) => Some(list.clone()),
            State::Waiting | State::Failed => None,
        }
    }
}

pub(crate) struct RunGuard {
    directory: Directory,
    succeeded: bool,
}

impl RunGuard {
    pub(crate) fn succeeded(mut self, list: CustomerList) {
        self.succeeded = true;
        self.directory.publish(list);
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        if !self.succeeded {
            self.directory.failed();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn list(ids: &[&str]) -> CustomerList {
        let block: Arc<[Listed]> = ids
            .iter()
            .map(|id| Listed {
                id: (*id).into(),
                license_type: 0,
                labels: Box::default(),
            })
            .collect();
        CustomerList::new([block])
    }

    fn ids(list: &CustomerList) -> Vec<&str> {
        list.iter().map(|listed| listed.id.as_ref()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_waits_for_the_first_list() {
        let directory = Directory::default();
        let reader = tokio::spawn({
            let directory = directory.clone();
            async move { directory.latest().await }
        });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!reader.is_finished());
        directory.run_guard().succeeded(list(&["a", "b"]));
        let got = reader.await.unwrap().unwrap();
        assert_eq!(ids(&got), ["a", "b"]);
        assert_eq!(got.len(), 2);
    }

    #[tokio::test]
    async fn failed_runs_before_any_list_fail_readers_and_later_ones_keep_the_list() {
        let directory = Directory::default();
        drop(directory.run_guard());
        assert!(directory.latest().await.is_err());
        directory.run_guard().succeeded(list(&["a"]));
        drop(directory.run_guard());
        assert_eq!(ids(&directory.latest().await.unwrap()), ["a"]);
    }

    #[test]
    fn the_name_label_is_the_customers_name_whatever_the_name_holds() {
        let listed = Listed {
            id: "a".into(),
            license_type: 0,
            labels:
                br#"customer_id="a",customer_name="x\",license_type=\"y",license_type="hosted""#
                    .as_slice()
                    .into(),
        };
        assert_eq!(
            listed.name_label(),
            br#"customer_name="x\",license_type=\"y""#
        );
    }
}
