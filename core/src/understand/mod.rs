//! Understanding: from a transcript to an intent and its slots, in Mandarin and English.
//!
//! This module grows with the understanding issue; today it holds the built-in number and
//! amount parsers that every slot type of money uses.

pub mod context;
pub mod matcher;
pub mod normalize;
pub mod numbers;
