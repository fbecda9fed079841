//! PNG charts (plotters), rendered into memory so that the caller writes them atomically.
//!
//! The font (DejaVu Sans, `assets/`, Bitstream Vera licence) is compiled in, so charts render
//! the same on a machine with no system fonts. Every chart is built from an [`Aggregate`]'s
//! quantiles: P5–P95 and P25–P75 bands around the P50 line.

use crate::aggregate::Aggregate;
use crate::model::Model;
use crate::model::metrics::Metric;
use crate::report::summary::calendar;
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

/// Quantile bands of one metric over months.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Month numbers 0…horizon.
    pub months: Vec<f64>,
    /// Per month: (P5, P25, P50, P75, P95, P90, mean).
    pub q: Vec<[f64; 7]>,
}

impl Band {
    /// The band of `metric` in `agg`, multiplied by `scale`.
    pub fn of(agg: &Aggregate, metric: Metric, scale: f64) -> Band {
        let mut months = Vec::new();
        let mut q = Vec::new();
        for m in 0..agg.months() {
            let c = agg.cell(m, metric);
            months.push(m as f64);
            q.push(
                [
                    c.quantile(0.05),
                    c.quantile(0.25),
                    c.quantile(0.5),
                    c.quantile(0.75),
                    c.quantile(0.95),
                    c.quantile(0.9),
                    c.mean(),
                ]
                .map(|v| v * scale),
            );
        }
        Band { months, q }
    }

    fn line(&self, i: usize) -> Vec<(f64, f64)> {
        self.months
            .iter()
            .zip(&self.q)
            .map(|(&m, q)| (m, q[i]))
            .collect()
    }

    fn polygon(&self, lo: usize, hi: usize) -> Vec<(f64, f64)> {
        let mut pts = self.line(hi);
        pts.extend(self.line(lo).into_iter().rev());
        pts
    }

    fn max(&self) -> f64 {
        self.q
            .iter()
            .map(|q| q[4].max(q[5]).max(q[6]))
            .fold(0.0, f64::max)
    }

    fn min(&self) -> f64 {
        self.q.iter().map(|q| q[0].min(q[6])).fold(0.0, f64::min)
    }

    /// A band from per-month quantile rows (P5, P25, P50, P75, P95, P90, mean).
    pub fn from_rows(q: Vec<[f64; 7]>) -> Band {
        Band {
            months: (0..q.len()).map(|m| m as f64).collect(),
            q,
        }
    }
}

/// How the x axis names months.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    /// Months after month 0.
    pub horizon: u32,
    /// Calendar month of month 1.
    pub start: Option<(i32, u32)>,
}

impl Axis {
    /// The axis of a model.
    pub fn of(model: &Model) -> Axis {
        Axis {
            horizon: model.horizon_months,
            start: model.start,
        }
    }

    fn label(&self, x: f64) -> String {
        let m = x.round().max(0.0) as u32;
        match self.start {
            Some(s) => calendar(s, m),
            None => format!("{m}"),
        }
    }

    fn desc(&self) -> &'static str {
        if self.start.is_some() {
            "month"
        } else {
            "months from now"
        }
    }
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// The i-th colour of the palette (variants, cost components).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A series to draw as a fan: its band, colour and legend label.
pub struct Fan<'a> {
    /// Legend label.
    pub label: String,
    /// The quantiles.
    pub band: &'a Band,
    /// Colour.
    pub colour: RGBColor,
    /// Draw the P5–P95 and P25–P75 bands (else only the P50 line).
    pub bands: bool,
}

/// A horizontal reference line (a Ceph ratio, a budget).
pub struct Rule {
    /// Legend label.
    pub label: String,
    /// y value.
    pub y: f64,
    /// Colour.
    pub colour: RGBColor,
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
pub type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a chart's frame (title, axes with units and calendar months, grid), lets `draw` add
/// the series, adds the legend and encodes the PNG.
#[allow(clippy::too_many_arguments)]
fn render(
    name: &str,
    title: &str,
    axis: Axis,
    y: (f64, f64),
    y_desc: &str,
    percent: bool,
    draw: impl FnOnce(&mut Chart) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    ensure_font();
    let mut buf = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err(name))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 22))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(74)
            .build_cartesian_2d(0f64..axis.horizon.max(1) as f64, y.0..y.1)
            .map_err(err(name))?;
        let ylabel = |y: &f64| {
            if percent {
                format!("{:.0}%", y * 100.0)
            } else {
                format_si(*y)
            }
        };
        let xlabel = |x: &f64| axis.label(*x);
        chart
            .configure_mesh()
            .x_desc(axis.desc())
            .y_desc(y_desc)
            .x_labels(12)
            .y_labels(8)
            .x_label_formatter(&xlabel)
            .y_label_formatter(&ylabel)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 15))
            .draw()
            .map_err(err(name))?;
        draw(&mut chart)?;
        chart
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

