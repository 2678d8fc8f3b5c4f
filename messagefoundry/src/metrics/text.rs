//! The Prometheus text exposition format (version 0.0.4): a `# HELP` and a `# TYPE` line per
//! family, then its samples, one a line.

use std::fmt::Write as _;

use super::kinds::HistogramSnapshot;

/// The content type of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A family's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only grows; its samples end in `_total`.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Buckets, sum and count.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Labels of one sample: (name, value) pairs.
pub type Labels<'a> = [(&'a str, &'a str)];

/// A page of metrics being written.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a family: its help text and type. Its samples follow.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample of an integer value.
    pub fn int(&mut self, name: &str, labels: &Labels<'_>, value: impl Into<i128>) {
        self.name_and_labels(name, labels, None);
        let _ = writeln!(self.out, " {}", value.into());
    }

    /// One sample of a real value.
    pub fn real(&mut self, name: &str, labels: &Labels<'_>, value: f64) {
        self.name_and_labels(name, labels, None);
        let _ = writeln!(self.out, " {}", real(value));
    }

    /// A histogram's samples: `_bucket` per bound and `+Inf`, `_sum` and `_count`. Bounds and
    /// sum are divided by `scale` (1 000 000 for microseconds shown as seconds).
    pub fn histogram(
        &mut self,
        name: &str,
        labels: &Labels<'_>,
        snapshot: &HistogramSnapshot,
        scale: f64,
    ) {
        let bucket = format!("{name}_bucket");
        for (bound, count) in &snapshot.buckets {
            let le = real(*bound as f64 / scale);
            self.name_and_labels(&bucket, labels, Some(&le));
            let _ = writeln!(self.out, " {count}");
        }
        self.name_and_labels(&bucket, labels, Some("+Inf"));
        let _ = writeln!(self.out, " {}", snapshot.count);
        self.real(&format!("{name}_sum"), labels, snapshot.sum as f64 / scale);
        self.int(&format!("{name}_count"), labels, snapshot.count);
    }

    /// The page.
    pub fn finish(self) -> String {
        self.out
    }

    fn name_and_labels(&mut self, name: &str, labels: &Labels<'_>, le: Option<&str>) {
        self.out.push_str(name);
        if labels.is_empty() && le.is_none() {
            return;
        }
        self.out.push('{');
        let le = le.map(|le| ("le", le));
        for (n, (label, value)) in labels.iter().copied().chain(le).enumerate() {
            if n > 0 {
                self.out.push(',');
            }
            let _ = write!(self.out, "{label}=\"{}\"", escape_label(value));
        }
        self.out.push('}');
    }
}

/// A real number as the format writes it.
fn real(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

/// A label value: backslash, double quote and line feed escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Help text: backslash and line feed escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_escapes_are_written_as_the_format_says() {
        let mut page = Exposition::default();
        page.family("mf_things_total", Kind::Counter, "Things.\nCounted.");
        page.int("mf_things_total", &[("name", "a\"b\\c")], 3u64);
        page.family("mf_up", Kind::Gauge, "Up.");
        page.real("mf_up", &[], 1.5);
        assert_eq!(
            page.finish(),
            "# HELP mf_things_total Things.\\nCounted.\n# TYPE mf_things_total counter\n\
             mf_things_total{name=\"a\\\"b\\\\c\"} 3\n\
             # HELP mf_up Up.\n# TYPE mf_up gauge\nmf_up 1.5\n"
        );
    }

    #[test]
    fn a_histogram_has_cumulative_buckets_then_inf_sum_and_count() {
        let mut page = Exposition::default();
        let snapshot = HistogramSnapshot {
            buckets: vec![(1_000, 2), (10_000, 3)],
            count: 4,
            sum: 25_000,
        };
        page.histogram("mf_seconds", &[("c", "x")], &snapshot, 1_000_000.0);
        assert_eq!(
            page.finish(),
            "mf_seconds_bucket{c=\"x\",le=\"0.001\"} 2\n\
             mf_seconds_bucket{c=\"x\",le=\"0.01\"} 3\n\
             mf_seconds_bucket{c=\"x\",le=\"+Inf\"} 4\n\
             mf_seconds_sum{c=\"x\"} 0.025\n\
             mf_seconds_count{c=\"x\"} 4\n"
        );
    }
}
