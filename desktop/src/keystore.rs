//! The desktop's key store: the key-encryption key in a file that only its owner can read.
//! On phones the app implements [`KeyStore`] with Android Keystore or the iOS Keychain.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tingshuo_core::crypto::{generate_key, unwrap_with_key, wrap_with_key};
use tingshuo_core::{KeyStore, KeyStoreError};
use zeroize::Zeroizing;

const KEY_LEN: usize = 32;

/// A key-encryption key kept in a 0600 file inside a 0700 directory.
pub struct FileKeyStore {
    path: PathBuf,
}

impl fmt::Debug for FileKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileKeyStore")
            .field("path", &self.path)
            .finish()
    }
}

impl FileKeyStore {
    pub fn new(path: impl Into<PathBuf>) -> FileKeyStore {
        FileKeyStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_key(&self) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        let mut file = match fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(KeyStoreError::Unavailable("key file not found".into()));
            }
            Err(e) => return Err(KeyStoreError::Failed(format!("cannot open key file: {e}"))),
        };
        let mode = file
            .metadata()
            .map_err(|e| KeyStoreError::Failed(format!("cannot read key file metadata: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(KeyStoreError::Failed(format!(
                "key file {} is readable by others (mode {:o}); refusing to use it",
                self.path.display(),
                mode & 0o777
            )));
        }
        let mut key = Zeroizing::new(Vec::with_capacity(KEY_LEN));
        file.read_to_end(&mut key)
            .map_err(|e| KeyStoreError::Failed(format!("cannot read key file: {e}")))?;
        if key.len() != KEY_LEN {
            return Err(KeyStoreError::Failed(
                "key file has the wrong length".into(),
            ));
        }
        Ok(key)
    }

    fn create_key(&self) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)
                .and_then(|()| fs::set_permissions(dir, fs::Permissions::from_mode(0o700)))
                .map_err(|e| KeyStoreError::Failed(format!("cannot create key directory: {e}")))?;
        }
        let key = generate_key().map_err(|e| KeyStoreError::Failed(e.to_string()))?;
        // create_new: never overwrite a key another process created first.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| KeyStoreError::Failed(format!("cannot create key file: {e}")))?;
        file.write_all(&key)
            .and_then(|()| file.sync_all())
            .map_err(|e| KeyStoreError::Failed(format!("cannot write key file: {e}")))?;
        Ok(key)
    }
}

impl KeyStore for FileKeyStore {
    fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        let kek = match self.read_key() {
            Ok(kek) => kek,
            Err(KeyStoreError::Unavailable(_)) => self.create_key()?,
            Err(e) => return Err(e),
        };
        wrap_with_key(&kek, data_key)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        unwrap_with_key(&self.read_key()?, wrapped)
    }

    fn delete(&self) -> Result<(), KeyStoreError> {
        if let Ok(metadata) = fs::metadata(&self.path) {
            // Overwrite before unlinking, so the key does not linger in the file's blocks.
            let zeros = vec![0_u8; usize::try_from(metadata.len()).unwrap_or(KEY_LEN)];
            let _ = fs::write(&self.path, zeros);
        }
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(KeyStoreError::Failed(format!(
                "cannot delete key file: {e}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path().join("keys/customer.key"));
        let wrapped = store.wrap(&[7_u8; 32]).unwrap();
        assert_eq!(store.unwrap(&wrapped).unwrap().as_slice(), &[7_u8; 32]);
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(dir.path().join("keys"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);

        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            store.unwrap(&wrapped),
            Err(KeyStoreError::Failed(_))
        ));
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o600)).unwrap();

        store.delete().unwrap();
        assert!(!store.path().exists());
        assert!(matches!(
            store.unwrap(&wrapped),
            Err(KeyStoreError::Unavailable(_))
        ));
        store.delete().unwrap();
    }

    #[test]
    fn a_damaged_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.key");
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .unwrap()
            .write_all(b"short")
            .unwrap();
        let store = FileKeyStore::new(&path);
        assert!(matches!(
            store.unwrap(&[0; 40]),
            Err(KeyStoreError::Failed(_))
        ));
    }
}