/// Fans over months with optional reference lines and markers (x, y, legend label; the first
/// marker's label names them all), as PNG bytes.
#[allow(clippy::too_many_arguments)]
pub fn fan_chart(
    name: &str,
    title: &str,
    y_desc: &str,
    axis: Axis,
    fans: &[Fan],
    rules: &[Rule],
    markers: &[(f64, f64, String)],
    percent: bool,
) -> Result<Vec<u8>, ChartError> {
    let ymax = fans
        .iter()
        .map(|f| {
            if f.bands {
                f.band.max()
            } else {
                f.band.line(2).iter().map(|p| p.1).fold(0.0, f64::max)
            }
        })
        .chain(rules.iter().map(|r| r.y))
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.08;
    let ymin = fans.iter().map(|f| f.band.min()).fold(0.0, f64::min) * 1.08;
    render(name, title, axis, (ymin, ymax), y_desc, percent, |chart| {
        for fan in fans {
            let c = fan.colour;
            if fan.bands {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        fan.band.polygon(0, 4),
                        c.mix(0.15),
                    )))
                    .map_err(err(name))?;
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        fan.band.polygon(1, 3),
                        c.mix(0.3),
                    )))
                    .map_err(err(name))?;
                chart
                    .draw_series(LineSeries::new(fan.band.line(2), c.stroke_width(3)))
                    .map_err(err(name))?
                    .label(format!("{} (P50, P25–P75, P5–P95)", fan.label))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(3))
                    });
            } else {
                // A line without bands is dashed, in the colour of the fan it belongs with.
                chart
                    .draw_series(DashedLineSeries::new(
                        fan.band.line(2),
                        10,
                        6,
                        c.stroke_width(3),
                    ))
                    .map_err(err(name))?
                    .label(format!("{} (P50)", fan.label))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 8, y)], c.stroke_width(3))
                    });
            }
        }
        for rule in rules {
            let c = rule.colour;
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, rule.y), (axis.horizon as f64, rule.y)],
                    8,
                    5,
                    c.stroke_width(2),
                ))
                .map_err(err(name))?
                .label(rule.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(2))
                });
        }
        if let Some((_, _, label)) = markers.first() {
            chart
                .draw_series(
                    markers
                        .iter()
                        .map(|(x, y, _)| TriangleMarker::new((*x, *y), 7, BLACK.filled())),
                )
                .map_err(err(name))?
                .label(label.clone())
                .legend(|(x, y)| TriangleMarker::new((x + 11, y), 6, BLACK.filled()));
        }
        Ok(())
    })
}

/// Monthly cost by component, stacked (means), with the P50 and P90 of the total.
pub fn cost_chart(agg: &Aggregate, axis: Axis, currency: &str) -> Result<Vec<u8>, ChartError> {
    let name = "cost.png";
    let components = [
        (Metric::CostStorage, "storage"),
        (Metric::CostSnapshots, "snapshots"),
        (Metric::CostCompute, "compute"),
        (Metric::CostFixed, "fixed + amortised"),
        (Metric::CostOneTime, "one-time"),
    ];
    let total = Band::of(agg, Metric::CostTotal, 1.0);
    let months = agg.months();
    let mut stacked = vec![vec![0.0; months]; components.len() + 1];
    for (k, (metric, _)) in components.iter().enumerate() {
        stacked[k + 1] = (0..months)
            .map(|m| stacked[k][m] + agg.cell(m, *metric).mean())
            .collect();
    }
    let top = stacked[components.len()]
        .iter()
        .cloned()
        .fold(0.0, f64::max);
    let ymax = total.max().max(top).max(1e-9) * 1.1;
    let title = format!("Monthly cost by component ({currency})");
    let y_desc = format!("{currency} per month");
    render(name, &title, axis, (0.0, ymax), &y_desc, false, |chart| {
        for (k, (_, label)) in components.iter().enumerate() {
            if stacked[k + 1]
                .iter()
                .zip(&stacked[k])
                .all(|(a, b)| a - b <= 1e-12)
            {
                continue;
            }
            let mut pts: Vec<(f64, f64)> =
                (0..months).map(|m| (m as f64, stacked[k + 1][m])).collect();
            pts.extend((0..months).rev().map(|m| (m as f64, stacked[k][m])));
            let c = colour(k);
            chart
                .draw_series(std::iter::once(Polygon::new(pts, c.mix(0.55).filled())))
                .map_err(err(name))?
                .label(format!("{label} (mean)"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 22, y + 6)], c.mix(0.55).filled())
                });
        }
        for (i, label, style) in [
            (2usize, "total P50", BLACK.stroke_width(2)),
            (5, "total P90", RED.stroke_width(2)),
        ] {
            chart
                .draw_series(LineSeries::new(total.line(i), style))
                .map_err(err(name))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
        }
        Ok(())
    })
}

