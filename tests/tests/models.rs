//! Speech models: downloads against a real HTTP server on loopback (resumed after dropped
//! connections, refused when the hash is wrong), and the installed models read back as
//! whisper.cpp will read them. The installed models come from `make test`'s `models` step;
//! without them those tests say why they skip.

#![allow(clippy::unwrap_used, clippy::print_stderr)] // Tests fail loudly; skips say why.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tingshuo_models::catalogue;
use tingshuo_models::download::{DownloadError, DownloadOptions, Downloader, Expected};
use tingshuo_models::ggml::{
    FTYPE_MOSTLY_Q8_0, GgmlFile, Hparams, TYPE_F16, TYPE_F32, TYPE_Q8_0, read_tensor_f32,
};
use tingshuo_models::{ModelCache, ModelStatus, mel, sha256_of};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the loopback server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Honours `Range: bytes=N-`.
    Ranges,
    /// The first `n` answers promise the whole rest but close the connection halfway.
    DropFirst(usize),
    /// Always the whole file with 200, whatever was asked.
    IgnoreRanges,
    /// Always 503.
    Unavailable,
}

struct Server {
    url: String,
    /// The `Range` header of each request, in order.
    ranges: Arc<Mutex<Vec<Option<String>>>>,
}

/// A plain HTTP/1.1 server on loopback, written out by hand so it can misbehave on purpose.
async fn serve(content: Vec<u8>, behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/model.bin", listener.local_addr().unwrap());
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let log = ranges.clone();
    let content = Arc::new(content);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            let content = content.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut range = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("range")
                    {
                        range = Some(value.trim().to_owned());
                    }
                }
                let index = {
                    let mut log = log.lock().unwrap();
                    log.push(range.clone());
                    log.len() - 1
                };
                let len = content.len();
                let start = match (behaviour, &range) {
                    (Behaviour::IgnoreRanges, _) | (_, None) => 0,
                    (_, Some(range)) => range
                        .strip_prefix("bytes=")
                        .and_then(|r| r.strip_suffix('-'))
                        .and_then(|n| n.parse::<usize>().ok())
                        .unwrap_or(0),
                };
                let head = match behaviour {
                    Behaviour::Unavailable => {
                        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n".to_owned()
                    }
                    _ if start > 0 => format!(
                        "HTTP/1.1 206 Partial Content\r\n\
                         Content-Range: bytes {start}-{}/{len}\r\nContent-Length: {}\r\n",
                        len - 1,
                        len - start
                    ),
                    _ => format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n"),
                };
                let _ = write
                    .write_all(format!("{head}Connection: close\r\n\r\n").as_bytes())
                    .await;
                if behaviour == Behaviour::Unavailable {
                    return;
                }
                let body = &content[start..];
                let body = match behaviour {
                    Behaviour::DropFirst(n) if index < n => &body[..body.len() / 2],
                    _ => body,
                };
                // In pieces, so the client sees progress before a drop.
                for piece in body.chunks(16 * 1024) {
                    if write.write_all(piece).await.is_err() {
                        return;
                    }
                }
                let _ = write.shutdown().await;
            });
        }
    });
    Server { url, ranges }
}

