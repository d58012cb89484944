//! Writing JSV.
//!
//! Everything is written compactly (no whitespace between tokens). A value that is "null"
//! (`None`, `()`, a unit struct) writes nothing at all; as a struct field or a map value the
//! whole `key:value` pair is then left out, as ServiceStack does. Inside a list it leaves an
//! empty slot (`[a,,b]`), which reads back as `None`.
//!
//! Strings follow the quoting rule of [`needs_quotes`], except that ISO-8601 dates and
//! date-times are written bare as values, as the spec says (`2001-01-13T01:02:03Z`).

use std::fmt::Write as _;

use serde::ser::{self, Impossible, Serialize};

use crate::error::{Error, Result};

/// Serializes any `Serialize` value as JSV text.
#[derive(Debug, Default)]
pub struct Serializer {
    out: String,
}

impl Serializer {
    /// A serializer writing into a new, empty string.
    pub fn new() -> Self {
        Serializer::default()
    }

    /// The JSV text written so far.
    pub fn into_inner(self) -> String {
        self.out
    }
}

/// Does `s` need quotes to survive a write-and-read? ServiceStack's rule (a JSV structural
/// character, CR or LF, or the empty string), plus, because our reader skips whitespace
/// around tokens and a byte-order mark at the start of a document, a string that begins or
/// ends with whitespace or begins with U+FEFF.
pub(crate) fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.contains(['"', ':', ',', '{', '}', '[', ']', '\r', '\n'])
        || s.trim() != s
        || s.starts_with('\u{feff}')
}

