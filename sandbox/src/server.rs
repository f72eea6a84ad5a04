//! Serving the bank on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::api;
use crate::bank::{Bank, BankConfig, BankError};
use crate::seed;

/// A bank serving on loopback until dropped or shut down.
#[derive(Debug)]
pub struct RunningBank {
    pub addr: SocketAddr,
    pub bank: Arc<Bank>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningBank {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A fresh enrollment code for a customer (see [`Bank::issue_enrollment_code`]): what the
    /// demo and the tests register a device with.
    pub async fn enrollment_code(&self, customer_id: &str) -> Result<String, BankError> {
        self.bank.issue_enrollment_code(customer_id).await
    }

    /// Stops accepting connections, ends the change streams and waits briefly for open
    /// connections to finish. One still open after that (a stalled request) is left to finish
    /// on its own: its connection's task is not the server's to abort.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(Duration::from_secs(2), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
            // Cancelled only once the runtime next polls it: until then its listener is
            // open, and serving again on this address would find it in use.
            let _ = (&mut self.task).await;
        }
    }
}

impl Drop for RunningBank {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Bank {
    /// Starts serving on `addr` (port 0 picks a free port).
    pub async fn serve(self: Arc<Bank>, addr: SocketAddr) -> Result<RunningBank, BankError> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (closing, closed) = tokio::sync::watch::channel(false);
        let router = api::router(self.clone(), api::Closing::new(closed));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // The source address is known to handlers: enrollment attempts are limited by it.
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = rx.await;
                let _ = closing.send(true);
            })
            .await;
            if let Err(error) = served {
                tracing::error!(%error, "reference bank stopped");
            }
        });
        tracing::info!(%addr, "reference bank listening");
        Ok(RunningBank {
            addr,
            bank: self,
            shutdown: Some(tx),
            task,
        })
    }
}

/// Starts a bank with both demo customers seeded, on a free loopback port. Their devices
/// register with codes from [`RunningBank::enrollment_code`].
pub async fn start_demo_bank(
    config: BankConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RunningBank, BankError> {
    demo_bank(config, now)
        .await?
        .serve(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
}

/// A bank with both demo customers seeded as of `now`, not yet serving.
pub async fn demo_bank(
    config: BankConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Arc<Bank>, BankError> {
    let bank = Bank::new(config).await?;
    for customer in seed::DemoCustomer::ALL {
        bank.seed(&customer.snapshot(now)).await?;
    }
    Ok(bank)
}
