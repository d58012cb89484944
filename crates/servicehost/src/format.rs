//! Wire formats and their content types. JSON is the default and, for now, the only one.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
}

impl Format {
    /// By the name used in `?format=`, `.ext` suffixes and `/{fmt}/reply/` routes.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
        }
    }

    pub fn encode(self, value: &Value) -> Vec<u8> {
        match self {
            // Writing a Value into a Vec cannot fail.
            Format::Json => serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    /// Reads a request body; an empty body is an empty DTO.
    pub fn decode(self, body: &[u8]) -> Result<Value, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        match self {
            Format::Json => serde_json::from_slice(body).map_err(|e| {
                format!(
                    "Could not read the JSON body: {e} (line {}, column {})",
                    e.line(),
                    e.column()
                )
            }),
        }
    }
}

/// Which format a request's `Content-Type` names, if it is one of ours.
pub fn format_of_content_type(content_type: &str) -> Option<Format> {
    let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" | "text/json" => Some(Format::Json),
        _ => None,
    }
}
