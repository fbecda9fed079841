//! PNG charts (plotters), drawn into memory from the chart data of [`super::charts`].
//!
//! The font (DejaVu Sans, `assets/`, Bitstream Vera licence) is compiled in, so charts render
//! the same on a machine with no system fonts.

use super::charts::{Band, Chart, Fan, Layers, P50, P90, Rgb, Rule, Stack};
use super::format::format_si;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::Once;

/// The embedded font.
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// Font family name the charts use.
const FAMILY: &str = "sans-serif";
/// Chart size in pixels.
pub const SIZE: (u32, u32) = (960, 540);

fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and known good; a failure would show as missing text.
        let _ = register_font(FAMILY, FontStyle::Normal, FONT);
        let _ = register_font(FAMILY, FontStyle::Bold, FONT);
    });
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing chart {name}: {message}")]
pub struct ChartError {
    /// The chart's file name.
    pub name: String,
    /// What plotters or the PNG encoder said.
    pub message: String,
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn encode(name: &str, buf: &[u8]) -> Result<Vec<u8>, ChartError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(buf, SIZE.0, SIZE.1, image::ColorType::Rgb8)
        .map_err(|e| ChartError {
            name: name.into(),
            message: e.to_string(),
        })?;
    Ok(out)
}

fn err<E: std::fmt::Display>(name: &str) -> impl Fn(E) -> ChartError + '_ {
    move |e| ChartError {
        name: name.into(),
        message: e.to_string(),
    }
}

/// The drawing surface every chart gets: months across, a linear y axis.
type Surface<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a chart's frame (title, axes with units and calendar months, grid), lets `draw` add
/// the series, adds the legend and encodes the PNG.
fn frame(
    chart: &Chart,
    y: (f64, f64),
    draw: impl FnOnce(&mut Surface) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    ensure_font();
    let name = chart.file.as_str();
    let axis = chart.axis;
    let mut buf = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err(name))?;
        let mut surface = ChartBuilder::on(&root)
            .caption(&chart.title, (FAMILY, 22))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(74)
            .build_cartesian_2d(0f64..axis.horizon.max(1) as f64, y.0..y.1)
            .map_err(err(name))?;
        let percent = chart.percent;
        let ylabel = |y: &f64| {
            if percent {
                format!("{:.0}%", y * 100.0)
            } else {
                format_si(*y)
            }
        };
        let xlabel = |x: &f64| axis.label(*x);
        surface
            .configure_mesh()
            .x_desc(axis.desc())
            .y_desc(&chart.y_desc)
            .x_labels(12)
            .y_labels(8)
            .x_label_formatter(&xlabel)
            .y_label_formatter(&ylabel)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 15))
            .draw()
            .map_err(err(name))?;
        draw(&mut surface)?;
        surface
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FAMILY, 13))
            .draw()
            .map_err(err(name))?;
        root.present().map_err(err(name))?;
    }
    encode(name, &buf)
}

/// A fan: P5–P95 and P25–P75 bands around a P50 line, or a dashed P50 line alone.
fn draw_fan(s: &mut Surface, name: &str, fan: &Fan) -> Result<(), ChartError> {
    let c = rgb(fan.colour);
    if fan.bands {
        s.draw_series(std::iter::once(Polygon::new(
            fan.band.polygon(0, 4),
            c.mix(0.15),
        )))
        .map_err(err(name))?;
        s.draw_series(std::iter::once(Polygon::new(
            fan.band.polygon(1, 3),
            c.mix(0.3),
        )))
        .map_err(err(name))?;
        s.draw_series(LineSeries::new(fan.band.line(P50), c.stroke_width(3)))
            .map_err(err(name))?
            .label(format!("{} (P50, P25–P75, P5–P95)", fan.label))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(3)));
    } else {
        // A line without bands is dashed, in the colour of the fan it belongs with.
        s.draw_series(DashedLineSeries::new(
            fan.band.line(P50),
            10,
            6,
            c.stroke_width(3),
        ))
        .map_err(err(name))?
        .label(format!("{} (P50)", fan.label))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 8, y)], c.stroke_width(3)));
    }
    Ok(())
}

fn draw_rule(s: &mut Surface, name: &str, rule: &Rule, horizon: u32) -> Result<(), ChartError> {
    let c = rgb(rule.colour);
    s.draw_series(DashedLineSeries::new(
        vec![(0.0, rule.y), (horizon as f64, rule.y)],
        8,
        5,
        c.stroke_width(2),
    ))
    .map_err(err(name))?
    .label(rule.label.clone())
    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(2)));
    Ok(())
}

/// The y range of fans and rules, with room above.
fn fans_range(fans: &[Fan], rules: &[Rule]) -> (f64, f64) {
    let ymax = fans
        .iter()
        .map(|f| {
            if f.bands {
                f.band.max()
            } else {
                f.band.line(P50).iter().map(|p| p.1).fold(0.0, f64::max)
            }
        })
        .chain(rules.iter().map(|r| r.y))
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.08;
    let ymin = fans.iter().map(|f| f.band.min()).fold(0.0, f64::min) * 1.08;
    (ymin, ymax)
}

