//! The server's log: one line per request among others, on stderr, written by a
//! background thread so a request never waits on the pipe.
//!
//! The request line is the most frequent thing the server does besides answering, so
//! its cost is kept low without changing a byte of it: lines gather in one buffer that
//! a background thread writes every few milliseconds (`batched.rs`), the timestamp's
//! date and time of day are formatted once per second, and plain fields (printable
//! ASCII text, integers) are written directly instead of through `fmt::Debug`. Anything else (ANSI colours on a
//! terminal, text that needs escaping, other value kinds) is written by
//! `tracing_subscriber`'s own formatter, so the output is exactly what it writes.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultVisitor, Writer};
use tracing_subscriber::fmt::time::FormatTime;

mod batched;

/// Installs the subscriber (text, or JSON when `AFFILIATION_LOG_FORMAT=json`); the
/// returned guard flushes what is pending when `main` ends.
pub fn init() -> batched::FlushGuard {
    let (writer, guard) = batched::batched(std::io::stderr());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let json =
        std::env::var("AFFILIATION_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_timer(SecondCachedClock)
        .with_writer(writer);
    if json {
        builder.json().init();
    } else {
        builder.fmt_fields(PlainFields).init();
    }
    guard
}

/// UTC time as `tracing_subscriber`'s default clock writes it
/// (`2026-12-01T15:17:58.123456Z`), the part up to the second formatted once per
/// second per thread.
struct SecondCachedClock;

thread_local! {
    /// The second last formatted on this thread, and its text without the `Z`.
    static FORMATTED_SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

impl FormatTime for SecondCachedClock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        FORMATTED_SECOND.with_borrow_mut(|(second, text)| {
            if *second != now.as_secs() {
                text.clear();
                let whole = UNIX_EPOCH + Duration::from_secs(now.as_secs());
                write!(text, "{}", humantime::format_rfc3339_seconds(whole))?;
                text.pop(); // the `Z`, written after the microseconds
                *second = now.as_secs();
            }
            w.write_str(text)?;
            w.write_str(&fraction(now.subsec_micros()))
        })
    }
}

/// `.uuuuuuZ`: the microseconds, zero-padded to six digits.
fn fraction(micros: u32) -> String {
    let mut text = String::with_capacity(8);
    text.push('.');
    for place in [100_000, 10_000, 1_000, 100, 10, 1] {
        text.push(char::from(b'0' + (micros / place % 10) as u8));
    }
    text.push('Z');
    text
}

/// The text format's fields, written as `DefaultFields` writes them.
struct PlainFields;

impl<'a> MakeVisitor<Writer<'a>> for PlainFields {
    type Visitor = PlainVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> PlainVisitor<'a> {
        PlainVisitor {
            writer,
            is_empty: true,
            result: Ok(()),
        }
    }
}

struct PlainVisitor<'a> {
    writer: Writer<'a>,
    is_empty: bool,
    result: fmt::Result,
}

/// Text `fmt::Debug` and the ANSI sanitizer both write unchanged (inside quotes for
/// Debug): printable ASCII, without the quote and backslash Debug escapes.
fn is_plain(text: &str) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

impl PlainVisitor<'_> {
    /// Whether a field is written here rather than by the default visitor: a plain
    /// name (not `log.` metadata, not a raw identifier) on a writer without colours.
    fn writes_directly(&self, field: &Field) -> bool {
        let name = field.name();
        self.result.is_ok()
            && !self.writer.has_ansi_escapes()
            && !name.starts_with("log.")
            && !name.starts_with("r#")
    }

    fn write_field(&mut self, field: &Field, quoted: bool, value: &str) {
        let separator = if self.is_empty { "" } else { " " };
        self.is_empty = false;
        let name = field.name();
        let quote = if quoted { "\"" } else { "" };
        self.result = if name == "message" {
            self.writer
                .write_str(separator)
                .and(self.writer.write_str(value))
        } else {
            [separator, name, "=", quote, value, quote]
                .into_iter()
                .try_for_each(|part| self.writer.write_str(part))
        };
    }

    fn default_visitor(&mut self, field: &Field, visit: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if self.result.is_err() {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
        visit(&mut visitor);
        self.result = visitor.finish();
        // The default visitor writes every field but `log.` metadata.
        if !field.name().starts_with("log.") {
            self.is_empty = false;
        }
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.writes_directly(field) && is_plain(value) {
            self.write_field(field, field.name() != "message", value);
        } else {
            self.default_visitor(field, |v| v.record_str(field, value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.writes_directly(field) && field.name() != "message" {
            self.write_field(field, false, itoa::Buffer::new().format(value));
        } else {
            self.default_visitor(field, |v| v.record_u64(field, value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.writes_directly(field) && field.name() != "message" {
            self.write_field(field, false, itoa::Buffer::new().format(value));
        } else {
            self.default_visitor(field, |v| v.record_i64(field, value));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.default_visitor(field, |v| v.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.default_visitor(field, |v| v.record_debug(field, value));
    }
}

impl VisitOutput<fmt::Result> for PlainVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for PlainVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::format::DefaultFields;
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// Events of every kind the server logs, and some it might.
    fn emit_all() {
        let span = tracing::info_span!("connection", peer = "127.0.0.1:5", accepted = 3u64);
        let _inside = span.enter();
        tracing::info!(
            method = %axum::http::Method::GET,
            path = "/v4/groups/7/group-affiliate-tokens",
            operation = "GetGroupAffiliateTokensRequest",
            status = 200u16,
            elapsed_us = 125u64,
            "request"
        );
        tracing::info!(
            quoted = "say \"hi\" \\ there",
            unicode = "caf\u{e9}",
            control = "a\tb\u{1b}[31m",
            negative = -5i64,
            flag = true,
            listed = ?vec![1, 2],
            r#type = "raw",
            "with \u{1b}[31m colour and \"quotes\""
        );
        tracing::info!(address = %"127.0.0.1:80", "listening on http://{}", "127.0.0.1:80");
        let failure = std::io::Error::other("boom");
        tracing::error!(
            error = &failure as &(dyn std::error::Error + 'static),
            "failed"
        );
        tracing::warn!("");
    }

    fn written<F>(fields: F) -> String
    where
        F: for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static,
    {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .without_time()
            .fmt_fields(fields)
            .finish();
        tracing::subscriber::with_default(subscriber, emit_all);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn lines_are_written_exactly_as_the_default_formatter_writes_them() {
        let plain = written(PlainFields);
        assert_eq!(plain, written(DefaultFields::new()));
        assert!(
            plain.contains(r#"path="/v4/groups/7/group-affiliate-tokens" operation="GetGroupAffiliateTokensRequest" status=200"#),
            "{plain}"
        );
    }

    #[test]
    fn the_clock_writes_utc_microseconds_as_the_default_clock_does() {
        for _ in 0..3 {
            let before = SystemTime::now();
            let mut text = String::new();
            SecondCachedClock
                .format_time(&mut Writer::new(&mut text))
                .unwrap();
            let after = SystemTime::now();
            assert_eq!(text.len(), "2026-12-01T15:17:58.123456Z".len(), "{text}");
            let read = humantime::parse_rfc3339(&text).unwrap();
            let micros = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_micros();
            assert!(
                micros(before) <= micros(read) && micros(read) <= micros(after),
                "{text}"
            );
        }
        assert_eq!(fraction(7), ".000007Z");
        assert_eq!(fraction(999_999), ".999999Z");
    }
}
