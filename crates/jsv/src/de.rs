//! Reading JSV.
//!
//! A hand-written recursive-descent reader that drives serde visitors directly (no tree in
//! between). JSV carries no types, so what a token means is decided by what the caller asks
//! for:
//!
//! * `deserialize_any` (untyped, e.g. into `serde_json::Value`): `{..}` is a map, `[..]` a
//!   list, and every scalar is handed over as a string (`1`, `True` and `` stay text).
//! * typed reads parse the token's text: integers and floats with Rust's parsers, booleans
//!   with JSV's spellings, `Option` is `None` for an empty token, struct field names match
//!   case-insensitively, a non-bracketed value where a list is wanted is a list of one.
//!
//! Whitespace (space, tab, CR, LF) around structural tokens is skipped. Nesting is limited
//! to [`MAX_DEPTH`] levels, so hostile input ends in an error rather than a stack overflow.

use std::borrow::Cow;
use std::str::FromStr;

use serde::de::{self, DeserializeSeed, IgnoredAny, IntoDeserializer, Visitor};

use crate::error::{Error, Result};

/// How deeply values may nest (objects, lists, and the typed wrappers around them).
pub const MAX_DEPTH: usize = 128;

/// Reads JSV text; see the module documentation for how tokens are interpreted.
pub struct Deserializer<'de> {
    input: &'de str,
    pos: usize,
    depth: usize,
    /// Nothing has been read yet: the document's top level, where a list needs no brackets
    /// and a bare string runs to the end of the input.
    top: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// A short, printable excerpt of a token for error messages.
fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// JSV's boolean spellings, case-insensitive; an empty token is `false`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    let s = trim_ws(s);
    const TRUE: [&str; 6] = ["true", "t", "1", "y", "yes", "on"];
    const FALSE: [&str; 7] = ["false", "f", "0", "n", "no", "off", ""];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(s)) {
        Some(false)
    } else {
        None
    }
}

fn parse_num<T: FromStr>(s: &str, at: usize, what: &str) -> Result<T> {
    trim_ws(s)
        .parse()
        .map_err(|_| Error::at(format!("invalid {what} `{}`", snippet(s)), at))
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || ((!a.is_ascii() || !b.is_ascii())
            && a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase)))
}

/// Maps an incoming name to the declared one it matches case-insensitively (an exact match
/// wins); an unknown name passes through unchanged so serde can ignore or reject it.
fn match_name<'de>(name: Cow<'de, str>, declared: &'static [&'static str]) -> Cow<'de, str> {
    if declared.contains(&name.as_ref()) {
        return name;
    }
    match declared.iter().find(|d| eq_ignore_case(d, &name)) {
        Some(d) => Cow::Borrowed(d),
        None => name,
    }
}

