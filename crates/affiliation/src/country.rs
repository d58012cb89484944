//! Countries as links name them: ISO 3166-1 alpha-2 codes, checked against the
//! standard's assigned codes (the `celes` table), kept as two upper-case bytes so the
//! link engine compares them without allocating.

use std::fmt;

/// An assigned ISO 3166-1 alpha-2 code, upper case (`US`, `GB`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// The code of `text` (any case, surrounding spaces ignored), or `None` when it is
    /// not an assigned alpha-2 code. `UK`, reserved by ISO for the United Kingdom and
    /// what people (and Amazon's .co.uk) call it, reads as `GB`.
    pub fn parse(text: &str) -> Option<Country> {
        let bytes: [u8; 2] = text.trim().as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let code = Country(bytes.map(|b| b.to_ascii_uppercase()));
        if code == Country(*b"UK") {
            return Some(Country(*b"GB"));
        }
        celes::Country::from_alpha2(code.as_str()).ok()?;
        Some(code)
    }

    pub fn as_str(&self) -> &str {
        // Two ASCII letters, checked when made.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Whether `text` names this country exactly (catalog codes are upper case).
    pub fn is(&self, text: &str) -> bool {
        text.as_bytes() == self.0
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Country;

    #[test]
    fn assigned_codes_only_in_any_case() {
        assert_eq!(Country::parse("de").unwrap().as_str(), "DE");
        assert_eq!(Country::parse(" NZ ").unwrap().as_str(), "NZ");
        assert_eq!(Country::parse("uk").unwrap().as_str(), "GB");
        for bad in ["ZZ", "XX", "", "D", "DEU", "D1", "é", "U S"] {
            assert_eq!(Country::parse(bad), None, "{bad}");
        }
    }
}
