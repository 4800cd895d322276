//! CPU-heavy work off the async threads, at a lower scheduling priority.
//!
//! A large poll spends hundreds of milliseconds decoding, rendering and compressing. On a small
//! machine that competes with the threads answering scrapes; running it on its own thread with
//! a higher nice value lets the scheduler favour scrapes, so a poll does not show in their
//! latency. Threads this work spawns (parallel compression) inherit the priority.

use std::panic::AssertUnwindSafe;

/// How much lower: enough that the scheduler gives a busy scrape thread several times the CPU.
#[cfg(target_os = "linux")]
const NICE_INCREMENT: libc::c_int = 10;

/// Runs `work` on a new low-priority thread and waits for its result without blocking the
/// runtime. If no thread can be created, it runs on tokio's blocking pool instead.
pub(crate) async fn run<T, F>(work: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Clone + Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let job = work.clone();
    let spawned = std::thread::Builder::new()
        .name("poll-work".to_owned())
        .spawn(move || {
            lower_priority();
            let _ = done.send(std::panic::catch_unwind(AssertUnwindSafe(job)));
        });
    let outcome = match spawned {
        Ok(_) => result.await,
        Err(e) => {
            tracing::warn!(error = %e, "cannot start a thread for poll work; using the blocking pool");
            return tokio::task::spawn_blocking(work)
                .await
                .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()));
        }
    };
    match outcome {
        Ok(Ok(value)) => value,
        // A panic in the work is passed on as it is.
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        // The thread sends before it ends, panic or not: a closed channel cannot happen.
        Err(_) => unreachable!("the poll work thread always reports"),
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // Relative to the thread's own nice value: an exporter started under `nice` keeps its poll
    // work below its scrapes too. 19 is the lowest priority there is.
    // SAFETY: getpriority and setpriority only read their arguments. On Linux the nice value is
    // per thread, and PRIO_PROCESS with who = 0 names the calling thread, not the whole process.
    // getpriority's -1 is ambiguous (an error or nice -1); either way the result stays in range.
    let current = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
    let lowered = current.saturating_add(NICE_INCREMENT).min(19);
    let status = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, lowered) };
    if status != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "cannot lower the poll thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_elsewhere_and_its_result_comes_back() {
        let caller = std::thread::current().id();
        let (thread, value) = run(move || (std::thread::current().id(), 6 * 7)).await;
        assert_eq!(value, 42);
        assert_ne!(thread, caller);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_work_thread_runs_at_a_lower_priority() {
        // SAFETY: getpriority only reads its arguments (errno tells -1 from an error; both
        // values here are small and positive or zero).
        let own = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let worker = run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }).await;
        assert_eq!(worker, (own + NICE_INCREMENT).min(19));
        let after = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(after, own, "the caller's priority is untouched");
    }

    #[tokio::test]
    #[should_panic(expected = "boom")]
    async fn a_panic_in_the_work_reaches_the_caller() {
        run(|| -> () { panic!("boom") }).await;
    }
}