impl<'de> Deserializer<'de> {
    /// A reader over `input` (a leading byte-order mark is skipped).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(input: &'de str) -> Self {
        let pos = if input.starts_with('\u{feff}') { 3 } else { 0 };
        Deserializer {
            input,
            pos,
            depth: 0,
            top: true,
        }
    }

    /// A reader over UTF-8 bytes.
    pub fn from_slice(bytes: &'de [u8]) -> Result<Self> {
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Self::from_str(s)),
            Err(e) => Err(Error::at("invalid UTF-8", e.valid_up_to())),
        }
    }

    /// The byte offset the reader has reached.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Checks that only whitespace is left after the value.
    pub fn end(&mut self) -> Result<()> {
        self.skip_ws();
        if self.pos < self.input.len() {
            Err(self.unexpected("after the value"))
        } else {
            Ok(())
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    fn error(&self, msg: impl Into<String>) -> Error {
        Error::at(msg, self.pos)
    }

    /// "unexpected `x` {context}" or "unexpected end of input {context}".
    fn unexpected(&self, context: &str) -> Error {
        match self.input.get(self.pos..).and_then(|s| s.chars().next()) {
            Some(c) => self.error(format!("unexpected `{}` {context}", c.escape_debug())),
            None => self.error(format!("unexpected end of input {context}")),
        }
    }

    /// Is the reader at the end of a value slot (an empty token)?
    fn at_value_end(&self) -> bool {
        matches!(self.peek(), None | Some(b',' | b'}' | b']'))
    }

    fn take_top(&mut self) -> bool {
        std::mem::replace(&mut self.top, false)
    }

    /// Runs `f` one nesting level deeper, failing past [`MAX_DEPTH`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// A `"..."` string (the reader is at its opening quote); `""` inside is one quote.
    fn quoted(&mut self) -> Result<Cow<'de, str>> {
        let start = self.pos;
        let bytes = self.input.as_bytes();
        let mut owned: Option<String> = None;
        let mut seg = start + 1;
        let mut i = start + 1;
        loop {
            let Some(q) = bytes[i..].iter().position(|&b| b == b'"').map(|q| q + i) else {
                return Err(Error::at("unterminated quoted string", start));
            };
            if bytes.get(q + 1) == Some(&b'"') {
                owned
                    .get_or_insert_with(String::new)
                    .push_str(&self.input[seg..=q]);
                i = q + 2;
                seg = i;
            } else {
                self.pos = q + 1;
                return Ok(match owned {
                    None => Cow::Borrowed(&self.input[seg..q]),
                    Some(mut s) => {
                        s.push_str(&self.input[seg..q]);
                        Cow::Owned(s)
                    }
                });
            }
        }
    }

    /// Advances while `more` holds and returns what was passed over.
    fn scan(&mut self, more: impl Fn(u8) -> bool) -> &'de str {
        let start = self.pos;
        let bytes = self.input.as_bytes();
        while self.pos < bytes.len() && more(bytes[self.pos]) {
            self.pos += 1;
        }
        // Stops only at ASCII bytes, so always on a character boundary.
        &self.input[start..self.pos]
    }

    /// An unquoted value: up to the next `,`, `}` or `]`, trailing whitespace dropped.
    fn bare_value(&mut self) -> &'de str {
        trim_ws(self.scan(|b| !matches!(b, b',' | b'}' | b']')))
    }

    /// An unquoted map key: up to `:` (or a structural character, which is then an error).
    fn bare_key(&mut self) -> &'de str {
        trim_ws(self.scan(|b| !matches!(b, b':' | b',' | b'{' | b'}' | b'[' | b']')))
    }

    /// A scalar token (quoted or bare) and where it began; an object or list is an error.
    fn scalar(&mut self) -> Result<Scalar<'de>> {
        self.take_top();
        self.skip_ws();
        let at = self.pos;
        let text = match self.peek() {
            Some(b'"') => self.quoted()?,
            Some(b'{') => return Err(self.error("expected a value, found an object")),
            Some(b'[') => return Err(self.error("expected a value, found a list")),
            _ => Cow::Borrowed(self.bare_value()),
        };
        Ok(Scalar { text, at })
    }

    /// At the top level: does the first scalar have a comma after it (a list without
    /// brackets, `1,2,3`)? Reads ahead without moving.
    fn scalar_then_comma(&mut self) -> bool {
        let start = self.pos;
        let ok = if self.peek() == Some(b'"') {
            self.quoted().is_ok()
        } else {
            self.bare_value();
            true
        };
        self.skip_ws();
        let comma = ok && self.peek() == Some(b',');
        self.pos = start;
        comma
    }

    /// `{...}`; the reader is at `{`. `fields` are a struct's declared field names.
    fn object<V: Visitor<'de>>(
        &mut self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value> {
        self.nested(|de| {
            de.pos += 1;
            let value = visitor.visit_map(MapAccess {
                de: &mut *de,
                first: true,
                fields,
            })?;
            de.skip_ws();
            if de.peek() != Some(b'}') {
                return Err(de.unexpected("in an object: expected `,` or `}`"));
            }
            de.pos += 1;
            Ok(value)
        })
    }

    /// `[...]`; the reader is at `[`.
    fn list<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.nested(|de| {
            de.pos += 1;
            let value = visitor.visit_seq(SeqAccess::new(de, Mode::Bracketed))?;
            de.skip_ws();
            if de.peek() != Some(b']') {
                return Err(de.unexpected("in a list: expected `,` or `]`"));
            }
            de.pos += 1;
            Ok(value)
        })
    }

    /// The text of the value here, whatever it is: a string, or the raw JSV of an object
    /// or list (as ServiceStack gives a string member that was sent a structure).
    fn string_like(&mut self) -> Result<Cow<'de, str>> {
        let top = self.take_top();
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{' | b'[') => {
                let start = self.pos;
                de::Deserializer::deserialize_any(&mut *self, IgnoredAny)?;
                Ok(Cow::Borrowed(&self.input[start..self.pos]))
            }
            // A whole document that is one bare string runs to its end, commas and all.
            _ if top => {
                let rest = &self.input[self.pos..];
                self.pos = self.input.len();
                Ok(Cow::Borrowed(trim_ws(rest)))
            }
            _ => Ok(Cow::Borrowed(self.bare_value())),
        }
    }
}

