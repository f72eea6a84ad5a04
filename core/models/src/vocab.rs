//! The vocabulary whisper.cpp reads from a ggml file: the raw bytes of every token below
//! `<|endoftext|>`, taken from a Hugging Face `tokenizer.json` (byte-level BPE) through the
//! GPT-2 byte decoder. whisper.cpp adds the special tokens itself.

use std::collections::HashMap;

use serde::Deserialize;

/// A tokenizer file larger than this is not a Whisper tokenizer (they are about 2 MB).
pub const MAX_TOKENIZER_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    #[error("tokenizer.json is larger than {MAX_TOKENIZER_BYTES} bytes")]
    TooLarge,
    #[error("tokenizer.json is not a byte-level BPE tokenizer: {0}")]
    Malformed(String),
    #[error("tokenizer.json has no <|endoftext|> token")]
    NoEndOfText,
    #[error("tokenizer.json has no token with id {0}")]
    MissingId(u32),
    #[error("tokenizer.json gives id {0} to two tokens")]
    DuplicateId(u32),
    #[error("token {id} has a character outside the GPT-2 byte alphabet: {character:?}")]
    NotByteLevel { id: u32, character: char },
}

#[derive(Deserialize)]
struct TokenizerFile {
    model: BpeModel,
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
}

#[derive(Deserialize)]
struct BpeModel {
    vocab: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    content: String,
}

/// The ordinary tokens (ids `0..end_of_text`) as raw bytes, in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    pub tokens: Vec<Vec<u8>>,
    /// The id of `<|endoftext|>`: 50256 for English-only models, 50257 for multilingual.
    pub end_of_text: u32,
}

impl Vocabulary {
    pub fn from_tokenizer_json(json: &[u8]) -> Result<Vocabulary, VocabError> {
        if json.len() > MAX_TOKENIZER_BYTES {
            return Err(VocabError::TooLarge);
        }
        let file: TokenizerFile =
            serde_json::from_slice(json).map_err(|e| VocabError::Malformed(e.to_string()))?;
        let end_of_text = file
            .added_tokens
            .iter()
            .find(|t| t.content == "<|endoftext|>")
            .map(|t| t.id)
            .or_else(|| file.model.vocab.get("<|endoftext|>").copied())
            .ok_or(VocabError::NoEndOfText)?;
        // Every id below <|endoftext|> needs a token: a larger id is an error, found before
        // it can size an allocation.
        if end_of_text as usize > file.model.vocab.len() {
            return Err(VocabError::MissingId(file.model.vocab.len() as u32));
        }
        let decoder = byte_decoder();
        let mut tokens: Vec<Option<Vec<u8>>> = vec![None; end_of_text as usize];
        for (text, &id) in &file.model.vocab {
            let Some(slot) = tokens.get_mut(id as usize) else {
                continue; // Special tokens at or above <|endoftext|>: whisper.cpp adds those.
            };
            if slot.is_some() {
                return Err(VocabError::DuplicateId(id));
            }
            let bytes = text
                .chars()
                .map(|character| {
                    decoder
                        .get(&character)
                        .copied()
                        .ok_or(VocabError::NotByteLevel { id, character })
                })
                .collect::<Result<Vec<u8>, _>>()?;
            *slot = Some(bytes);
        }
        let tokens = tokens
            .into_iter()
            .enumerate()
            .map(|(id, token)| token.ok_or(VocabError::MissingId(id as u32)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Vocabulary {
            tokens,
            end_of_text,
        })
    }
}

/// GPT-2's `bytes_to_unicode`, reversed: printable Latin-1 bytes stand for themselves, the
/// other 68 bytes for the code points from U+0100 on, in byte order.
fn byte_decoder() -> HashMap<char, u8> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xa1..=0xac | 0xae..=0xff);
    let mut decoder = HashMap::with_capacity(256);
    let mut next_substitute = 256u32;
    for byte in 0..=u8::MAX {
        let code_point = if printable(byte) {
            u32::from(byte)
        } else {
            let substitute = next_substitute;
            next_substitute += 1;
            substitute
        };
        if let Some(character) = char::from_u32(code_point) {
            decoder.insert(character, byte);
        }
    }
    decoder
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_byte_decoder_covers_every_byte_once() {
        let decoder = byte_decoder();
        assert_eq!(decoder.len(), 256);
        assert_eq!(decoder[&'Ġ'], b' ');
        assert_eq!(decoder[&'Ċ'], b'\n');
        assert_eq!(decoder[&'!'], b'!');
        assert_eq!(decoder[&'Ā'], 0);
    }

    #[test]
    fn tokens_below_end_of_text_in_id_order() {
        let json = br#"{"model":{"type":"BPE","vocab":{"a":1,"\u0120b":0,"\u00e5\u013e\u00ba":2,"":3,"<|endoftext|>":4,"<|x|>":5}},
            "added_tokens":[{"id":4,"content":"<|endoftext|>"},{"id":5,"content":"<|x|>"}]}"#;
        let vocab = Vocabulary::from_tokenizer_json(json).unwrap();
        assert_eq!(vocab.end_of_text, 4);
        assert_eq!(
            vocab.tokens,
            vec![
                b" b".to_vec(),
                b"a".to_vec(),
                "场".as_bytes().to_vec(),
                vec![]
            ]
        );
    }

    #[test]
    fn clear_errors() {
        let missing = br#"{"model":{"vocab":{"a":0,"<|endoftext|>":2}},"added_tokens":[]}"#;
        assert_eq!(
            Vocabulary::from_tokenizer_json(missing),
            Err(VocabError::MissingId(1))
        );
        let absurd = br#"{"model":{"vocab":{"a":0}},"added_tokens":[{"id":4000000000,"content":"<|endoftext|>"}]}"#;
        assert_eq!(
            Vocabulary::from_tokenizer_json(absurd),
            Err(VocabError::MissingId(1))
        );
        let no_eot = br#"{"model":{"vocab":{"a":0}}}"#;
        assert_eq!(
            Vocabulary::from_tokenizer_json(no_eot),
            Err(VocabError::NoEndOfText)
        );
        let not_bytes = br#"{"model":{"vocab":{"\u4e2d":0,"<|endoftext|>":1}}}"#;
        assert!(matches!(
            Vocabulary::from_tokenizer_json(not_bytes),
            Err(VocabError::NotByteLevel { id: 0, .. })
        ));
        assert!(matches!(
            Vocabulary::from_tokenizer_json(b"{"),
            Err(VocabError::Malformed(_))
        ));
    }
}
