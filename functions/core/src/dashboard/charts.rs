//! Charts as inline SVG, drawn here rather than by a script in the browser: the page shows
//! them at once, on any phone, with no charting library to download. Colours come from the
//! page's CSS through the `series-N` classes, which the page's legends share. Each chart is
//! an image named by its caption; the table next to it carries the same numbers.

use super::numbers::{integer, one_decimal};
use crate::html::escape;
use crate::report::Language;
use std::fmt::Write;

const WIDTH: f64 = 480.0;
const PLOT_LEFT: f64 = 44.0;
const PLOT_RIGHT: f64 = 8.0;
const PLOT_TOP: f64 = 10.0;
const PLOT_HEIGHT: f64 = 170.0;
/// Room under the plot for two lines of axis labels.
const AXIS_BELOW: f64 = 34.0;

/// One set of values drawn in one colour; `None` where there is nothing to measure.
pub struct Series {
    pub class: &'static str,
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A label under the horizontal axis at point `at`; `sub` is a second line (the year).
pub struct XLabel {
    pub at: usize,
    pub text: String,
    pub sub: Option<String>,
}

/// What the horizontal axis shows: `names` of every point (for the tooltips) and the
/// labels actually written.
pub struct XAxis {
    pub names: Vec<String>,
    pub labels: Vec<XLabel>,
}

/// How values are written on the axis and in the tooltips.
#[derive(Clone, Copy)]
pub enum Unit {
    Count,
    /// Days with one decimal.
    Days,
}

impl Unit {
    fn format(self, value: f64, language: Language) -> String {
        match self {
            Unit::Count => integer(value.round().max(0.0) as u64, language),
            Unit::Days => one_decimal(value, language),
        }
    }
}

/// Round steps (1, 2 or 5 times a power of ten) from zero to at least `max`, at most six;
/// counts step by whole numbers.
pub fn ticks(max: f64, unit: Unit) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let magnitude = 10f64.powf(max.log10().floor() - 1.0);
    // Never finer than the one decimal the labels show.
    let smallest = match unit {
        Unit::Count => 1.0,
        Unit::Days => 0.1,
    };
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .iter()
        .map(|factor| factor * magnitude)
        .filter(|step| *step >= smallest)
        .find(|step| (max / step).ceil() <= 5.0)
        .unwrap_or(max);
    let count = (max / step).ceil() as usize;
    // Rounded so that 3 × 0.1 is written 0.3.
    (0..=count)
        .map(|n| (n as f64 * step * 1e6).round() / 1e6)
        .collect()
}

fn open_svg(out: &mut String, height: f64, labelled_by: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{}" focusable="false" xmlns="http://www.w3.org/2000/svg">"#,
        escape(labelled_by)
    );
}

/// The plot area of a chart with axes: the value scale (round steps up to the largest
/// value) and one band per point along the horizontal axis.
struct Plot {
    ticks: Vec<f64>,
    top: f64,
    band: f64,
}

impl Plot {
    fn new(axis: &XAxis, series: &[Series], unit: Unit) -> Self {
        let ticks = ticks(top_value(series), unit);
        let top = *ticks.last().expect("ticks are never empty");
        let points = axis.names.len().max(1);
        Self {
            ticks,
            top,
            band: (WIDTH - PLOT_LEFT - PLOT_RIGHT) / points as f64,
        }
    }

    fn y(&self, value: f64) -> f64 {
        PLOT_TOP + PLOT_HEIGHT - value / self.top * PLOT_HEIGHT
    }

    /// The middle of point `at`'s band.
    fn x(&self, at: usize) -> f64 {
        PLOT_LEFT + self.band * (at as f64 + 0.5)
    }

    /// Opens the chart and draws the horizontal grid lines with their values at the left.
    fn open(&self, out: &mut String, labelled_by: &str, language: Language) {
        open_svg(out, PLOT_TOP + PLOT_HEIGHT + AXIS_BELOW, labelled_by);
        out.push_str(r#"<g class="grid" aria-hidden="true">"#);
        for &tick in &self.ticks {
            let y = self.y(tick);
            let _ = write!(
                out,
                r#"<line x1="{PLOT_LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                WIDTH - PLOT_RIGHT,
                PLOT_LEFT - 6.0,
                y + 4.0,
                // Fine steps need their decimal, whatever the unit.
                if tick.fract() == 0.0 {
                    integer(tick as u64, language)
                } else {
                    one_decimal(tick, language)
                }
            );
        }
        out.push_str("</g>");
    }
}

fn x_labels(out: &mut String, axis: &XAxis, x_of: impl Fn(usize) -> f64) {
    let base = PLOT_TOP + PLOT_HEIGHT;
    out.push_str(r#"<g class="axis" aria-hidden="true">"#);
    for label in &axis.labels {
        let x = x_of(label.at);
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            base + 15.0,
            escape(&label.text)
        );
        if let Some(sub) = &label.sub {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                base + 29.0,
                escape(sub)
            );
        }
    }
    out.push_str("</g>");
}

fn top_value(series: &[Series]) -> f64 {
    series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0, |max: f64, &v| max.max(v))
}