/// Writes a string: bare, or in double quotes with each inner `"` doubled.
pub(crate) fn write_str(out: &mut String, s: &str) {
    if needs_quotes(s) {
        out.reserve(s.len() + 2);
        out.push('"');
        for (i, part) in s.split('"').enumerate() {
            if i > 0 {
                out.push_str("\"\"");
            }
            out.push_str(part);
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Is `s` an ISO-8601 date or date-time (`2001-01-13`, `2001-01-13T01:02:03Z`,
/// `2001-01-13T01:02:03.5+01:00`)? The spec has dates written unquoted; as values they read
/// back unchanged, since a bare value runs to the next `,`, `}` or `]`.
pub(crate) fn is_iso_date(s: &str) -> bool {
    fn digits(b: &[u8], n: usize) -> Option<&[u8]> {
        (b.len() >= n && b[..n].iter().all(u8::is_ascii_digit)).then(|| &b[n..])
    }
    fn lit(b: &[u8], c: u8) -> Option<&[u8]> {
        (b.first() == Some(&c)).then(|| &b[1..])
    }
    fn date(b: &[u8]) -> Option<&[u8]> {
        let b = lit(digits(b, 4)?, b'-')?;
        digits(lit(digits(b, 2)?, b'-')?, 2)
    }
    fn time(b: &[u8]) -> Option<&[u8]> {
        let mut b = digits(lit(digits(b, 2)?, b':')?, 2)?;
        if let Some(rest) = lit(b, b':') {
            b = digits(rest, 2)?;
            if let Some(rest) = lit(b, b'.') {
                let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                b = digits(rest, n.max(1))?;
            }
        }
        match b.first() {
            Some(b'Z') => Some(&b[1..]),
            Some(b'+' | b'-') => {
                let b = digits(&b[1..], 2)?;
                digits(lit(b, b':').unwrap_or(b), 2)
            }
            _ => Some(b),
        }
    }
    let Some(rest) = date(s.as_bytes()) else {
        return false;
    };
    match rest {
        [] => true,
        [b'T', rest @ ..] => time(rest).is_some_and(<[u8]>::is_empty),
        _ => false,
    }
}

fn write_f64(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // The same shortest round-trip form serde_json gives (`1.0`, `0.1`, `1e20`).
        out.push_str(&serde_json::to_string(&v).unwrap_or_else(|_| v.to_string()));
    }
}

fn write_f32(out: &mut String, v: f32) {
    if v.is_finite() {
        out.push_str(&serde_json::to_string(&v).unwrap_or_else(|_| v.to_string()));
    } else {
        write_f64(out, v.into());
    }
}

fn write_bool(out: &mut String, v: bool) {
    out.push_str(if v { "True" } else { "False" });
}

macro_rules! write_display {
    ($($name:ident: $ty:ty),*) => {$(
        fn $name(self, v: $ty) -> Result<()> {
            let _ = write!(self.out, "{v}");
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Serializer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        write_bool(&mut self.out, v);
        Ok(())
    }

    write_display!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_f32(self, v: f32) -> Result<()> {
        write_f32(&mut self.out, v);
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        write_f64(&mut self.out, v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<()> {
        write_str(&mut self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        if is_iso_date(v) {
            self.out.push_str(v);
        } else {
            write_str(&mut self.out, v);
        }
        Ok(())
    }

    /// Bytes are a list of numbers, as serde_json writes them.
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }

    fn serialize_none(self) -> Result<()> {
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        write_str(&mut self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    /// `{Variant:value}`, externally tagged like serde_json.
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.out.push('{');
        write_str(&mut self.out, variant);
        self.out.push(':');
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>> {
        self.out.push('[');
        Ok(Compound::new(self, "]"))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        self.out.push('{');
        write_str(&mut self.out, variant);
        self.out.push_str(":[");
        Ok(Compound::new(self, "]}"))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>> {
        self.out.push('{');
        Ok(Compound::new(self, "}"))
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        self.out.push('{');
        write_str(&mut self.out, variant);
        self.out.push_str(":{");
        Ok(Compound::new(self, "}}"))
    }
}

/// The state of a list, map or object being written.
pub struct Compound<'a> {
    ser: &'a mut Serializer,
    /// No item written yet (so no comma before the next one).
    first: bool,
    /// Where the current `key:` began, to take it back if its value turns out null.
    mark: usize,
    close: &'static str,
}

impl<'a> Compound<'a> {
    fn new(ser: &'a mut Serializer, close: &'static str) -> Self {
        Compound {
            ser,
            first: true,
            mark: 0,
            close,
        }
    }

    fn end(self) -> Result<()> {
        self.ser.out.push_str(self.close);
        Ok(())
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if !self.first {
            self.ser.out.push(',');
        }
        self.first = false;
        value.serialize(&mut *self.ser)
    }

    /// Starts a `key:` pair; [`Compound::value`] finishes it.
    fn key_start(&mut self) {
        self.mark = self.ser.out.len();
        if !self.first {
            self.ser.out.push(',');
        }
    }

    /// Writes the value of the pair begun at `self.mark`, dropping the whole pair if the
    /// value wrote nothing (it was null).
    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let before = self.ser.out.len();
        value.serialize(&mut *self.ser)?;
        if self.ser.out.len() == before {
            self.ser.out.truncate(self.mark);
        } else {
            self.first = false;
        }
        Ok(())
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        self.key_start();
        write_str(&mut self.ser.out, key);
        self.ser.out.push(':');
        self.value(value)
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.key_start();
        key.serialize(KeySerializer {
            out: &mut self.ser.out,
        })?;
        self.ser.out.push(':');
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

/// Map keys: scalars only (strings, numbers, booleans, chars, unit variants).
struct KeySerializer<'a> {
    out: &'a mut String,
}

fn key_error() -> Error {
    Error::msg("a JSV map key must be a string, number, boolean or unit variant")
}

macro_rules! key_display {
    ($($name:ident: $ty:ty),*) => {$(
        fn $name(self, v: $ty) -> Result<()> {
            let _ = write!(self.out, "{v}");
            Ok(())
        }
    )*};
}

impl ser::Serializer for KeySerializer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        write_bool(self.out, v);
        Ok(())
    }

    key_display!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_f32(self, v: f32) -> Result<()> {
        write_f32(self.out, v);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        write_f64(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<()> {
        Err(key_error())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Err(key_error())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        write_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_error())
    }
}