macro_rules! forward_scalar {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.scalar()?.$method(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let top = self.take_top();
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(visitor, None),
            Some(b'[') => self.list(visitor),
            _ if top && self.scalar_then_comma() => {
                visitor.visit_seq(SeqAccess::new(self, Mode::Bare))
            }
            Some(b'"') => match self.quoted()? {
                Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                Cow::Owned(s) => visitor.visit_string(s),
            },
            _ => visitor.visit_borrowed_str(self.bare_value()),
        }
    }

    forward_scalar! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.string_like()? {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    /// A list of numbers (as written), or the bytes of a string.
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_ws();
        if self.peek() == Some(b'[') {
            return self.deserialize_seq(visitor);
        }
        match self.string_like()? {
            Cow::Borrowed(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            Cow::Owned(s) => visitor.visit_byte_buf(s.into_bytes()),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    /// An empty token (or an empty document) is `None`; `""` is `Some("")`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_ws();
        let empty = if self.top {
            self.pos >= self.input.len()
        } else {
            self.at_value_end()
        };
        if empty {
            self.top = false;
            visitor.visit_none()
        } else {
            self.nested(|de| visitor.visit_some(de))
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.take_top();
        self.skip_ws();
        if self.at_value_end() {
            visitor.visit_unit()
        } else {
            Err(self.unexpected("where an empty value was expected"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.nested(|de| visitor.visit_newtype_struct(de))
    }

    /// `[a,b]`; at the top level also `a,b`; elsewhere an empty token is an empty list
    /// and any other single value a list of one.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let top = self.take_top();
        self.skip_ws();
        match self.peek() {
            Some(b'[') => self.list(visitor),
            _ if top => visitor.visit_seq(SeqAccess::new(self, Mode::Bare)),
            _ if self.at_value_end() => visitor.visit_seq(Empty),
            _ => self.nested(|de| visitor.visit_seq(SeqAccess::new(de, Mode::Single))),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.take_top();
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(visitor, None),
            _ if self.at_value_end() => visitor.visit_map(Empty),
            _ => Err(self.unexpected("where an object `{` was expected")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.take_top();
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(visitor, Some(fields)),
            _ if self.at_value_end() => visitor.visit_map(Empty),
            _ => Err(self.unexpected("where an object `{` was expected")),
        }
    }

    /// A unit variant is its name; any other is `{Name:value}`. Names match
    /// case-insensitively.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.take_top();
        self.skip_ws();
        if self.peek() != Some(b'{') {
            let Scalar { text, at } = self.scalar()?;
            let name: de::value::CowStrDeserializer<'de, Error> =
                match_name(text, variants).into_deserializer();
            return visitor.visit_enum(name).map_err(|e: Error| e.or_at(at));
        }
        self.nested(|de| {
            de.pos += 1;
            de.skip_ws();
            let at = de.pos;
            let name = match de.peek() {
                Some(b'"') => de.quoted()?,
                _ => Cow::Borrowed(de.bare_key()),
            };
            de.skip_ws();
            if de.peek() != Some(b':') {
                return Err(de.unexpected("after an enum variant's name: expected `:`"));
            }
            de.pos += 1;
            let value = visitor.visit_enum(Enum {
                de: &mut *de,
                name: match_name(name, variants),
                at,
            })?;
            de.skip_ws();
            if de.peek() == Some(b',') {
                de.pos += 1;
                de.skip_ws();
            }
            if de.peek() != Some(b'}') {
                return Err(de.unexpected("after an enum variant's value: expected `}`"));
            }
            de.pos += 1;
            Ok(value)
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }
}

/// Object entries.
struct MapAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
    fields: Option<&'static [&'static str]>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let de = &mut *self.de;
        de.skip_ws();
        match de.peek() {
            Some(b'}') => return Ok(None),
            Some(b',') if !self.first => {
                de.pos += 1;
                de.skip_ws();
                // A trailing comma before `}` is tolerated.
                if de.peek() == Some(b'}') {
                    return Ok(None);
                }
            }
            None => return Err(de.error("unterminated object: expected `}`")),
            _ if !self.first => return Err(de.unexpected("in an object: expected `,` or `}`")),
            _ => {}
        }
        if de.peek().is_none() {
            return Err(de.error("unterminated object: expected `}`"));
        }
        self.first = false;
        let at = de.pos;
        let key = match de.peek() {
            Some(b'"') => de.quoted()?,
            _ => Cow::Borrowed(de.bare_key()),
        };
        de.skip_ws();
        if de.peek() != Some(b':') {
            return Err(de.unexpected("after a key: expected `:`"));
        }
        de.pos += 1;
        let text = match self.fields {
            Some(fields) => match_name(key, fields),
            None => key,
        };
        seed.deserialize(Scalar { text, at })
            .map(Some)
            .map_err(|e: Error| e.or_at(at))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `[a,b]`
    Bracketed,
    /// `a,b` to the end of the input (top level only).
    Bare,
    /// One value that is not a list, read as a list of one.
    Single,
}

struct SeqAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
    mode: Mode,
}

impl<'a, 'de> SeqAccess<'a, 'de> {
    fn new(de: &'a mut Deserializer<'de>, mode: Mode) -> Self {
        SeqAccess {
            de,
            first: true,
            mode,
        }
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let de = &mut *self.de;
        let close = match self.mode {
            Mode::Single if self.first => {
                self.first = false;
                return seed.deserialize(de).map(Some);
            }
            Mode::Single => return Ok(None),
            Mode::Bracketed => Some(b']'),
            Mode::Bare => None,
        };
        de.skip_ws();
        if de.peek() == close {
            return Ok(None);
        }
        if !self.first {
            match de.peek() {
                // A comma always brings an item, empty if nothing follows it (`[a,]` is
                // `a` and an empty value): that is how a trailing null is written.
                Some(b',') => {
                    de.pos += 1;
                    return seed.deserialize(de).map(Some);
                }
                None => return Err(de.error("unterminated list: expected `]`")),
                _ if close.is_some() => return Err(de.unexpected("in a list: expected `,` or `]`")),
                _ => return Err(de.unexpected("in a list: expected `,`")),
            }
        }
        if de.peek().is_none() && close.is_some() {
            return Err(de.error("unterminated list: expected `]`"));
        }
        self.first = false;
        seed.deserialize(de).map(Some)
    }
}

/// An empty list or object (an empty token where one was expected).
struct Empty;

impl<'de> de::SeqAccess<'de> for Empty {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, _: T) -> Result<Option<T::Value>> {
        Ok(None)
    }
}

impl<'de> de::MapAccess<'de> for Empty {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value> {
        Err(Error::msg("no value in an empty object"))
    }
}

/// `{Name:value}` enum variants.
struct Enum<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    name: Cow<'de, str>,
    at: usize,
}

impl<'a, 'de> de::EnumAccess<'de> for Enum<'a, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let name: de::value::CowStrDeserializer<'de, Error> = self.name.clone().into_deserializer();
        let value = seed
            .deserialize(name)
            .map_err(|e: Error| e.or_at(self.at))?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        de::Deserializer::deserialize_unit(&mut *self.de, IgnoredAny).map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(&mut *self.de, "", fields, visitor)
    }
}

