//! Texts compiled into the library compressed (zlib, packed by the build scripts with
//! `core/base/pack.rs`) and unpacked once, at first use: the locales' messages and contexts
//! and the English intent model would otherwise be about 1.4 MB of text in every app.

use std::io::Read;
use std::sync::OnceLock;

/// The text of packed bytes. The build packed them from a file of the repository, so they
/// always unpack; bytes that do not (a damaged binary) give an empty text, which every reader
/// of a text refuses with its own error.
pub fn unpack(compressed: &[u8]) -> String {
    let mut text = String::new();
    if flate2::read::ZlibDecoder::new(compressed)
        .read_to_string(&mut text)
        .is_err()
    {
        text.clear();
    }
    text
}

/// One packed text, unpacked at first use and kept for the life of the process.
#[derive(Debug)]
pub struct PackedText {
    compressed: &'static [u8],
    text: OnceLock<String>,
}

impl PackedText {
    pub const fn new(compressed: &'static [u8]) -> PackedText {
        PackedText {
            compressed,
            text: OnceLock::new(),
        }
    }

    /// The text ([`unpack`]).
    pub fn text(&'static self) -> &'static str {
        self.text.get_or_init(|| unpack(self.compressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_bytes_give_an_empty_text_not_a_panic() {
        assert_eq!(unpack(b"not zlib at all"), "");
        assert_eq!(unpack(&[]), "");
    }
}
