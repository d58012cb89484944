//! PLACEHOLDER: JSV through serde_json::Value, until the full serde data format lands.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

#[derive(Debug)]
pub struct Error(String);
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
pub type Result<T> = std::result::Result<T, Error>;

pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let value = serde_json::to_value(value).map_err(|e| Error(e.to_string()))?;
    let mut out = String::new();
    write(&mut out, &value);
    Ok(out)
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut first = true;
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                write_str(out, k);
                out.push(':');
                write(out, v);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    if s.is_empty() || s.contains(['"', ':', ',', '{', '}', '[', ']', '\r', '\n']) || s.trim() != s
    {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.ws();
    let value = if p.peek() == Some(b'{') || p.peek() == Some(b'[') {
        p.value()?
    } else {
        p.bare_list_or_value()?
    };
    p.ws();
    if p.i != p.s.len() {
        return Err(Error(format!("unexpected data at offset {}", p.i)));
    }
    serde_json::from_value(value).map_err(|e| Error(e.to_string()))
}

pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    from_str(std::str::from_utf8(bytes).map_err(|e| Error(e.to_string()))?)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }
    fn err<T>(&self, what: &str) -> Result<T> {
        Err(Error(format!("{what} at offset {}", self.i)))
    }
    fn bare_list_or_value(&mut self) -> Result<Value> {
        let first = self.value()?;
        self.ws();
        if self.peek() != Some(b',') {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek() == Some(b',') {
            self.i += 1;
            self.ws();
            items.push(self.value()?);
            self.ws();
        }
        Ok(Value::Array(items))
    }
    fn value(&mut self) -> Result<Value> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.nested(|p| p.object()),
            Some(b'[') => self.nested(|p| p.list()),
            Some(b'"') => self.quoted().map(Value::String),
            _ => Ok(Value::String(self.bare())),
        }
    }
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Value>) -> Result<Value> {
        self.depth += 1;
        if self.depth > 128 {
            return self.err("nesting too deep");
        }
        let v = f(self);
        self.depth -= 1;
        v
    }
    fn object(&mut self) -> Result<Value> {
        self.i += 1;
        let mut map = serde_json::Map::new();
        loop {
            self.ws();
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
                }
                None => return self.err("unterminated object"),
                _ => {}
            }
            let key = if self.peek() == Some(b'"') {
                self.quoted()?
            } else {
                self.key()
            };
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("expected ':'");
            }
            self.i += 1;
            let v = self.value()?;
            map.insert(key, v);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }
    fn list(&mut self) -> Result<Value> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                None => return self.err("unterminated list"),
                _ => {}
            }
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }
    fn quoted(&mut self) -> Result<String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'"') if self.s.get(self.i + 1) == Some(&b'"') => {
                    out.push(b'"');
                    self.i += 2;
                }
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out).map_err(|e| Error(e.to_string()));
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
    fn key(&mut self) -> String {
        let start = self.i;
        while !matches!(self.peek(), None | Some(b':')) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i])
            .trim()
            .to_string()
    }
    fn bare(&mut self) -> String {
        let start = self.i;
        while !matches!(self.peek(), None | Some(b',' | b'}' | b']')) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i])
            .trim_end()
            .to_string()
    }
}
