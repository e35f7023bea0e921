//! Structured logs on stderr, written in batches.
//!
//! Written straight to stderr, every line cost a `write` call on the thread serving the
//! request. Lines are gathered in memory instead and written by a thread of their own at
//! most [`BATCH_WINDOW`] later, a batch a call; a logger that finds [`BACKLOG`] bytes
//! waiting writes them itself, so memory stays bounded.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// How long a line may wait in memory.
const BATCH_WINDOW: Duration = Duration::from_millis(20);
/// Bytes waiting past which the logger writes them itself.
const BACKLOG: usize = 1 << 20;

/// Installs the global subscriber; `RUST_LOG` overrides `default_level`. Colours only on a
/// terminal. The lines still in memory are written when the guard is dropped.
#[must_use = "the lines still in memory are lost unless the guard is dropped at exit"]
pub fn init(format: LogFormat, default_level: &str) -> LogGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let lines = Lines::start(Box::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(lines.clone());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    LogGuard(lines)
}

/// Writes the lines still in memory when dropped.
pub struct LogGuard(Lines);

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.0.0.write_out();
    }
}

/// The lines not yet written, shared by the loggers and the writing thread.
#[derive(Clone)]
struct Lines(Arc<Shared>);

struct Shared {
    waiting: Mutex<Vec<u8>>,
    /// Told when a line arrives with none waiting.
    arrived: Condvar,
    /// Held while a batch is taken and written, so that batches come out in order.
    out: Mutex<Box<dyn Write + Send>>,
}

impl Lines {
    fn start(out: Box<dyn Write + Send>) -> Self {
        let shared = Arc::new(Shared {
            waiting: Mutex::default(),
            arrived: Condvar::new(),
            out: Mutex::new(out),
        });
        let writer = shared.clone();
        let started = std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                loop {
                    drop(
                        writer
                            .arrived
                            .wait_while(writer.waiting(), |waiting| waiting.is_empty())
                            .unwrap_or_else(PoisonError::into_inner),
                    );
                    std::thread::sleep(BATCH_WINDOW);
                    writer.write_out();
                }
            });
        if let Err(error) = started {
            eprintln!(
                "no log-writer thread ({error}): lines are written {BACKLOG} bytes at a time"
            );
        }
        Self(shared)
    }
}

impl Shared {
    fn waiting(&self) -> MutexGuard<'_, Vec<u8>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes what is waiting. A failed write of logs has nowhere to be told.
    fn write_out(&self) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let batch = std::mem::take(&mut *self.waiting());
        if !batch.is_empty() {
            let _ = out.write_all(&batch);
            let _ = out.flush();
        }
    }
}

/// One logger's handle, for one line.
struct Line<'a>(&'a Shared);

impl Write for Line<'_> {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let backlog = {
            let mut waiting = self.0.waiting();
            if waiting.is_empty() {
                self.0.arrived.notify_one();
            }
            waiting.extend_from_slice(line);
            waiting.len() >= BACKLOG
        };
        if backlog {
            self.0.write_out();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reached the output, kept for the test to read.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_come_out_in_order_from_the_thread_and_at_the_end() {
        let captured = Captured::default();
        let lines = Lines::start(Box::new(captured.clone()));
        for n in 0..3 {
            writeln!(lines.make_writer(), "line {n}").unwrap();
        }
        let expected = b"line 0\nline 1\nline 2\n";
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while captured.0.lock().unwrap().len() < expected.len()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            *captured.0.lock().unwrap(),
            expected,
            "written by the thread"
        );

        let guard = LogGuard(lines.clone());
        writeln!(lines.make_writer(), "last").unwrap();
        drop(guard);
        assert!(captured.0.lock().unwrap().ends_with(b"line 2\nlast\n"));
    }

    #[test]
    fn a_backlog_is_written_by_the_logger() {
        let captured = Captured::default();
        let lines = Lines(Arc::new(Shared {
            waiting: Mutex::default(),
            arrived: Condvar::new(),
            out: Mutex::new(Box::new(captured.clone())),
        }));
        let line = vec![b'x'; BACKLOG / 2];
        lines.make_writer().write_all(&line).unwrap();
        assert!(
            captured.0.lock().unwrap().is_empty(),
            "no thread, no backlog yet"
        );
        lines.make_writer().write_all(&line).unwrap();
        assert_eq!(captured.0.lock().unwrap().len(), BACKLOG);
    }
}
