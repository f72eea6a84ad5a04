//! A customer's app as a separate process, killed in the middle of rebuilding its damaged
//! store: the store test runs it and then opens the store as the app would next time.
//!
//! Usage: rebuild_child STORE KEY_FILE in-use|at-open delete|wrap|record
//!
//! `in-use` opens the store, finds its damage with a full check and rebuilds it (damage a
//! customer's app meets while reading); `at-open` lets the open find it (a key that no longer
//! opens the file). The process aborts — no unwinding, no clean-up, as a kill — the first
//! time the rebuild asks its key store to delete the key (`delete`), to wrap the new store's
//! data key (`wrap`) or to record the new store's first write (`record`: the new store stands,
//! tagged, and nothing of hers is in it yet). Exit 3 says the rebuild never got there.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use tingshuo_core::Store;
use tingshuo_core::crypto::{KeyStore, KeyStoreError};
use tingshuo_desktop::keystore::FileKeyStore;
use zeroize::Zeroizing;

/// The app's key store, killing the process at one of its calls once the rebuild began.
struct KilledAt {
    keys: FileKeyStore,
    point: String,
    armed: AtomicBool,
}

impl KilledAt {
    fn reached(&self, point: &str) {
        if self.point == point && self.armed.load(Ordering::SeqCst) {
            std::process::abort();
        }
    }
}

impl KeyStore for KilledAt {
    fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        self.reached("wrap");
        self.keys.wrap(data_key)
    }
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        self.keys.unwrap(wrapped)
    }
    fn delete(&self) -> Result<(), KeyStoreError> {
        self.reached("delete");
        self.keys.delete()
    }
    fn record_generation(&self, generation: u64) -> Result<(), KeyStoreError> {
        self.reached("record");
        self.keys.record_generation(generation)
    }
    fn recorded_generation(&self) -> Result<Option<u64>, KeyStoreError> {
        self.keys.recorded_generation()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, store, key_file, when, point] = args.as_slice() else {
        eprintln!("usage: rebuild_child STORE KEY_FILE in-use|at-open delete|wrap|record");
        return ExitCode::from(2);
    };
    let keys = KilledAt {
        keys: FileKeyStore::new(key_file),
        point: point.clone(),
        // Damage found at open fails before the open writes anything: the rebuild is next.
        armed: AtomicBool::new(when == "at-open"),
    };
    let path = PathBuf::from(store);
    let rebuilt = if when == "in-use" {
        match Store::open(&path, &keys).await {
            Ok(store) => match store.verify().await {
                Ok(()) => {
                    eprintln!("rebuild_child: the store has no damage to rebuild from");
                    return ExitCode::from(2);
                }
                Err(damage) => {
                    keys.armed.store(true, Ordering::SeqCst);
                    store.rebuild_after(&keys, damage).await
                }
            },
            Err(error) => Err(error),
        }
    } else {
        Store::open_or_rebuild(&path, &keys).await
    };
    match rebuilt {
        Ok(_) => {
            eprintln!("rebuild_child: the rebuild finished without reaching {point}");
            ExitCode::from(3)
        }
        Err(error) => {
            eprintln!("rebuild_child: {error}");
            ExitCode::FAILURE
        }
    }
}
