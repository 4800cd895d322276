//! How far a platform's backfill is: a bar on a terminal (customers done, time left), plain
//! log lines at every tenth otherwise (a service's journal, CI, a redirected stderr).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How many lines the log shows for a platform, at most, besides the last.
const STEPS: usize = 10;

pub(crate) enum Progress {
    Bar(ProgressBar),
    Lines(Lines),
}

/// The plain form's count.
pub(crate) struct Lines {
    platform: String,
    total: usize,
    done: usize,
    /// Steps logged so far.
    logged: usize,
    started: Instant,
}

impl Progress {
    /// `total` customers of `platform` to ask about.
    pub(crate) fn start(platform: &str, total: usize) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} customers, {elapsed} so far, ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(platform.to_owned());
            Progress::Bar(bar)
        } else {
            tracing::info!(platform, customers = total, "backfill started");
            Progress::Lines(Lines {
                platform: platform.to_owned(),
                total,
                done: 0,
                logged: 0,
                started: Instant::now(),
            })
        }
    }

    /// One more customer done, whatever its outcome.
    pub(crate) fn done(&mut self) {
        match self {
            Progress::Bar(bar) => bar.inc(1),
            Progress::Lines(lines) => {
                lines.done = lines.done.saturating_add(1);
                if let Some(step) = lines.step_reached() {
                    lines.logged = step;
                    tracing::info!(
                        platform = %lines.platform,
                        done = lines.done,
                        customers = lines.total,
                        left = %humantime::format_duration(lines.left()),
                        "backfill progress"
                    );
                }
            }
        }
    }

    /// Runs `log` (a line about one customer) without tearing the bar.
    pub(crate) fn log(&self, log: impl FnOnce()) {
        match self {
            Progress::Bar(bar) => bar.suspend(log),
            Progress::Lines(_) => log(),
        }
    }

    pub(crate) fn finish(self) {
        if let Progress::Bar(bar) = self {
            bar.finish();
        }
    }
}

impl Lines {
    /// The step that `done` reached, when it is one not logged yet (the last one is the
    /// platform's summary, not a progress line).
    fn step_reached(&self) -> Option<usize> {
        if self.total == 0 || self.done >= self.total {
            return None;
        }
        let step = self.done.saturating_mul(STEPS) / self.total;
        (step > self.logged).then_some(step)
    }

    /// The time left at the pace so far, to the second.
    fn left(&self) -> Duration {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rest = self.total.saturating_sub(self.done) as f64;
        let left = elapsed * rest / self.done.max(1) as f64;
        Duration::from_secs(Duration::try_from_secs_f64(left).map_or(0, |d| d.as_secs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(total: usize) -> Lines {
        Lines {
            platform: "p".to_owned(),
            total,
            done: 0,
            logged: 0,
            started: Instant::now(),
        }
    }

    #[test]
    fn plain_progress_logs_each_tenth_once_and_not_the_end() {
        let mut progress = lines(25);
        let mut steps = Vec::new();
        for _ in 0..25 {
            progress.done += 1;
            if let Some(step) = progress.step_reached() {
                progress.logged = step;
                steps.push(progress.done);
            }
        }
        assert_eq!(steps, [3, 5, 8, 10, 13, 15, 18, 20, 23]);
        let mut few = lines(3);
        let mut logged = 0;
        for _ in 0..3 {
            few.done += 1;
            if let Some(step) = few.step_reached() {
                few.logged = step;
                logged += 1;
            }
        }
        assert_eq!(logged, 2, "a third and two thirds");
        assert_eq!(lines(0).step_reached(), None);
    }
}