/// 1234 → "1.2k", 0.5 → "0.5": short axis labels.
pub fn format_si(y: f64) -> String {
    let a = y.abs();
    if a >= 1e6 {
        format!("{:.1}M", y / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", y / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", y / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{y:.0}")
    } else {
        format!("{y:.2}")
    }
}

/// The charts of one run: (file name, PNG bytes).
pub fn run_charts(model: &Model, agg: &Aggregate) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let axis = Axis::of(model);
    let mut out = Vec::new();
    let used = Band::of(agg, Metric::UsedGib, 1.0);
    let provisioned = Band::of(agg, Metric::ProvisionedGib, 1.0);
    let usable = Band::of(agg, Metric::CephUsableGib, 1.0);
    let mut fans = vec![
        Fan {
            label: "used".into(),
            band: &used,
            colour: colour(0),
            bands: true,
        },
        Fan {
            label: "provisioned".into(),
            band: &provisioned,
            colour: colour(1),
            bands: true,
        },
    ];
    if !model.ceph.is_empty() {
        fans.push(Fan {
            label: "Ceph usable".into(),
            band: &usable,
            colour: colour(2),
            bands: false,
        });
    }
    out.push((
        "capacity.png".to_string(),
        fan_chart(
            "capacity.png",
            &format!("{}: storage used, provisioned and usable", model.name),
            "GiB",
            axis,
            &fans,
            &[],
            &[],
            false,
        )?,
    ));
    if let Some(cluster) = model.ceph.first() {
        let util = Band::of(agg, Metric::CephFullestOsdUtil, 1.0);
        let mut rules = vec![
            Rule {
                label: format!("nearfull {:.2}", cluster.nearfull_ratio),
                y: cluster.nearfull_ratio,
                colour: RGBColor(230, 160, 0),
            },
            Rule {
                label: format!("backfillfull {:.2}", cluster.backfillfull_ratio),
                y: cluster.backfillfull_ratio,
                colour: RGBColor(230, 90, 0),
            },
            Rule {
                label: format!("full {:.2}", cluster.full_ratio),
                y: cluster.full_ratio,
                colour: RGBColor(200, 0, 0),
            },
        ];
        if let Some(e) = &cluster.expansion {
            rules.push(Rule {
                label: format!("expansion trigger {:.2}", e.trigger),
                y: e.trigger,
                colour: RGBColor(120, 120, 120),
            });
        }
        // Expansion orders: a marker in each month where at least 5% of trials order.
        let markers: Vec<(f64, f64, String)> = (1..agg.months())
            .filter_map(|m| {
                let share = agg.cell(m, Metric::CephOrders).mean();
                (share >= 0.05).then(|| {
                    (
                        m as f64,
                        0.02,
                        "month with expansion orders in ≥ 5% of trials".to_string(),
                    )
                })
            })
            .collect();
        let title = format!("{}: fullest-OSD utilisation", model.name);
        out.push((
            "ceph_utilisation.png".to_string(),
            fan_chart(
                "ceph_utilisation.png",
                &title,
                "fullest OSD, fraction of its size",
                axis,
                &[Fan {
                    label: "fullest OSD".into(),
                    band: &util,
                    colour: colour(0),
                    bands: true,
                }],
                &rules,
                &markers,
                true,
            )?,
        ));
    }
    out.push((
        "cost.png".to_string(),
        cost_chart(agg, axis, &model.currency)?,
    ));
    let users = Band::of(agg, Metric::Users, 1.0);
    let pods = Band::of(agg, Metric::Pods, 1.0);
    let mut fans = Vec::new();
    for (label, band, c) in [("users", &users, 0), ("pods", &pods, 3)] {
        if band.max() > 0.0 {
            fans.push(Fan {
                label: label.into(),
                band,
                colour: colour(c),
                bands: true,
            });
        }
    }
    if !fans.is_empty() {
        let title = format!(
            "{}: {}",
            model.name,
            fans.iter()
                .map(|f| f.label.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        );
        out.push((
            "population.png".to_string(),
            fan_chart(
                "population.png",
                &title,
                "count",
                axis,
                &fans,
                &[],
                &[],
                false,
            )?,
        ));
    }
    Ok(out)
}
