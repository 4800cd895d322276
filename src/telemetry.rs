//! Log output: `RUST_LOG` when set, else the configured level (`--log.level` overriding the file);
//! logfmt as Prometheus and its exporters write it, or JSON for log pipelines.
//!
//! A logfmt line is `time=<RFC 3339, UTC> level=<LEVEL> source=<module> msg="..." key=value ...`,
//! the field order of Prometheus 3, so that whatever already parses the operator's Prometheus logs
//! parses these. No colour codes: a log file, the journal or a container runtime would keep them
//! as garbage, and the line is as readable on a terminal without them.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogConfig, LogFormat};

pub(crate) fn init(config: &LogConfig) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    // A closed stderr (a log pipe that went away) must not matter: by default the subscriber
    // reports a failed write with eprintln!, which panics on that same closed stderr, in
    // whichever task logged, even the one handling SIGTERM.
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    let output = match config.format {
        // `text` in the configuration file: logfmt is the text format of the Prometheus world.
        LogFormat::Text => output
            .with_ansi(false)
            .fmt_fields(LogfmtFields)
            .event_format(Logfmt)
            .boxed(),
        LogFormat::Json => output.with_ansi(false).json().boxed(),
    };
    // A second initialisation (only possible in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(output.with_filter(filter))
        .try_init();
}

/// One event as a logfmt line.
struct Logfmt;

impl<S, N> FormatEvent<S, N> for Logfmt
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut time = String::new();
        SystemTime.format_time(&mut Writer::new(&mut time))?;
        let mut fields = Fields::default();
        event.record(&mut fields);
        write!(
            writer,
            "time={time} level={} source={} msg=",
            metadata.level(),
            metadata.target()
        )?;
        write_value(&mut writer, fields.message.as_deref().unwrap_or_default())?;
        writer.write_str(&fields.rest)?;
        // Fields of the spans the event happened in (a dependency's request span, say), already
        // logfmt through `LogfmtFields`.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(formatted) = span.extensions().get::<FormattedFields<N>>()
                    && !formatted.is_empty()
                {
                    write!(writer, " {formatted}")?;
                }
            }
        }
        writeln!(writer)
    }
}

/// Span fields as logfmt pairs, for [`Logfmt`] to append.
struct LogfmtFields;

impl<'writer> FormatFields<'writer> for LogfmtFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = Fields::default();
        fields.record(&mut visitor);
        if let Some(message) = visitor.message {
            visitor
                .rest
                .insert_str(0, &format!(" message={}", quoted(&message)));
        }
        writer.write_str(visitor.rest.trim_start())
    }
}

/// An event's message apart, its other fields as ` key=value` pairs.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    rest: String,
}

impl Fields {
    fn push(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            // Writing to a String cannot fail.
            let _ = write!(self.rest, " {}=", field.name());
            let _ = write_value(&mut self.rest, value);
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `%x` fields arrive here as Display wrappers, whose Debug is their Display.
        self.push(field, &format!("{value:?}"));
    }
}

fn quoted(value: &str) -> String {
    let mut out = String::new();
    let _ = write_value(&mut out, value);
    out
}

/// A value bare when it can be, else double-quoted with Go's escapes, as go-logfmt (and so
/// Prometheus) writes it: a value with a blank, `=`, a quote or a control character, or empty.
fn write_value(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    let bare = !value.is_empty()
        && !value
            .chars()
            .any(|c| c <= ' ' || c == '=' || c == '"' || c == '\u{7f}' || c.is_control());
    if bare {
        return out.write_str(value);
    }
    out.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if c.is_control() => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bare_unless_they_need_quotes() {
        assert_eq!(quoted("127.0.0.1:9612"), "127.0.0.1:9612");
        assert_eq!(quoted("exporter listening"), "\"exporter listening\"");
        assert_eq!(quoted(""), "\"\"");
        assert_eq!(quoted("a=b"), "\"a=b\"");
        assert_eq!(
            quoted("say \"no\"\\\nthen\tstop\u{1b}[31m"),
            "\"say \\\"no\\\"\\\\\\nthen\\tstop\\u001b[31m\""
        );
    }

    /// A whole line as the layer writes it, through a subscriber local to this test.
    #[test]
    fn a_line_is_time_level_source_msg_then_the_fields() {
        use std::sync::{Arc, Mutex};
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buffer.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .fmt_fields(LogfmtFields)
            .event_format(Logfmt)
            .with_writer(move || SinkWriter(sink.clone()));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("poll", platform = "prod eu");
            let _entered = span.enter();
            tracing::warn!(address = %"127.0.0.1:9612", count = 3, "exporter listening");
        });
        let line = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        let (time, rest) = line
            .strip_prefix("time=")
            .and_then(|l| l.split_once(' '))
            .unwrap_or_else(|| panic!("{line}"));
        assert!(time.ends_with('Z') && time.contains('T'), "{time}");
        assert_eq!(
            rest,
            "level=WARN source=liveplatform_exporter::telemetry::tests \
             msg=\"exporter listening\" address=127.0.0.1:9612 count=3 platform=\"prod eu\"\n"
        );
    }

    struct SinkWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for SinkWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
