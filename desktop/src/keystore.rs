//! The desktop's host capabilities: the key-encryption key and the device signing key, each
//! in a file only its owner can read. On phones the app implements [`KeyStore`] with Android
//! Keystore or the iOS Keychain, and [`DeviceSigner`] with a hardware-backed key that asks
//! for PIN or biometric.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tingshuo_core::crypto::{
    DeviceSigner, SignerError, SoftwareSigner, generate_key, unwrap_with_key, wrap_with_key,
};
use tingshuo_core::{KeyStore, KeyStoreError};
use zeroize::Zeroizing;

const KEY_LEN: usize = 32;

/// Why a private file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivateFileError {
    Missing,
    Unusable(String),
}

/// Reads a file that must be readable by its owner only.
pub fn read_private_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, PrivateFileError> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(PrivateFileError::Missing),
        Err(e) => {
            return Err(PrivateFileError::Unusable(format!(
                "cannot open {}: {e}",
                path.display()
            )));
        }
    };
    let mode = file
        .metadata()
        .map_err(|e| PrivateFileError::Unusable(format!("cannot read metadata: {e}")))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(PrivateFileError::Unusable(format!(
            "{} is readable by others (mode {:o}); refusing to use it",
            path.display(),
            mode & 0o777
        )));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.read_to_end(&mut bytes)
        .map_err(|e| PrivateFileError::Unusable(format!("cannot read {}: {e}", path.display())))?;
    Ok(bytes)
}

/// Creates a directory (and its parents) and makes it the owner's alone (0700).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Writes `bytes` to a new 0600 temporary file beside `path`, in a 0700 directory; returns
/// the temporary file's path.
fn write_temporary(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(temporary)
}

/// Creates a 0600 file in a 0700 directory, atomically: it appears whole or not at all, so a
/// crash mid-write never leaves a truncated key. Never replaces an existing file (a key
/// another process created first wins); returns `false` then.
pub fn create_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let temporary = write_temporary(path, bytes)?;
    let linked = fs::hard_link(&temporary, path);
    fs::remove_file(&temporary)?;
    match linked {
        Ok(()) => {
            fs::File::open(path.parent().unwrap_or(Path::new(".")))?.sync_all()?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes a 0600 file in a 0700 directory in place of any earlier one, atomically (a
/// temporary file renamed over it): a reader sees the old bytes or the new, never a mix.
pub fn replace_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = write_temporary(path, bytes)?;
    fs::rename(&temporary, path)
}

/// Overwrites and deletes a private file; a missing file is already deleted.
pub fn destroy_private_file(path: &Path) -> std::io::Result<()> {
    if let Ok(metadata) = fs::metadata(path) {
        // Overwrite before unlinking, so the key does not linger in the file's blocks.
        let zeros = vec![0_u8; usize::try_from(metadata.len()).unwrap_or(KEY_LEN)];
        let _ = fs::write(path, zeros);
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

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

    /// Where the store's write generation is kept: a 0600 file beside the key, so a
    /// database file put back from an older copy is found at open.
    pub fn generation_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(".generation");
        self.path.with_file_name(name)
    }

    fn read_key(&self) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        match read_private_file(&self.path) {
            Ok(key) if key.len() == KEY_LEN => Ok(key),
            Ok(_) => Err(KeyStoreError::Failed(
                "key file has the wrong length".into(),
            )),
            Err(PrivateFileError::Missing) => {
                Err(KeyStoreError::Unavailable("key file not found".into()))
            }
            Err(PrivateFileError::Unusable(why)) => Err(KeyStoreError::Failed(why)),
        }
    }

    fn read_or_create_key(&self) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        match self.read_key() {
            Err(KeyStoreError::Unavailable(_)) => {
                let key = generate_key().map_err(|e| KeyStoreError::Failed(e.to_string()))?;
                create_private_file(&self.path, &key)
                    .map_err(|e| KeyStoreError::Failed(format!("cannot create key file: {e}")))?;
                // Whoever created the file first, its key is the key.
                self.read_key()
            }
            other => other,
        }
    }
}

impl KeyStore for FileKeyStore {
    fn wrap(&self, data_key: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        wrap_with_key(&self.read_or_create_key()?, data_key)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        unwrap_with_key(&self.read_key()?, wrapped)
    }

    fn delete(&self) -> Result<(), KeyStoreError> {
        destroy_private_file(&self.path)
            .map_err(|e| KeyStoreError::Failed(format!("cannot delete key file: {e}")))?;
        destroy_private_file(&self.generation_path())
            .map_err(|e| KeyStoreError::Failed(format!("cannot delete generation file: {e}")))
    }