fn content() -> Vec<u8> {
    (0..400_000u32).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn downloader() -> Downloader {
    Downloader::with_options(DownloadOptions {
        allow_plain_http: true,
        attempts: 4,
        retry_delay: Duration::from_millis(10),
    })
    .unwrap()
}

async fn fetch(
    server: &Server,
    destination: &Path,
    bytes: &[u8],
) -> (Result<(), DownloadError>, Vec<(u64, u64)>) {
    let (sha256, size) = sha256_of(bytes).unwrap();
    let mut seen = Vec::new();
    let result = downloader()
        .fetch(
            &server.url.parse().unwrap(),
            destination,
            Expected {
                size,
                sha256: &sha256,
            },
            &mut |done, total| seen.push((done, total)),
        )
        .await;
    (result, seen)
}

fn part_of(destination: &Path) -> std::path::PathBuf {
    destination.with_file_name("model.bin.part")
}

#[tokio::test]
async fn a_download_resumes_after_the_connection_drops() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("model.bin");
    let bytes = content();
    let server = serve(bytes.clone(), Behaviour::DropFirst(2)).await;
    let (result, seen) = fetch(&server, &destination, &bytes).await;
    result.unwrap();
    assert_eq!(std::fs::read(&destination).unwrap(), bytes);
    assert!(!part_of(&destination).exists());

    // Three requests: the whole file, then two ranges, each from where the last one ended.
    let ranges = server.ranges.lock().unwrap().clone();
    assert_eq!(
        ranges,
        vec![
            None,
            Some("bytes=200000-".to_owned()),
            Some("bytes=300000-".to_owned())
        ]
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress only grows"
    );
    assert_eq!(seen.last(), Some(&(400_000, 400_000)));
}

#[tokio::test]
async fn a_download_resumes_a_part_file_left_by_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("model.bin");
    let bytes = content();
    std::fs::write(part_of(&destination), &bytes[..123_456]).unwrap();
    let server = serve(bytes.clone(), Behaviour::Ranges).await;
    fetch(&server, &destination, &bytes).await.0.unwrap();
    assert_eq!(std::fs::read(&destination).unwrap(), bytes);
    assert_eq!(
        server.ranges.lock().unwrap().clone(),
        vec![Some("bytes=123456-".to_owned())]
    );
}

#[tokio::test]
async fn a_server_without_ranges_sends_the_whole_file_again() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("model.bin");
    let bytes = content();
    std::fs::write(part_of(&destination), &bytes[..50_000]).unwrap();
    let server = serve(bytes.clone(), Behaviour::IgnoreRanges).await;
    fetch(&server, &destination, &bytes).await.0.unwrap();
    assert_eq!(std::fs::read(&destination).unwrap(), bytes);
}

#[tokio::test]
async fn a_wrong_hash_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("model.bin");
    let bytes = content();
    let mut expected = bytes.clone();
    expected[300_000] ^= 1; // Same size, one bit different.
    let server = serve(bytes, Behaviour::DropFirst(1)).await;
    let (result, _) = fetch(&server, &destination, &expected).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, DownloadError::HashMismatch { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("SHA-256"), "{error}");
    assert!(!destination.exists());
    assert!(!part_of(&destination).exists());
}

