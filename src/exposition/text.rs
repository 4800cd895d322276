//! The Prometheus text format as every collector writes it: metric families, sample lines and
//! label values escaped as the format requires. Collectors render their samples with these once
//! per run; a scrape only copies the bytes.

/// A metric family published from poll data. All are gauges.
#[derive(Debug)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
}

/// The `platform="..."` label every sample starts with.
pub fn platform_label(platform: &str) -> Vec<u8> {
    let mut label = Vec::new();
    push_label(&mut label, "platform", platform);
    label
}

/// Appends `name{labels} value` and a line feed.
pub(crate) fn push_sample(out: &mut Vec<u8>, name: &str, labels: &[u8], value: impl itoa::Integer) {
    push_sample_with(out, name, labels, &[], value);
}

/// Appends `name{labels,extra} value` and a line feed: `labels` already written, each of `extra`
/// a label to escape.
pub(crate) fn push_sample_with(
    out: &mut Vec<u8>,
    name: &str,
    labels: &[u8],
    extra: &[(&str, &str)],
    value: impl itoa::Integer,
) {
    out.extend_from_slice(name.as_bytes());
    out.push(b'{');
    out.extend_from_slice(labels);
    for (label, label_value) in extra {
        out.push(b',');
        push_label(out, label, label_value);
    }
    out.extend_from_slice(b"} ");
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    out.push(b'\n');
}

/// Appends `name="value"` with the value escaped as the text format requires: backslash, double
/// quote and line feed. Everything else, any Unicode included, is legal as it is.
pub(crate) fn push_label(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    let mut rest = value.as_bytes();
    // Copy runs between the rare bytes that need escaping whole, not byte by byte.
    while let Some(at) = memchr::memchr3(b'\\', b'"', b'\n', rest) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(match rest[at] {
            b'\\' => b"\\\\",
            b'"' => b"\\\"",
            _ => b"\\n",
        });
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// The length of `value` once [`push_label`] has escaped it.
pub(crate) fn escaped_len(value: &str) -> usize {
    let escapes = value
        .bytes()
        .filter(|b| matches!(b, b'\\' | b'"' | b'\n'))
        .count();
    value.len() + escapes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut out = Vec::new();
        push_label(&mut out, "n", "a\\b\"c\nd é😀\t");
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "n=\"a\\\\b\\\"c\\nd é😀\t\""
        );
        let value = "a\\b\"c\nd é😀\t";
        assert_eq!(escaped_len(value), out.len() - "n=\"\"".len());
    }
}
