//! `tok plot`: a chart of one recorded column from `tok sim` output (CSV,
//! or Parquet for a `.parquet` file): per sweep point, the median across
//! runs as a line and the p5–p95 band around it. SVG is written directly
//! (no font or graphics library); PNG (chosen by the `.png` extension) is
//! drawn with plotters and a bundled font (DejaVu Sans Mono, `assets/`),
//! so no system font is needed. Either way the same rows give the same
//! bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::ExitCode;

use crate::EXIT_USAGE;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 520.0;
const LEFT: f64 = 110.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// The band and median of one sweep point, step by step.
struct Series {
    label: String,
    /// (step, p5, p50, p95)
    points: Vec<(f64, f64, f64, f64)>,
}

/// Rows of `tok sim` output, each row's fields as text (empty where a
/// value failed to evaluate).
type Records = Box<dyn Iterator<Item = Result<Vec<String>, String>>>;

/// The column names and rows of `rows`: a CSV, or Parquet for a
/// `.parquet` file (whose integer columns are read as their doubles).
fn records(rows: &Path) -> Result<(Vec<String>, Records), String> {
    let file = std::fs::File::open(rows)
        .map_err(|error| format!("cannot read `{}`: {error}", rows.display()))?;
    let shown = rows.display().to_string();
    if crate::parquet_out::is_parquet(rows) {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let reader = SerializedFileReader::new(file)
            .map_err(|error| format!("`{}` is not Parquet: {error}", rows.display()))?;
        let names = (reader.metadata().file_metadata().schema_descr().columns())
            .iter()
            .map(|column| column.name().to_string())
            .collect();
        let records = reader.into_iter().map(move |row| {
            let row = row.map_err(|error| format!("cannot read `{shown}`: {error}"))?;
            Ok(row
                .get_column_iter()
                .map(|(_, field)| text(field))
                .collect())
        });
        return Ok((names, Box::new(records)));
    }
    let mut lines = BufReader::new(file).lines();
    let header = match lines.next() {
        Some(Ok(header)) => header,
        _ => return Err(format!("`{}` is empty", rows.display())),
    };
    let records = lines.map(move |line| {
        let line = line.map_err(|error| format!("cannot read `{shown}`: {error}"))?;
        Ok(line.split(',').map(str::to_string).collect())
    });
    Ok((
        header.split(',').map(str::to_string).collect(),
        Box::new(records),
    ))
}

/// A Parquet field as the CSV writes its value.
fn text(field: &parquet::record::Field) -> String {
    use parquet::record::Field;
    match field {
        Field::Null => String::new(),
        Field::Str(text) => text.clone(),
        Field::Double(value) => value.to_string(),
        other => other.to_string(),
    }
}

pub fn plot(rows: &Path, column: &str, out: &Path) -> ExitCode {
    let (names, records) = match records(rows) {
        Ok(found) => found,
        Err(message) => return fail(message),
    };
    let (Some(step_index), Some(value_index)) = (
        names.iter().position(|n| n == "step"),
        names.iter().position(|n| n == column),
    ) else {
        let available: Vec<&str> = names
            .iter()
            .skip_while(|n| *n != "step")
            .skip(1)
            .map(String::as_str)
            .collect();
        return fail(format!(
            "no column `{column}` in `{}` (columns: {})",
            rows.display(),
            available.join(", ")
        ));
    };
    // Sweep points are labelled by their swept values.
    let swept: &[String] = if names.first().is_some_and(|n| n == "point") {
        &names[1..names.len().min(step_index.saturating_sub(1))]
    } else {
        &[]
    };
    let mut values: BTreeMap<(u64, String), BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    for fields in records {
        let fields = match fields {
            Ok(fields) => fields,
            Err(message) => return fail(message),
        };
        let (Some(step), Some(value)) = (
            fields.get(step_index).and_then(|s| s.parse::<u64>().ok()),
            fields.get(value_index).and_then(|v| v.parse::<f64>().ok()),
        ) else {
            continue;
        };
        let point = if swept.is_empty() {
            0
        } else {
            fields.first().and_then(|p| p.parse().ok()).unwrap_or(0)
        };
        let label = swept
            .iter()
            .zip(fields.iter().skip(1))
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(" ");
        values
            .entry((point, label))
            .or_default()
            .entry(step)
            .or_default()
            .push(value);
    }
    if values.is_empty() {
        return fail(format!(
            "`{}` has no rows with a `{column}` value",
            rows.display()
        ));
    }
    let series: Vec<Series> = values
        .into_iter()
        .map(|((_, label), steps)| Series {
            label,
            points: steps
                .into_iter()
                .map(|(step, mut runs)| {
                    runs.sort_by(f64::total_cmp);
                    (
                        step as f64,
                        percentile(&runs, 0.05),
                        percentile(&runs, 0.5),
                        percentile(&runs, 0.95),
                    )
                })
                .collect(),
        })
        .collect();
    let written = if out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        render_png(column, &series, out)
    } else {
        std::fs::write(out, render(column, &series)).map_err(|e| e.to_string())
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(format!("cannot write `{}`: {error}", out.display())),
    }
}

/// The bundled font for PNG text (see `assets/DejaVuSansMono-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");