#[tokio::test]
async fn a_larger_file_than_expected_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("model.bin");
    let bytes = content();
    let server = serve(bytes.clone(), Behaviour::Ranges).await;
    let (result, _) = fetch(&server, &destination, &bytes[..1000]).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, DownloadError::SizeMismatch { .. }),
        "{error}"
    );
    assert!(!destination.exists());
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_given_up_on() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("model.bin");
    let bytes = content();
    let server = serve(bytes.clone(), Behaviour::Unavailable).await;
    let (result, _) = fetch(&server, &destination, &bytes).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, DownloadError::Network { attempts: 4, .. }),
        "{error}"
    );
    assert_eq!(server.ranges.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn real_downloads_are_https_only() {
    let dir = tempfile::tempdir().unwrap();
    let error = Downloader::new()
        .unwrap()
        .fetch(
            &"http://127.0.0.1:9/model.bin".parse().unwrap(),
            &dir.path().join("model.bin"),
            Expected {
                size: 1,
                sha256: "00",
            },
            &mut |_, _| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(error, DownloadError::NotHttps(_)), "{error}");
}

/// The installed model's ggml file, or `None` (with the reason printed) when it is not there.
fn installed(id: &str) -> Option<(std::path::PathBuf, GgmlFile)> {
    let spec = catalogue::find(id).unwrap();
    let cache = ModelCache::from_env().unwrap();
    match cache.status(spec).unwrap() {
        ModelStatus::Installed(path) => {
            let ggml = GgmlFile::open(&path).unwrap();
            Some((path, ggml))
        }
        other => {
            tingshuo_tests::skip(&format!(
                "model {id} is not installed in {} ({other:?}); \
                 `make models` or `tingshuo models install {id}` installs it",
                cache.root().display()
            ));
            None
        }
    }
}

/// Every tensor whisper.cpp looks up, with its ggml dims (innermost first) and type; the
/// projections and the token embedding (whisper.cpp's `wtype`) in `matrix`.
fn expected_tensors(h: &Hparams, matrix: i32) -> Vec<(String, Vec<u64>, i32)> {
    let audio = h.n_audio_state as u64;
    let text = h.n_text_state as u64;
    let mut tensors = vec![
        (
            "encoder.positional_embedding".to_owned(),
            vec![audio, h.n_audio_ctx as u64],
            TYPE_F32,
        ),
        (
            "encoder.conv1.weight".into(),
            vec![3, h.n_mels as u64, audio],
            TYPE_F16,
        ),
        ("encoder.conv1.bias".into(), vec![1, audio], TYPE_F32),
        (
            "encoder.conv2.weight".into(),
            vec![3, audio, audio],
            TYPE_F16,
        ),
        ("encoder.conv2.bias".into(), vec![1, audio], TYPE_F32),
        ("encoder.ln_post.weight".into(), vec![audio], TYPE_F32),
        ("encoder.ln_post.bias".into(), vec![audio], TYPE_F32),
        (
            "decoder.positional_embedding".into(),
            vec![text, h.n_text_ctx as u64],
            TYPE_F32,
        ),
        (
            "decoder.token_embedding.weight".into(),
            vec![text, h.n_vocab as u64],
            matrix,
        ),
        ("decoder.ln.weight".into(), vec![text], TYPE_F32),
        ("decoder.ln.bias".into(), vec![text], TYPE_F32),
    ];
    let block = |tensors: &mut Vec<(String, Vec<u64>, i32)>, prefix: &str, n: u64, cross: bool| {
        let mut attention = vec!["attn"];
        if cross {
            attention.push("cross_attn");
        }
        for attn in attention {
            tensors.push((format!("{prefix}.{attn}_ln.weight"), vec![n], TYPE_F32));
            tensors.push((format!("{prefix}.{attn}_ln.bias"), vec![n], TYPE_F32));
            for part in ["query", "key", "value", "out"] {
                tensors.push((format!("{prefix}.{attn}.{part}.weight"), vec![n, n], matrix));
                if part != "key" {
                    tensors.push((format!("{prefix}.{attn}.{part}.bias"), vec![n], TYPE_F32));
                }
            }
        }
        tensors.push((format!("{prefix}.mlp_ln.weight"), vec![n], TYPE_F32));
        tensors.push((format!("{prefix}.mlp_ln.bias"), vec![n], TYPE_F32));
        tensors.push((format!("{prefix}.mlp.0.weight"), vec![n, 4 * n], matrix));
        tensors.push((format!("{prefix}.mlp.0.bias"), vec![4 * n], TYPE_F32));
        tensors.push((format!("{prefix}.mlp.2.weight"), vec![4 * n, n], matrix));
        tensors.push((format!("{prefix}.mlp.2.bias"), vec![n], TYPE_F32));
    };
    for layer in 0..h.n_audio_layer {
        block(
            &mut tensors,
            &format!("encoder.blocks.{layer}"),
            audio,
            false,
        );
    }
    for layer in 0..h.n_text_layer {
        block(&mut tensors, &format!("decoder.blocks.{layer}"), text, true);
    }
    tensors.sort();
    tensors
}

/// `tokens`: (id, bytes) pairs looked up in the model's tokenizer.json with Python.
fn check_model(
    ggml: &GgmlFile,
    hparams: Hparams,
    tensor_count: usize,
    vocab_len: usize,
    tokens: &[(usize, &str)],
) {
    assert_eq!(ggml.hparams, hparams);
    assert_eq!(ggml.mel_shape, (80, 201));
    assert_eq!(ggml.mel_filters, mel::mel_filters());
    assert_eq!(ggml.vocabulary.len(), vocab_len);
    for &(id, text) in tokens {
        assert_eq!(ggml.vocabulary[id], text.as_bytes(), "token {id}");
    }
    let mut found: Vec<(String, Vec<u64>, i32)> = ggml
        .tensors
        .iter()
        .map(|t| (t.name.clone(), t.dims.clone(), t.ggml_type))
        .collect();
    found.sort();
    assert_eq!(found.len(), tensor_count);
    let matrix = if hparams.ftype == FTYPE_MOSTLY_Q8_0 {
        TYPE_Q8_0
    } else {
        TYPE_F16
    };
    assert_eq!(found, expected_tensors(&hparams, matrix));
}

#[test]
fn installed_tiny_en_is_whisper_tiny_en_in_ggml() {
    let Some((path, ggml)) = installed("tiny.en") else {
        return;
    };
    let hparams = Hparams {
        n_vocab: 51864,
        n_audio_ctx: 1500,
        n_audio_state: 384,
        n_audio_head: 6,
        n_audio_layer: 4,
        n_text_ctx: 448,
        n_text_state: 384,
        n_text_head: 6,
        n_text_layer: 4,
        n_mels: 80,
        ftype: 1,
    };
    check_model(
        &ggml,
        hparams,
        167,
        50256,
        &[(0, "!"), (220, " "), (262, " the")],
    );
    // Positional embeddings are sinusoids: position 0 is sin(0) = 0 then cos(0) = 1.
    let position = ggml.tensor("encoder.positional_embedding").unwrap();
    let values = read_tensor_f32(&path, position).unwrap();
    assert!(values[..192].iter().all(|&v| v == 0.0));
    assert!(values[192..384].iter().all(|&v| v == 1.0));
}

/// Whisper base's hyperparameters, its 2-D weights stored as `ftype` says.
fn base_hparams(ftype: i32) -> Hparams {
    Hparams {
        n_vocab: 51865,
        n_audio_ctx: 1500,
        n_audio_state: 512,
        n_audio_head: 8,
        n_audio_layer: 6,
        n_text_ctx: 448,
        n_text_state: 512,
        n_text_head: 8,
        n_text_layer: 6,
        n_mels: 80,
        ftype,
    }
}

fn check_base(ggml: &GgmlFile, ftype: i32) {
    check_model(
        ggml,
        base_hparams(ftype),
        245,
        50257,
        &[(262, " s"), (3765, " bank"), (5975, "中"), (26410, "你好")],
    );
    assert_eq!(
        ggml.vocabulary[50256], b"",
        "id 50256 is empty in the multilingual vocabulary"
    );
}

#[test]
fn installed_base_is_multilingual_whisper_base_in_ggml() {
    let Some((_, ggml)) = installed("base") else {
        return;
    };
    check_base(&ggml, 1);
}

/// The 8-bit base holds base's weights: every value of every quantized matrix within one
/// step (its block's largest magnitude / 127) of the half-precision file's.
#[test]
fn installed_base_q8_0_is_base_in_eight_bits() {
    let Some((path, ggml)) = installed("base-q8_0") else {
        return;
    };
    check_base(&ggml, FTYPE_MOSTLY_Q8_0);
    let Some((half_path, half)) = installed("base") else {
        return;
    };
    let mut compared = 0;
    for tensor in ggml.tensors.iter().filter(|t| t.ggml_type == TYPE_Q8_0) {
        let quantized = read_tensor_f32(&path, tensor).unwrap();
        let exact = read_tensor_f32(&half_path, half.tensor(&tensor.name).unwrap()).unwrap();
        assert_eq!(quantized.len(), exact.len());
        for (block, exact_block) in quantized.chunks(32).zip(exact.chunks(32)) {
            let step = tingshuo_models::quantize::step_of(exact_block);
            for (q, e) in block.iter().zip(exact_block) {
                assert!((q - e).abs() <= step, "{}: {q} against {e}", tensor.name);
            }
        }
        compared += 1;
    }
    // 6 encoder blocks × 6 matrices, 6 decoder blocks × 10, the token embedding.
    assert_eq!(compared, 6 * 6 + 6 * 10 + 1);
}

/// A model file edited after it was checked, its modification time put back, is refused by
/// `Recognizer::load_pinned` before whisper.cpp reads a byte (the cache's quick check trusts
/// size and mtime: a guard against damage, not a proof); the intact file loads.
#[test]
fn an_edited_model_with_its_old_timestamp_is_refused_before_whisper_reads_it() {
    use std::io::{Seek as _, SeekFrom, Write as _};
    use tingshuo_core::listen::recognizer::Recognizer;
    let Some((installed_path, ggml)) = installed("tiny.en") else {
        return;
    };
    let spec = catalogue::find("tiny.en").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = ModelCache::new(dir.path());
    let path = cache.model_path(spec);
    std::fs::copy(&installed_path, &path).unwrap();
    assert_eq!(
        cache.status(spec).unwrap(),
        ModelStatus::Installed(path.clone())
    );
    Recognizer::load_pinned(&path, spec.sha256).unwrap();

    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let tensor = ggml.tensor("encoder.positional_embedding").unwrap();
    let mut file = std::fs::File::options().write(true).open(&path).unwrap();
    file.seek(SeekFrom::Start(tensor.offset + 4)).unwrap();
    file.write_all(&[0x7f]).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    let error = Recognizer::load_pinned(&path, spec.sha256)
        .unwrap_err()
        .to_string();
    assert!(error.contains("SHA-256"), "{error}");
}

/// The library's ggml runs f32, f16 and q8_0 weights only (vendor/README.md, change 6): a
/// model whose file names another type — for the whole model or for one tensor — is refused
/// with that reason before whisper.cpp reads it, never loaded into kernels that are not there.
#[test]
fn a_model_of_a_type_this_build_does_not_run_is_refused_before_whisper_reads_it() {
    use std::io::{Seek as _, SeekFrom, Write as _};
    use tingshuo_core::listen::recognizer::Recognizer;
    let Some((installed_path, ggml)) = installed("tiny.en") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let refusal = |at: u64, value: i32| {
        let path = dir.path().join(format!("edited-{at}-{value}.bin"));
        std::fs::copy(&installed_path, &path).unwrap();
        let mut file = std::fs::File::options().write(true).open(&path).unwrap();
        file.seek(SeekFrom::Start(at)).unwrap();
        file.write_all(&value.to_le_bytes()).unwrap();
        drop(file);
        match Recognizer::load(&path) {
            Ok(_) => panic!("a model edited to type {value} at byte {at} was loaded"),
            Err(error) => error.to_string(),
        }
    };
    // The magic, then ten hyperparameters before the ftype.
    const FTYPE_AT: u64 = 4 + 10 * 4;
    for (ftype, name) in [(2, "ftype 2"), (2_012, "ftype 2012"), (-993, "ftype -993")] {
        let error = refusal(FTYPE_AT, ftype);
        assert!(
            error.contains(name) && error.contains("does not run"),
            "{error}"
        );
    }
    // A tensor's header: rank, name length, type, dimensions, name; then its data.
    let matrix = ggml
        .tensors
        .iter()
        .find(|t| t.dims.len() == 2 && t.ggml_type == TYPE_F16)
        .unwrap();
    let type_at = matrix.offset - matrix.name.len() as u64 - 4 * matrix.dims.len() as u64 - 4;
    for (ggml_type, name) in [(2, "q4_0"), (12, "q4_K"), (16, "iq2_xxs"), (39, "mxfp4")] {
        let error = refusal(type_at, ggml_type);
        assert!(
            error.contains(name) && error.contains(&matrix.name),
            "{error}"
        );
    }
    // The file as installed loads.
    Recognizer::load(&installed_path).unwrap();
}
