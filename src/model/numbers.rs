//! Operator Connect numbers on their way out of a platform.

/// The platform's removal summary: numbers Microsoft no longer lists as acquired (marked), and
/// numbers confirmed deleted that wait for their final removal (ready).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovalSummary {
    pub marked: u64,
    pub ready: u64,
}
