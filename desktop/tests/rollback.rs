//! The harness's store with the desktop's file key store: the write generation is kept in a
//! 0600 file beside the key, and a whole older copy of the database put back is found by it.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::os::unix::fs::PermissionsExt;

use chrono::Utc;
use tingshuo_core::store::{OpenOutcome, RebuildReason};
use tingshuo_desktop::{CustomerPaths, open_store};

async fn decide(paths: &CustomerPaths, granted: bool) {
    let (store, _) = open_store(paths).await.unwrap();
    store
        .record_consent("voice", granted, 1, Utc::now())
        .await
        .unwrap();
    store.close().await;
}

#[tokio::test]
async fn an_older_copy_of_the_store_put_back_is_found_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let paths = CustomerPaths::new(dir.path(), "rollback-test").unwrap();
    decide(&paths, true).await;
    let generation = paths.key_store().generation_path();
    let mode = std::fs::metadata(&generation).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let older = std::fs::read(&paths.database).unwrap();

    decide(&paths, false).await;
    for companion in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{companion}", paths.database.display()));
    }
    std::fs::write(&paths.database, older).unwrap();

    let (store, outcome) = open_store(&paths).await.unwrap();
    assert_eq!(outcome.rebuild_reason(), Some(&RebuildReason::TamperedData));
    assert_eq!(
        store.consent("voice", 1).await.unwrap(),
        None,
        "the older copy's consent is not taken on its word"
    );
    store.close().await;
    let (store, outcome) = open_store(&paths).await.unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    store.close().await;
}
