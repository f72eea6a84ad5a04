//! The bindings' own runtime. Every async call of the app runs here as a task of its own and
//! the app's future only waits for it, so cancelling the app's side (a Kotlin coroutine drops
//! the Rust future; a Swift `Task` keeps waiting) never stops the core half way: a payment
//! confirmation, once started, runs to its end and is recorded and reconciled either way. A
//! panic in a task becomes [`TingshuoError::Internal`], never an abort.

use std::future::Future;
use std::sync::OnceLock;

use crate::TingshuoError;
use crate::error::internal;

static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();

pub(crate) fn runtime() -> Result<&'static tokio::runtime::Runtime, TingshuoError> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("tingshuo-core")
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
        .ok_or_else(|| internal("runtime"))
}

/// Runs `work` to its end on the bindings' runtime and waits for its result. Dropping the
/// returned future (a cancelled caller) leaves `work` running.
pub(crate) async fn run<T, F>(work: F) -> Result<T, TingshuoError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, TingshuoError>> + Send + 'static,
{
    let task = runtime()?.spawn(work);
    match task.await {
        Ok(result) => result,
        Err(error) if error.is_panic() => {
            tracing::error!("a core task panicked");
            Err(internal("panic"))
        }
        Err(_) => Err(TingshuoError::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_an_error_and_a_dropped_caller_does_not_stop_the_work() {
        #[allow(clippy::panic)]
        let panicked = futures_lite_block_on(run(async {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            Ok(())
        }));
        assert_eq!(panicked, Err(internal("panic")));

        let (tx, rx) = std::sync::mpsc::channel();
        let dropped = run(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let _ = tx.send(());
            Ok(())
        });
        // Polled once (the task starts), then dropped, as a cancelled coroutine is.
        let mut dropped = Box::pin(dropped);
        let waker = std::task::Waker::noop();
        let _ = dropped
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        drop(dropped);
        assert!(rx.recv_timeout(std::time::Duration::from_secs(5)).is_ok());
    }

    fn futures_lite_block_on<T>(future: impl Future<Output = T>) -> T {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = Box::pin(future);
        loop {
            if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
                return value;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
