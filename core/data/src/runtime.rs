//! How blocking work shares the tokio runtime the core's async work runs on.

/// Runs `work`, which blocks the thread for a while (speech recognition; a host call that
/// waits for her PIN), on the calling thread. Called on a worker of a multi-thread runtime
/// (the bindings' two workers, the desktop harness's), the worker's other tasks go to another
/// thread first, so the sync, HTTP calls and timers do not stall behind it; elsewhere (a
/// current-thread runtime, no runtime) it simply runs.
pub fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::blocking;

    /// A task woken just before the blocking work (a reply's HTTP answer, a timer) sits in the
    /// worker's own next-task slot, which no other worker takes: without the hand-over it
    /// would wait out the whole recognition.
    #[test]
    fn a_task_woken_just_before_blocking_work_runs_meanwhile() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap_or_else(|e| unreachable!("a runtime: {e}"));
        let ran_meanwhile = runtime.block_on(async {
            tokio::spawn(async {
                let (done, finished) = mpsc::channel();
                tokio::spawn(async move {
                    let _ = done.send(());
                });
                blocking(|| finished.recv_timeout(Duration::from_secs(3)).is_ok())
            })
            .await
        });
        assert_eq!(ran_meanwhile.ok(), Some(true));
    }

    #[test]
    fn outside_a_runtime_and_on_a_current_thread_one_it_simply_runs() {
        assert_eq!(blocking(|| 7), 7);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| unreachable!("a runtime: {e}"));
        assert_eq!(runtime.block_on(async { blocking(|| 7) }), 7);
    }
}
