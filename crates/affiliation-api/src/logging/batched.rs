//! The log's writer: request threads append whole lines to one shared buffer, and a
//! background thread writes what has gathered at most every [`FLUSH_INTERVAL`].
//!
//! Under load the server logs tens of thousands of lines a second; a writer that
//! wakes a thread and calls `write(2)` per line (as a channel to a worker does when
//! the worker keeps up) costs more than the rest of the request's logging. Here a
//! line costs a lock and a copy; a batch costs one wake-up and one `write(2)`.
//! Lines are never split or interleaved, each thread's lines keep their order, and
//! a line waits at most about one interval. When the sink cannot keep up, lines
//! beyond [`MAX_PENDING_BYTES`] are dropped and counted (the log must never hold the
//! server back), and the count is written when there is room again.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

/// How long the writer lets lines gather after the first one of a batch.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(5);

/// Lines waiting beyond this are dropped (counted) until the sink catches up.
pub const MAX_PENDING_BYTES: usize = 8 << 20;

#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    dropped: u64,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Signalled when a batch starts (the buffer was empty) and when closing.
    started: Condvar,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the subscriber writes each formatted event through.
#[derive(Clone)]
pub struct BatchedWriter {
    shared: Arc<Shared>,
}

/// Writes what is pending and stops the background thread when dropped.
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer into `sink`, and the guard that flushes it at exit.
pub fn batched<W: Write + Send + 'static>(sink: W) -> (BatchedWriter, FlushGuard) {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Pending::default()),
        started: Condvar::new(),
    });
    let worker = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_batches(&worker, sink))
        .ok();
    (
        BatchedWriter {
            shared: shared.clone(),
        },
        FlushGuard { shared, thread },
    )
}

fn write_batches<W: Write>(shared: &Shared, mut sink: W) {
    let mut batch = Vec::new();
    loop {
        let mut pending = shared.pending();
        while pending.lines.is_empty() && pending.dropped == 0 && !pending.closed {
            pending = shared
                .started
                .wait(pending)
                .unwrap_or_else(|e| e.into_inner());
        }
        if !pending.closed {
            // Let the batch gather; writers append meanwhile without waking anyone.
            drop(pending);
            std::thread::sleep(FLUSH_INTERVAL);
            pending = shared.pending();
        }
        std::mem::swap(&mut batch, &mut pending.lines);
        let dropped = std::mem::take(&mut pending.dropped);
        let closed = pending.closed;
        drop(pending);
        // Nothing can report a failing stderr; the lines are given up.
        let _ = sink.write_all(&batch);
        if dropped > 0 {
            let _ = writeln!(
                sink,
                "log: {dropped} lines dropped (the log could not keep up)"
            );
        }
        let _ = sink.flush();
        batch.clear();
        if closed {
            return;
        }
    }
}

impl Write for BatchedWriter {
    /// `tracing_subscriber` writes each event, formatted whole, in one call.
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.shared.pending();
        if pending.lines.len() + line.len() > MAX_PENDING_BYTES {
            pending.dropped += 1;
            return Ok(line.len());
        }
        let starts_batch = pending.lines.is_empty();
        pending.lines.extend_from_slice(line);
        drop(pending);
        if starts_batch {
            self.shared.started.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedWriter {
    type Writer = BatchedWriter;

    fn make_writer(&'a self) -> BatchedWriter {
        self.clone()
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared.pending().closed = true;
        self.shared.started.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A sink the test reads, counting the writes it receives.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.bytes.lock().unwrap().extend_from_slice(bytes);
            *self.writes.lock().unwrap() += 1;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn every_line_arrives_whole_and_in_each_threads_order() {
        let sink = Sink::default();
        let (writer, guard) = batched(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let mut writer = writer.clone();
                std::thread::spawn(move || {
                    for n in 0..2_000 {
                        writer
                            .write_all(format!("thread={thread} n={n} request\n").as_bytes())
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = sink.text();
        let mut next = [0; 4];
        for line in text.lines() {
            let (thread, n) = line
                .strip_suffix(" request")
                .and_then(|l| l.strip_prefix("thread="))
                .and_then(|l| l.split_once(" n="))
                .unwrap_or_else(|| panic!("a broken line: {line:?}"));
            let thread: usize = thread.parse().unwrap();
            assert_eq!(n.parse::<usize>().unwrap(), next[thread], "{line}");
            next[thread] += 1;
        }
        assert_eq!(next, [2_000; 4], "every line, once");
        let writes = *sink.writes.lock().unwrap();
        assert!(
            writes < 8_000,
            "lines are written in batches ({writes} writes)"
        );
    }

    #[test]
    fn a_line_is_written_soon_without_more_lines_behind_it() {
        let sink = Sink::default();
        let (mut writer, _guard) = batched(sink.clone());
        writer.write_all(b"alone\n").unwrap();
        let waiting_since = Instant::now();
        while sink.text().is_empty() {
            assert!(
                waiting_since.elapsed() < Duration::from_secs(10),
                "the line was not written"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.text(), "alone\n");
    }

    #[test]
    fn lines_beyond_the_cap_are_dropped_and_counted_never_blocking() {
        /// A sink that blocks until released, as a full pipe does.
        struct Stuck(Arc<Mutex<()>>, Sink);
        impl Write for Stuck {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                let _released = self.0.lock().unwrap();
                self.1.write(bytes)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().unwrap();
        let sink = Sink::default();
        let (mut writer, guard) = batched(Stuck(gate.clone(), sink.clone()));
        let line = [b'x'; 1023]
            .iter()
            .chain(b"\n")
            .copied()
            .collect::<Vec<_>>();
        let lines = 3 * MAX_PENDING_BYTES / line.len();
        for _ in 0..lines {
            writer.write_all(&line).unwrap();
        }
        drop(held);
        drop(guard);
        let text = sink.text();
        let written = text.lines().filter(|l| l.starts_with('x')).count();
        assert!(written < lines, "{written} of {lines} written");
        assert!(written >= MAX_PENDING_BYTES / line.len(), "{written}");
        // The writer may take a batch, with its drops so far, before the sink sticks;
        // then the drops are reported in more than one line, and they add up.
        let reported: usize = text
            .lines()
            .filter_map(|l| l.strip_prefix("log: "))
            .filter_map(|l| l.strip_suffix(" lines dropped (the log could not keep up)"))
            .map(|n| n.parse::<usize>().unwrap())
            .sum();
        assert_eq!(reported, lines - written, "every dropped line is counted");
    }
}
