//! Python wheels as containers of model files: a zip archive whose `*.dist-info/RECORD` lists
//! each file with its SHA-256 (urlsafe base64, no padding) and size. Every file taken out is
//! checked against that list while it streams, so a wheel whose contents were altered after
//! it was built (or a RECORD that lies) is refused.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zip::ZipArchive;

/// A RECORD larger than this is not a model wheel's.
const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum WheelError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable wheel: {reason}")]
    Archive { path: PathBuf, reason: String },
    #[error("{path}: the wheel has no single *.dist-info/RECORD")]
    NoRecord { path: PathBuf },
    #[error("{path}: RECORD line {line} is malformed")]
    MalformedRecord { path: PathBuf, line: usize },
    #[error("{path}: {member} is not listed with a sha256 in RECORD")]
    NotInRecord { path: PathBuf, member: String },
    #[error("{path}: {member} is listed in RECORD but not in the archive")]
    NotInArchive { path: PathBuf, member: String },
    #[error("{path}: {member} has {found} bytes, RECORD says {expected}")]
    SizeMismatch {
        path: PathBuf,
        member: String,
        expected: u64,
        found: u64,
    },
    #[error("{path}: {member} does not match its SHA-256 in RECORD")]
    HashMismatch { path: PathBuf, member: String },
    #[error("{path}: {member} is larger than {limit} bytes")]
    TooLarge {
        path: PathBuf,
        member: String,
        limit: u64,
    },
    #[error("writing {member} out of {path}: {source}")]
    Write {
        path: PathBuf,
        member: String,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RecordEntry {
    sha256: Vec<u8>,
    size: u64,
}

/// An open wheel with its RECORD.
#[derive(Debug)]
pub struct Wheel {
    path: PathBuf,
    archive: ZipArchive<File>,
    record: HashMap<String, RecordEntry>,
}

impl Wheel {
    pub fn open(path: &Path) -> Result<Wheel, WheelError> {
        let file = File::open(path).map_err(|source| WheelError::Io {
            path: path.to_owned(),
            source,
        })?;
        let archive_error = |e: zip::result::ZipError| WheelError::Archive {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let mut archive = ZipArchive::new(file).map_err(archive_error)?;
        let records: Vec<String> = archive
            .file_names()
            .filter_map(Result::ok)
            .map(|name| name.into_owned())
            .filter(|name| {
                name.strip_suffix("/RECORD")
                    .is_some_and(|dir| dir.ends_with(".dist-info") && !dir.contains('/'))
            })
            .collect();
        let [record_name] = records.as_slice() else {
            return Err(WheelError::NoRecord {
                path: path.to_owned(),
            });
        };
        let mut text = String::new();
        archive
            .by_name(record_name)
            .map_err(archive_error)?
            .take(MAX_RECORD_BYTES)
            .read_to_string(&mut text)
            .map_err(|source| WheelError::Io {
                path: path.to_owned(),
                source,
            })?;
        let record = parse_record(&text).map_err(|line| WheelError::MalformedRecord {
            path: path.to_owned(),
            line,
        })?;
        Ok(Wheel {
            path: path.to_owned(),
            archive,
            record,
        })
    }

    /// Streams `member` into `out`, checking its size and SHA-256 against RECORD; returns its
    /// size. On an error `out` holds unverified bytes: the caller discards them.
    pub fn extract(&mut self, member: &str, out: &mut dyn Write) -> Result<u64, WheelError> {
        let path = self.path.clone();
        let expected = self
            .record
            .get(member)
            .cloned()
            .ok_or_else(|| WheelError::NotInRecord {
                path: path.clone(),
                member: member.to_owned(),
            })?;
        let mut entry = match self.archive.by_name(member) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => {
                return Err(WheelError::NotInArchive {
                    path,
                    member: member.to_owned(),
                });
            }
            Err(e) => {
                return Err(WheelError::Archive {
                    path,
                    reason: e.to_string(),
                });
            }
        };
        if entry.size() != expected.size {
            return Err(WheelError::SizeMismatch {
                path,
                member: member.to_owned(),
                expected: expected.size,
                found: entry.size(),
            });
        }
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        let mut buffer = vec![0u8; 1 << 16];
        let mut total = 0u64;
        // One byte more than RECORD allows, to notice an entry that is longer than declared.
        let mut limited = (&mut entry).take(expected.size + 1);
        loop {
            let read = match limited.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(WheelError::Archive {
                        path,
                        reason: format!("{member}: {e}"),
                    });
                }
            };
            let chunk = buffer.get(..read).unwrap_or_default();
            digest.update(chunk);
            out.write_all(chunk).map_err(|source| WheelError::Write {
                path: path.clone(),
                member: member.to_owned(),
                source,
            })?;
            total += read as u64;
        }
        if total != expected.size {
            return Err(WheelError::SizeMismatch {
                path,
                member: member.to_owned(),
                expected: expected.size,
                found: total,
            });
        }
        if digest.finish().as_ref() != expected.sha256.as_slice() {
            return Err(WheelError::HashMismatch {
                path,
                member: member.to_owned(),
            });
        }
        Ok(total)
    }

    /// `member`, verified, in memory (for small files such as `tokenizer.json`).
    pub fn read(&mut self, member: &str, limit: u64) -> Result<Vec<u8>, WheelError> {
        let size = self.record.get(member).map(|e| e.size).unwrap_or(0);
        if size > limit {
            return Err(WheelError::TooLarge {
                path: self.path.clone(),
                member: member.to_owned(),
                limit,
            });
        }
        let mut bytes = Vec::new();
        self.extract(member, &mut bytes)?;
        Ok(bytes)
    }
}