/// The chart `render` draws, as a PNG of the same size.
fn render_png(column: &str, series: &[Series], out: &Path) -> Result<(), String> {
    use plotters::prelude::*;
    let error = |e: &dyn std::fmt::Display| e.to_string();
    plotters::style::register_font("tok", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font is invalid".to_string())?;
    let (x_min, x_max, y_min, y_max) = bounds(series);
    let root = BitMapBackend::new(out, (WIDTH as u32, HEIGHT as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{column} (median and p5-p95 across runs)"),
            ("tok", 18),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(95)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_labels(5)
        .y_labels(5)
        .x_desc("step")
        .label_style(("tok", 13))
        .x_label_formatter(&|v| label(*v))
        .y_label_formatter(&|v| label(*v))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()
        .map_err(|e| error(&e))?;
    for (index, series) in series.iter().enumerate() {
        let colour = parse_colour(COLOURS[index % COLOURS.len()]);
        let band: Vec<(f64, f64)> = series
            .points
            .iter()
            .map(|(s, _, _, high)| (*s, *high))
            .chain(series.points.iter().rev().map(|(s, low, _, _)| (*s, *low)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.18))))
            .map_err(|e| error(&e))?;
        let median = series.points.iter().map(|(s, _, mid, _)| (*s, *mid));
        let drawn = chart
            .draw_series(LineSeries::new(median, colour.stroke_width(2)))
            .map_err(|e| error(&e))?;
        if !series.label.is_empty() {
            drawn.label(series.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(3))
            });
        }
    }
    if series.iter().any(|s| !s.label.is_empty()) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("tok", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| error(&e))?;
    }
    root.present().map_err(|e| error(&e))
}

fn parse_colour(hex: &str) -> plotters::style::RGBColor {
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    plotters::style::RGBColor(channel(1), channel(3), channel(5))
}

fn fail(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// A short number for an axis label: 1.22e27, 3650, 0.05.
fn label(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-3..1e6).contains(&magnitude) {
        format!("{value:.3e}")
    } else if value.fract() == 0.0 || magnitude >= 1e3 {
        format!("{value:.0}")
    } else {
        format!("{value:.4}").trim_end_matches('0').to_string()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The data range, padded when flat: (x min, x max, y min, y max).
fn bounds(series: &[Series]) -> (f64, f64, f64, f64) {
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, low, _, high) in all {
        x_min = x_min.min(*x);
        x_max = x_max.max(*x);
        y_min = y_min.min(*low);
        y_max = y_max.max(*high);
    }
    if x_max <= x_min {
        x_max = x_min + 1.0;
    }
    if y_max <= y_min {
        let pad = y_min.abs().max(1.0) * 0.01;
        y_min -= pad;
        y_max += pad;
    }
    (x_min, x_max, y_min, y_max)
}

fn render(column: &str, series: &[Series]) -> String {
    let (x_min, x_max, y_min, y_max) = bounds(series);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let x = |value: f64| LEFT + (value - x_min) / (x_max - x_min) * plot_width;
    let y = |value: f64| TOP + (1.0 - (value - y_min) / (y_max - y_min)) * plot_height;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="28" font-size="16" text-anchor="middle">{} (median and p5–p95 across runs)</text>"#,
        WIDTH / 2.0,
        escape(column)
    );
    // Axes with five ticks each.
    let _ = writeln!(
        svg,
        r#"<path d="M{LEFT} {TOP} V{} H{}" fill="none" stroke="black"/>"#,
        TOP + plot_height,
        LEFT + plot_width
    );
    for tick in 0..=4 {
        let fraction = f64::from(tick) / 4.0;
        let (tx, value_x) = (
            LEFT + fraction * plot_width,
            x_min + fraction * (x_max - x_min),
        );
        let (ty, value_y) = (
            TOP + (1.0 - fraction) * plot_height,
            y_min + fraction * (y_max - y_min),
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{tx:.1}" y1="{}" x2="{tx:.1}" y2="{}" stroke="black"/><text x="{tx:.1}" y="{}" text-anchor="middle">{}</text>"##,
            TOP + plot_height,
            TOP + plot_height + 5.0,
            TOP + plot_height + 20.0,
            label(value_x)
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{}" y1="{ty:.1}" x2="{LEFT}" y2="{ty:.1}" stroke="black"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 5.0,
            LEFT - 8.0,
            ty + 4.0,
            label(value_y)
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{ty:.1}" x2="{}" y2="{ty:.1}" stroke="#e0e0e0"/>"##,
            LEFT + plot_width
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">step</text>"#,
        LEFT + plot_width / 2.0,
        HEIGHT - 15.0
    );
    for (index, series) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let upper: Vec<String> = series
            .points
            .iter()
            .map(|(s, _, _, high)| format!("{:.2},{:.2}", x(*s), y(*high)))
            .collect();
        let lower: Vec<String> = series
            .points
            .iter()
            .rev()
            .map(|(s, low, _, _)| format!("{:.2},{:.2}", x(*s), y(*low)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polygon points="{} {}" fill="{colour}" fill-opacity="0.18" stroke="none"/>"#,
            upper.join(" "),
            lower.join(" ")
        );
        let median: Vec<String> = series
            .points
            .iter()
            .map(|(s, _, mid, _)| format!("{:.2},{:.2}", x(*s), y(*mid)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.6"/>"#,
            median.join(" ")
        );
        if !series.label.is_empty() {
            let ly = TOP + 14.0 + 16.0 * index as f64;
            let _ = writeln!(
                svg,
                r#"<rect x="{}" y="{}" width="12" height="3" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
                LEFT + 12.0,
                ly - 4.0,
                LEFT + 30.0,
                ly,
                escape(&series.label)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&values, 0.5), 3.0);
        assert_eq!(percentile(&values, 0.0), 1.0);
        assert!((percentile(&values, 0.05) - 1.2).abs() < 1e-12);
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(label(3650.0), "3650");
        assert_eq!(label(1.2177e27), "1.218e27");
        assert_eq!(label(0.05), "0.05");
        assert_eq!(label(865_367.387_5), "865367");
    }
}
