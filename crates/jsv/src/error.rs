//! The one error type of the crate, for both directions.

use std::fmt;

/// What went wrong, and where (a byte offset into the input) when reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    msg: String,
    pos: Option<usize>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn at(msg: impl Into<String>, pos: usize) -> Self {
        Error {
            msg: msg.into(),
            pos: Some(pos),
        }
    }

    pub(crate) fn msg(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            pos: None,
        }
    }

    /// Gives a position to an error that has none yet (errors raised by serde visitors,
    /// such as "missing field", do not know where the reader was).
    pub(crate) fn or_at(mut self, pos: usize) -> Self {
        self.pos.get_or_insert(pos);
        self
    }

    /// The byte offset into the input at which reading failed, if known.
    pub fn position(&self) -> Option<usize> {
        self.pos
    }

    /// The message without the position.
    pub fn message(&self) -> &str {
        &self.msg
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "{} at byte {pos}", self.msg),
            None => f.write_str(&self.msg),
        }
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::msg(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::msg(msg.to_string())
    }
}