    fn record_generation(&self, generation: u64) -> Result<(), KeyStoreError> {
        replace_private_file(&self.generation_path(), &generation.to_le_bytes())
            .map_err(|e| KeyStoreError::Failed(format!("cannot record the generation: {e}")))
    }

    fn recorded_generation(&self) -> Result<Option<u64>, KeyStoreError> {
        match read_private_file(&self.generation_path()) {
            Ok(bytes) => <[u8; 8]>::try_from(bytes.as_slice())
                .map(|b| Some(u64::from_le_bytes(b)))
                .map_err(|_| KeyStoreError::Failed("generation file has the wrong length".into())),
            Err(PrivateFileError::Missing) => Ok(None),
            Err(PrivateFileError::Unusable(why)) => Err(KeyStoreError::Failed(why)),
        }
    }
}

/// The device's Ed25519 signing keys, login and payment, in a 0600 file. The desktop has no PIN pad, so
/// its step-up always succeeds; a phone's signer asks the customer.
#[derive(Debug)]
pub struct FileDeviceSigner {
    signer: SoftwareSigner,
}

impl FileDeviceSigner {
    /// Loads the key, creating it on first use.
    pub fn open_or_create(path: &Path) -> Result<FileDeviceSigner, SignerError> {
        let unusable = |why: String| SignerError::Failed(why);
        let pkcs8 = match read_private_file(path) {
            Ok(bytes) => bytes,
            Err(PrivateFileError::Missing) => {
                let (_, pkcs8) = SoftwareSigner::generate().map_err(|e| unusable(e.to_string()))?;
                create_private_file(path, &pkcs8)
                    .map_err(|e| unusable(format!("cannot create device key: {e}")))?;
                read_private_file(path).map_err(|_| unusable("device key vanished".into()))?
            }
            Err(PrivateFileError::Unusable(why)) => return Err(unusable(why)),
        };
        let signer = SoftwareSigner::from_key_material(&pkcs8).map_err(|e| {
            unusable(format!(
                "{e}: the device key file is unreadable or of an older format; log out to start again"
            ))
        })?;
        Ok(FileDeviceSigner { signer })
    }
}

impl DeviceSigner for FileDeviceSigner {
    fn login_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.signer.login_public_key()
    }

    fn payment_public_key(&self) -> Result<Vec<u8>, SignerError> {
        self.signer.payment_public_key()
    }

    fn sign_login(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.signer.sign_login(message)
    }

    fn sign_payment(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.signer.sign_payment(message)
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
        let left: Vec<_> = fs::read_dir(dir.path().join("keys")).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");

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
    fn the_generation_is_kept_beside_the_key_and_deleted_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path().join("keys/customer.key"));
        assert_eq!(store.recorded_generation().unwrap(), None);
        store.record_generation(7).unwrap();
        store.record_generation(9).unwrap();
        assert_eq!(store.recorded_generation().unwrap(), Some(9));
        let again = FileKeyStore::new(dir.path().join("keys/customer.key"));
        assert_eq!(again.recorded_generation().unwrap(), Some(9));
        let mode = fs::metadata(store.generation_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let left = fs::read_dir(dir.path().join("keys")).unwrap().count();
        assert_eq!(left, 1, "no temporary file is left behind");
        store.delete().unwrap();
        assert!(!store.generation_path().exists());
        assert_eq!(store.recorded_generation().unwrap(), None);
    }

    #[test]
    fn a_damaged_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.key");
        assert!(create_private_file(&path, b"short").unwrap());
        let store = FileKeyStore::new(&path);
        assert!(matches!(
            store.unwrap(&[0; 40]),
            Err(KeyStoreError::Failed(_))
        ));
    }

    #[test]
    fn an_existing_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        assert!(create_private_file(&path, b"first").unwrap());
        assert!(!create_private_file(&path, b"second").unwrap());
        assert_eq!(read_private_file(&path).unwrap().as_slice(), b"first");
    }

    #[test]
    fn the_device_key_persists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.pk8");
        let first = FileDeviceSigner::open_or_create(&path).unwrap();
        let again = FileDeviceSigner::open_or_create(&path).unwrap();
        assert_eq!(
            first.login_public_key().unwrap(),
            again.login_public_key().unwrap()
        );
        assert_eq!(
            first.payment_public_key().unwrap(),
            again.payment_public_key().unwrap()
        );
        assert_eq!(first.login_public_key().unwrap().len(), 32);
        assert_ne!(
            first.login_public_key().unwrap(),
            first.payment_public_key().unwrap()
        );
    }
}