fn tooltip(series: &Series, point: &str, value: f64, unit: Unit, language: Language) -> String {
    escape(&format!(
        "{point} · {}: {}",
        series.name,
        unit.format(value, language)
    ))
}

/// Side-by-side columns per point (e.g. reports received and closed each month).
pub fn columns(
    axis: &XAxis,
    series: &[Series],
    unit: Unit,
    labelled_by: &str,
    language: Language,
) -> String {
    let plot = Plot::new(axis, series, unit);
    let bar = plot.band * 0.8 / series.len().max(1) as f64;
    let mut out = String::new();
    plot.open(&mut out, labelled_by, language);
    for (index, name) in axis.names.iter().enumerate() {
        let start = PLOT_LEFT + plot.band * index as f64 + plot.band * 0.1;
        for (n, s) in series.iter().enumerate() {
            let Some(value) = s.values.get(index).copied().flatten() else {
                continue;
            };
            let y = plot.y(value);
            let _ = write!(
                out,
                r#"<rect class="{}" x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
                s.class,
                start + bar * n as f64,
                bar.max(1.0),
                (PLOT_TOP + PLOT_HEIGHT - y).max(0.0),
                tooltip(s, name, value, unit, language)
            );
        }
    }
    x_labels(&mut out, axis, |at| plot.x(at));
    out.push_str("</svg>");
    out
}

/// Lines through the points of each series, broken where a value is missing; points are
/// marked when there are few enough to tell apart.
pub fn lines(
    axis: &XAxis,
    series: &[Series],
    unit: Unit,
    labelled_by: &str,
    language: Language,
) -> String {
    let plot = Plot::new(axis, series, unit);
    let mut out = String::new();
    plot.open(&mut out, labelled_by, language);
    for s in series {
        let mut segments: Vec<Vec<(f64, f64)>> = vec![vec![]];
        for (index, value) in s.values.iter().enumerate() {
            match value {
                Some(value) => segments
                    .last_mut()
                    .expect("one segment at least")
                    .push((plot.x(index), plot.y(*value))),
                None => segments.push(vec![]),
            }
        }
        for segment in segments.iter().filter(|s| s.len() > 1) {
            let path: Vec<String> = segment
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = write!(
                out,
                r#"<polyline class="line {}" points="{}"/>"#,
                s.class,
                path.join(" ")
            );
        }
        if axis.names.len() <= 40 {
            for (index, value) in s.values.iter().enumerate() {
                let Some(value) = value else { continue };
                let _ = write!(
                    out,
                    r#"<circle class="{}" cx="{:.1}" cy="{:.1}" r="3.5"><title>{}</title></circle>"#,
                    s.class,
                    plot.x(index),
                    plot.y(*value),
                    tooltip(s, &axis.names[index], *value, unit, language)
                );
            }
        }
    }
    x_labels(&mut out, axis, |at| plot.x(at));
    out.push_str("</svg>");
    out
}

/// One row per name with a bar for each series, the value written at its end; names sit
/// above their bars so that long office names fit on a phone.
pub fn bars(
    names: &[String],
    series: &[Series],
    unit: Unit,
    labelled_by: &str,
    language: Language,
) -> String {
    const NAME_LINE: f64 = 18.0;
    const BAR: f64 = 11.0;
    const GAP: f64 = 3.0;
    const ROW_GAP: f64 = 10.0;
    // Room at the right for the value written after the longest bar.
    const VALUE_ROOM: f64 = 56.0;
    let row = NAME_LINE + series.len() as f64 * (BAR + GAP) + ROW_GAP;
    let height = (names.len() as f64 * row).max(row);
    let top = top_value(series).max(f64::MIN_POSITIVE);
    let length = |value: f64| value / top * (WIDTH - VALUE_ROOM);
    let mut out = String::new();
    open_svg(&mut out, height, labelled_by);
    for (index, name) in names.iter().enumerate() {
        let y = index as f64 * row;
        let _ = write!(
            out,
            r#"<text class="name" x="0" y="{:.1}">{}</text>"#,
            y + 13.0,
            escape(name)
        );
        for (n, s) in series.iter().enumerate() {
            let bar_y = y + NAME_LINE + n as f64 * (BAR + GAP);
            let value = s.values.get(index).copied().flatten();
            let width = value.map_or(0.0, length);
            if let Some(value) = value {
                let _ = write!(
                    out,
                    r#"<rect class="{}" x="0" y="{bar_y:.1}" width="{:.1}" height="{BAR}"><title>{}</title></rect>"#,
                    s.class,
                    width.max(1.0),
                    tooltip(s, name, value, unit, language)
                );
            }
            let _ = write!(
                out,
                r#"<text class="value" x="{:.1}" y="{:.1}" aria-hidden="true">{}</text>"#,
                width + 4.0,
                bar_y + BAR - 1.5,
                value.map_or_else(
                    || super::numbers::not_available(language).to_string(),
                    |v| unit.format(v, language)
                )
            );
        }
    }
    out.push_str("</svg>");
    out
}
