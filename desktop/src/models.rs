//! `tingshuo models`: install the speech models into the cache, list them, print a path.
//! Progress goes to stderr: a bar on a terminal, a few plain lines otherwise (logs, CI,
//! screen readers). Installing what is already installed prints nothing.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use clap::Subcommand;
use clap::builder::PossibleValuesParser;
use indicatif::{ProgressBar, ProgressStyle};
use tingshuo_models::catalogue::{self, CATALOGUE, ModelSpec, Weights};
use tingshuo_models::{Installer, ModelCache, ModelStatus, Progress, ProgressFn, Stage};

use crate::HarnessError;

fn model_ids() -> PossibleValuesParser {
    PossibleValuesParser::new(CATALOGUE.iter().map(|m| m.id))
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download, convert and verify models into the cache (nothing to do when installed)
    Install {
        /// Model ids, e.g. tiny.en base-q8_0
        #[arg(required = true, value_parser = model_ids())]
        ids: Vec<String>,
    },
    /// Every known model: size, whether it is installed, where it goes
    List,
    /// Print an installed model's path (fails when it is not installed)
    Path {
        #[arg(value_parser = model_ids())]
        id: String,
    },
}

fn spec(id: &str) -> Result<&'static ModelSpec, HarnessError> {
    catalogue::find(id).ok_or_else(|| HarnessError::Usage(format!("unknown model {id}")))
}

fn failed(error: impl std::fmt::Display) -> HarnessError {
    HarnessError::Usage(error.to_string())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub async fn run(command: ModelsCommand) -> Result<(), HarnessError> {
    let cache = ModelCache::from_env().map_err(failed)?;
    let mut out = std::io::stdout();
    match command {
        ModelsCommand::Install { ids } => {
            let installer = Installer::new(cache).map_err(failed)?;
            for id in ids {
                let spec = spec(&id)?;
                let reporter = Reporter::new();
                let installed = installer
                    .install(spec, reporter.callback())
                    .await
                    .map_err(|e| failed(format!("installing {id}: {e}")));
                reporter.finish();
                let installed = installed?;
                if installed.fresh {
                    let _ = writeln!(out, "{id}: installed at {}", installed.path.display());
                }
            }
        }
        ModelsCommand::List => {
            for spec in CATALOGUE {
                let path = cache.model_path(spec);
                let state = match cache.status(spec).map_err(failed)? {
                    ModelStatus::Installed(_) => "installed".to_owned(),
                    ModelStatus::Missing => format!(
                        "not installed (downloads {})",
                        megabytes(spec.download_size())
                    ),
                    ModelStatus::Damaged { reason, .. } => {
                        format!("damaged ({reason}); install it again")
                    }
                };
                let language = if spec.multilingual {
                    "multilingual"
                } else {
                    "English only"
                };
                let weights = match spec.weights {
                    Weights::F16 => "16-bit weights",
                    Weights::Q8_0 => "8-bit weights",
                };
                let _ = writeln!(
                    out,
                    "{}, {language}, {weights}, {}, {state}: {}",
                    spec.id,
                    megabytes(spec.size),
                    path.display()
                );
            }
        }
        ModelsCommand::Path { id } => {
            let spec = spec(&id)?;
            match cache.installed_path(spec).map_err(failed)? {
                Some(path) => {
                    let _ = writeln!(out, "{}", path.display());
                }
                None => {
                    return Err(HarnessError::Usage(format!(
                        "{id} is not installed; run: tingshuo models install {id}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Shows an installation's progress on stderr.
struct Reporter {
    bar: Option<ProgressBar>,
    /// The stage shown, and the last quarter of a download reported in plain output.
    last: Mutex<Option<(Stage, u64)>>,
}

impl Reporter {
    fn new() -> Arc<Reporter> {
        Arc::new(Reporter {
            bar: std::io::stderr().is_terminal().then(|| ProgressBar::new(0)),
            last: Mutex::new(None),
        })
    }

    fn callback(self: &Arc<Self>) -> ProgressFn {
        let reporter = self.clone();
        Arc::new(move |progress: &Progress| reporter.show(progress))
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn describe(progress: &Progress) -> String {
        match &progress.stage {
            Stage::Download { file } => format!("{}: downloading {file}", progress.model),
            Stage::Unpack => format!("{}: unpacking and checking", progress.model),
            Stage::Convert => format!("{}: converting to ggml", progress.model),
        }
    }

    fn show(&self, progress: &Progress) {
        match &self.bar {
            Some(bar) => self.show_bar(bar, progress),
            None => self.show_plain(progress),
        }
    }

    fn show_bar(&self, bar: &ProgressBar, progress: &Progress) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.as_ref().map(|(stage, _)| stage) != Some(&progress.stage) {
            let template = match progress.stage {
                Stage::Download { .. } => {
                    "{msg} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {eta}"
                }
                Stage::Unpack => "{msg} [{bar:30}] {pos}/{len} parts",
                Stage::Convert => "{msg} [{bar:30}] {pos}/{len} tensors",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(Reporter::describe(progress));
            *last = Some((progress.stage.clone(), 0));
        }
        bar.set_length(progress.total);
        bar.set_position(progress.done);
    }

    fn show_plain(&self, progress: &Progress) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let quarter = (progress.done * 4).checked_div(progress.total).unwrap_or(0);
        let mut stderr = std::io::stderr();
        match last.as_ref() {
            Some((stage, _)) if stage == &progress.stage => {
                let is_download = matches!(progress.stage, Stage::Download { .. });
                if is_download && last.as_ref().is_some_and(|(_, q)| quarter > *q) {
                    let _ = writeln!(
                        stderr,
                        "{}: {}%, {} of {}",
                        progress.model,
                        quarter * 25,
                        megabytes(progress.done),
                        megabytes(progress.total)
                    );
                    *last = Some((progress.stage.clone(), quarter));
                }
            }
            _ => {
                let _ = writeln!(stderr, "{}", Reporter::describe(progress));
                *last = Some((progress.stage.clone(), quarter));
            }
        }
    }
}
