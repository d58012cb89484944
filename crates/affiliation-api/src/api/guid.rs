//! GUIDs as the original writes and reads them: the one place a request's GUID text
//! is read, and the one place its problems are worded.

use super::errors::spaced;
use servicehost::FieldError;
use uuid::Uuid;

/// The GUID a request member names, or the field error saying why it names none
/// (`'Program Guid' must not be empty.`, `'Program Guid' is not a valid GUID.`);
/// `field` is the member's PascalCase name.
pub fn required(text: Option<&str>, field: &'static str) -> Result<Uuid, FieldError> {
    let text = text.map(str::trim).unwrap_or("");
    if text.is_empty() {
        return Err(FieldError::new(
            "NotEmpty",
            field,
            format!("'{}' must not be empty.", spaced(field)),
        ));
    }
    parse_guid(text).ok_or_else(|| {
        FieldError::new(
            "InvalidGuid",
            field,
            format!("'{}' is not a valid GUID.", spaced(field)),
        )
    })
}

/// Accepts the canonical 36-char form, ServiceStack's 32-hex "N" form and braces.
pub fn parse_guid(text: &str) -> Option<Uuid> {
    let text = text.trim();
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    if inner.len() != 36 && inner.len() != 32 {
        return None;
    }
    Uuid::try_parse(inner).ok()
}

/// The canonical lower-case 36-char form we write.
pub fn canonical(guid: Uuid) -> String {
    guid.hyphenated().to_string()
}

/// ServiceStack's "N" form: 32 lower-case hex digits.
pub fn n_form(guid: Uuid) -> String {
    guid.simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_forms_and_refuses_others() {
        let canonical_text = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let expected = Uuid::parse_str(canonical_text).unwrap();
        for text in [
            canonical_text,
            "0F8FAD5B-D9CB-469F-A165-70867728950E",
            "0f8fad5bd9cb469fa16570867728950e",
            "{0f8fad5b-d9cb-469f-a165-70867728950e}",
        ] {
            assert_eq!(parse_guid(text), Some(expected), "{text}");
        }
        for bad in [
            "",
            "abc",
            "0f8fad5b-d9cb-469f-a165-70867728950",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        ] {
            assert_eq!(parse_guid(bad), None, "{bad}");
        }
        assert_eq!(canonical(expected), canonical_text);
        assert_eq!(n_form(expected), "0f8fad5bd9cb469fa16570867728950e");
    }
}