/// One scalar token's text, read as whatever type is asked for. Used for map keys and for
/// every scalar value.
struct Scalar<'de> {
    text: Cow<'de, str>,
    /// Where the token began, for errors.
    at: usize,
}

impl Scalar<'_> {
    fn error(&self, msg: impl Into<String>) -> Error {
        Error::at(msg, self.at)
    }
}

macro_rules! scalar_num {
    ($($method:ident $visit:ident $ty:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let n = parse_num::<$ty>(&self.text, self.at, stringify!($ty))?;
            visitor.$visit(n).map_err(|e: Error| e.or_at(self.at))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Scalar<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let at = self.at;
        match self.text {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
        .map_err(|e: Error| e.or_at(at))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match parse_bool(&self.text) {
            Some(b) => visitor.visit_bool(b).map_err(|e: Error| e.or_at(self.at)),
            None => Err(self.error(format!("invalid boolean `{}`", snippet(&self.text)))),
        }
    }

    scalar_num! {
        deserialize_i8 visit_i8 i8 deserialize_i16 visit_i16 i16
        deserialize_i32 visit_i32 i32 deserialize_i64 visit_i64 i64
        deserialize_i128 visit_i128 i128 deserialize_u8 visit_u8 u8
        deserialize_u16 visit_u16 u16 deserialize_u32 visit_u32 u32
        deserialize_u64 visit_u64 u64 deserialize_u128 visit_u128 u128
        deserialize_f32 visit_f32 f32 deserialize_f64 visit_f64 f64
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut chars = self.text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c).map_err(|e: Error| e.or_at(self.at)),
            _ => Err(self.error(format!(
                "expected a single character, found `{}`",
                snippet(&self.text)
            ))),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let at = self.at;
        match self.text {
            Cow::Borrowed(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            Cow::Owned(s) => visitor.visit_byte_buf(s.into_bytes()),
        }
        .map_err(|e: Error| e.or_at(at))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.text.is_empty() {
            visitor.visit_unit()
        } else {
            Err(self.error(format!(
                "expected an empty value, found `{}`",
                snippet(&self.text)
            )))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(self.error("expected a list, found a plain value"))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(self.error("expected an object, found a plain value"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let at = self.at;
        let name: de::value::CowStrDeserializer<'de, Error> =
            match_name(self.text, variants).into_deserializer();
        visitor.visit_enum(name).map_err(|e: Error| e.or_at(at))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}