/// RECORD is CSV: `path,sha256=<urlsafe base64>,size`. Entries without a hash (RECORD itself,
/// signatures) are left out. Returns the 1-based line of the first malformed entry.
fn parse_record(text: &str) -> Result<HashMap<String, RecordEntry>, usize> {
    let mut entries = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_csv(line).ok_or(index + 1)?;
        let [path, hash, size] = fields.as_slice() else {
            return Err(index + 1);
        };
        if hash.is_empty() {
            continue;
        }
        let Some(encoded) = hash.strip_prefix("sha256=") else {
            continue; // Another algorithm: such a file is not usable here, and says so when asked.
        };
        let sha256 = URL_SAFE_NO_PAD
            .decode(encoded)
            .ok()
            .filter(|d| d.len() == 32)
            .ok_or(index + 1)?;
        let size = size.parse().map_err(|_| index + 1)?;
        entries.insert(path.clone(), RecordEntry { sha256, size });
    }
    Ok(entries)
}

/// One CSV line (RFC 4180 quoting); `None` when a quote is left open.
fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn record_line(path: &str, bytes: &[u8]) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
        format!(
            "{path},sha256={},{}\n",
            URL_SAFE_NO_PAD.encode(digest.as_ref()),
            bytes.len()
        )
    }

    fn build_wheel(path: &Path, files: &[(&str, &[u8])], record: &str) {
        let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.start_file("pkg-1.0.dist-info/RECORD", options).unwrap();
        zip.write_all(record.as_bytes()).unwrap();
        zip.finish().unwrap();
    }

    #[test]
    fn files_matching_record_come_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pkg-1.0-py3-none-any.whl");
        let model = vec![7u8; 100_000];
        let record = format!(
            "{}{}pkg-1.0.dist-info/RECORD,,\n",
            record_line("pkg/model.bin", &model),
            record_line("pkg/config.json", b"{}")
        );
        build_wheel(
            &path,
            &[("pkg/model.bin", &model), ("pkg/config.json", b"{}")],
            &record,
        );
        let mut wheel = Wheel::open(&path).unwrap();
        let mut out = Vec::new();
        assert_eq!(wheel.extract("pkg/model.bin", &mut out).unwrap(), 100_000);
        assert_eq!(out, model);
        assert_eq!(wheel.read("pkg/config.json", 10).unwrap(), b"{}");
        assert!(matches!(
            wheel.read("pkg/model.bin", 10),
            Err(WheelError::TooLarge { .. })
        ));
        assert!(matches!(
            wheel.extract("pkg/other", &mut Vec::new()),
            Err(WheelError::NotInRecord { .. })
        ));
    }

    #[test]
    fn a_file_that_does_not_match_record_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pkg-1.0-py3-none-any.whl");
        // RECORD describes other bytes of the same length.
        let record = record_line("pkg/model.bin", b"original bytes");
        build_wheel(&path, &[("pkg/model.bin", b"tampered bytes")], &record);
        let mut wheel = Wheel::open(&path).unwrap();
        let error = wheel.extract("pkg/model.bin", &mut Vec::new()).unwrap_err();
        assert!(matches!(error, WheelError::HashMismatch { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains("does not match its SHA-256 in RECORD")
        );

        let record = record_line("pkg/model.bin", b"longer original bytes");
        build_wheel(&path, &[("pkg/model.bin", b"tampered bytes")], &record);
        let error = Wheel::open(&path)
            .unwrap()
            .extract("pkg/model.bin", &mut Vec::new())
            .unwrap_err();
        assert!(matches!(error, WheelError::SizeMismatch { .. }), "{error}");
    }

    #[test]
    fn broken_wheels_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.whl");
        std::fs::write(&path, b"not a zip at all").unwrap();
        assert!(matches!(
            Wheel::open(&path),
            Err(WheelError::Archive { .. })
        ));
        build_wheel(&path, &[], "pkg/a,sha256=!!!,3\n");
        assert!(matches!(
            Wheel::open(&path),
            Err(WheelError::MalformedRecord { line: 1, .. })
        ));
    }

    #[test]
    fn record_csv_quoting() {
        assert_eq!(
            split_csv(r#""a,b",sha256=x,"1""2""#).unwrap(),
            vec!["a,b", "sha256=x", "1\"2"]
        );
        assert_eq!(split_csv(r#""open,x"#), None);
    }
}
