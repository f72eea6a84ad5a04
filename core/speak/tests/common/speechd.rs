//! A private, headless speech-dispatcher for tests (`scripts/speechd-headless.sh`: libao's
//! null output, the espeak-ng module, its own socket), shared by the core's speaker test and
//! the desktop's `say` test (which includes this file by path).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A private speech-dispatcher, stopped (and its directory removed) on drop.
pub struct Daemon {
    dir: tempfile::TempDir,
    pub address: String,
}

fn script() -> PathBuf {
    // The crates using this file sit at different depths below the workspace root.
    let relative = Path::new("scripts/speechd-headless.sh");
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(relative))
        .find(|path| path.exists())
        .unwrap_or_else(|| relative.to_owned())
}

impl Daemon {
    /// `Err` carries the reason to skip when speech-dispatcher is not installed.
    pub fn start() -> Result<Daemon, String> {
        // Short: a unix socket path holds at most 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("speechd")
            .tempdir_in("/tmp")
            .unwrap();
        let output = Command::new(script())
            .arg("start")
            .arg(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        match output.status.code() {
            Some(0) => {}
            Some(2) => return Err(stderr),
            _ => panic!("the headless speech-dispatcher did not start: {stderr}"),
        }
        let address = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("SPEECHD_ADDRESS=").map(str::to_owned))
            .expect("the script prints SPEECHD_ADDRESS");
        Ok(Daemon { dir, address })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}
