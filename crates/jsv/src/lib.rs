//! ServiceStack's JSV text format ("JSON without quotes") as a serde data format.
//!
//! The rules follow `shared/spec/servicestack-wire.md`, section 5:
//!
//! * objects and maps are `{key:value,key:value}`, lists `[a,b]`;
//! * a string is written bare unless it is empty, contains one of `" : , { } [ ]` CR LF, or
//!   begins or ends with whitespace; then it is quoted with `"` and each inner `"` doubled:
//!   `"Me, Junior"`, `"2"" x 1"""`, `""`;
//! * booleans are written `True`/`False` and read from `true/t/1/y/yes/on` and
//!   `false/f/0/n/no/off` in any case; numbers are bare;
//! * null values (`None`, `()`) are left out of objects and maps;
//! * when reading, whitespace around structural tokens is skipped (the pretty-printed
//!   samples on ServiceStack's documentation pages read as they are), list brackets are
//!   optional at the top level (`1,2,3`), and struct field names match case-insensitively.
//!
//! JSV carries no types: read untyped (into `serde_json::Value`), every scalar comes back
//! as a string (`{a:1,b:True}` gives `{"a":"1","b":"True"}`); read into a typed value, each
//! token is parsed as the type asks. See [`Deserializer`] for the details.

mod de;
mod error;
mod pretty;
mod ser;

pub use de::{Deserializer, MAX_DEPTH};
pub use error::{Error, Result};
pub use pretty::pretty;
pub use ser::Serializer;

use serde::{Deserialize, Serialize};

/// Writes `value` as compact JSV.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut ser = Serializer::new();
    value.serialize(&mut ser)?;
    Ok(ser.into_inner())
}

/// Reads a whole JSV document; only whitespace may follow the value.
pub fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T> {
    read(Deserializer::from_str(text))
}

/// Reads a whole JSV document from UTF-8 bytes.
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    read(Deserializer::from_slice(bytes)?)
}

fn read<'de, T: Deserialize<'de>>(mut de: Deserializer<'de>) -> Result<T> {
    let value = T::deserialize(&mut de).map_err(|e: Error| e.or_at(de.position()))?;
    de.end()?;
    Ok(value)
}