fn draw_stack(s: &mut Surface, name: &str, layer: &Stack) -> Result<(), ChartError> {
    let months = layer.top.len();
    let mut pts: Vec<(f64, f64)> = (0..months).map(|m| (m as f64, layer.top[m])).collect();
    pts.extend((0..months).rev().map(|m| (m as f64, layer.bottom[m])));
    let c = rgb(layer.colour);
    s.draw_series(std::iter::once(Polygon::new(pts, c.mix(0.55).filled())))
        .map_err(err(name))?
        .label(format!("{} (mean)", layer.label))
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 22, y + 6)], c.mix(0.55).filled()));
    Ok(())
}

fn draw_total(s: &mut Surface, name: &str, total: &Band) -> Result<(), ChartError> {
    for (i, label, style) in [
        (P50, "total P50", BLACK.stroke_width(2)),
        (P90, "total P90", RED.stroke_width(2)),
    ] {
        s.draw_series(LineSeries::new(total.line(i), style))
            .map_err(err(name))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
    }
    Ok(())
}

/// The PNG bytes of one chart.
pub fn render(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    let name = chart.file.as_str();
    let horizon = chart.axis.horizon;
    match &chart.layers {
        Layers::Fans {
            fans,
            rules,
            markers,
            marker_label,
        } => frame(chart, fans_range(fans, rules), |s| {
            for fan in fans {
                draw_fan(s, name, fan)?;
            }
            for rule in rules {
                draw_rule(s, name, rule, horizon)?;
            }
            if !markers.is_empty() {
                s.draw_series(
                    markers
                        .iter()
                        .map(|&(x, y)| TriangleMarker::new((x, y), 7, BLACK.filled())),
                )
                .map_err(err(name))?
                .label(marker_label.clone())
                .legend(|(x, y)| TriangleMarker::new((x + 11, y), 6, BLACK.filled()));
            }
            Ok(())
        }),
        Layers::Stacked { layers, total } => {
            let top = layers
                .iter()
                .flat_map(|l| l.top.iter().copied())
                .fold(0.0, f64::max);
            let ymax = total.max().max(top).max(1e-9) * 1.1;
            frame(chart, (0.0, ymax), |s| {
                for layer in layers {
                    draw_stack(s, name, layer)?;
                }
                draw_total(s, name, total)
            })
        }
    }
}

/// The PNG format: every chart of a report.
#[derive(Debug, Clone, Copy)]
pub struct Png;

fn render_all(charts: &[Chart]) -> Result<Vec<super::Output>, super::ReportError> {
    charts
        .iter()
        .map(|c| Ok(super::Output::new(&c.file, render(c)?)))
        .collect()
}

impl super::Format<super::run::RunReport<'_>> for Png {
    fn render(&self, r: &super::run::RunReport) -> Result<Vec<super::Output>, super::ReportError> {
        render_all(&r.charts)
    }
}

impl super::Format<super::compare::CompareReport<'_>> for Png {
    fn render(
        &self,
        r: &super::compare::CompareReport,
    ) -> Result<Vec<super::Output>, super::ReportError> {
        render_all(&r.charts)
    }
}

/// A density histogram of a sample (Sturges' rule for the bins): (low, high, bin width,
/// density per bin).
fn histogram(xs: &[f64]) -> (f64, f64, f64, Vec<f64>) {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let bins = ((xs.len() as f64).log2().ceil() as usize + 1).clamp(5, 40);
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &x in xs {
        counts[(((x - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let n = xs.len().max(1) as f64;
    (
        lo,
        hi,
        width,
        counts.iter().map(|&c| c as f64 / (n * width)).collect(),
    )
}

/// `calibrate`'s chart: the observed monthly increments as a density histogram, with the
/// fitted density over them.
pub fn fit_chart(
    volume: &str,
    increments: &[f64],
    family: &crate::calibrate::fit::Family,
) -> Result<Vec<u8>, ChartError> {
    ensure_font();
    let name = format!("{volume}-fit.png");
    let (lo, hi, width, density) = histogram(increments);
    let curve: Vec<(f64, f64)> = (0..=200)
        .map(|i| {
            let x = lo + (hi - lo) * i as f64 / 200.0;
            (x, family.pdf(x))
        })
        .filter(|(_, y)| y.is_finite())
        .collect();
    let ymax = density
        .iter()
        .copied()
        .chain(curve.iter().map(|p| p.1))
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let mut buf = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err(&name))?;
        let title = format!(
            "{volume}: monthly growth per volume, {} increments, {} fit",
            increments.len(),
            family.name()
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, 0.0..ymax)
            .map_err(err(&name))?;
        chart
            .configure_mesh()
            .x_desc("GiB per volume per month")
            .y_desc("density")
            .label_style((FAMILY, 13))
            .draw()
            .map_err(err(&name))?;
        chart
            .draw_series(density.iter().enumerate().map(|(i, &d)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width, d)],
                    RGBColor(158, 202, 225).filled(),
                )
            }))
            .map_err(err(&name))?
            .label("observed increments")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 16, y + 5)],
                    RGBColor(158, 202, 225).filled(),
                )
            });
        chart
            .draw_series(LineSeries::new(curve, RGBColor(202, 0, 32).stroke_width(2)))
            .map_err(err(&name))?
            .label(family.toml())
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 16, y)],
                    RGBColor(202, 0, 32).stroke_width(2),
                )
            });
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FAMILY, 13))
            .draw()
            .map_err(err(&name))?;
        root.present().map_err(err(&name))?;
    }
    encode(&name, &buf)
}
