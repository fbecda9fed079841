//! What the charts show, as data: quantile bands of metrics over months, reference lines,
//! markers, stacked cost components. [`super::png`] draws them; `report.md` embeds them by
//! file name. Every band is built from an [`Aggregate`]'s quantiles: P5–P95 and P25–P75 around
//! the P50 line.

use super::format::calendar;
use crate::aggregate::{Aggregate, Comparison};
use crate::model::Model;
use crate::model::metrics::Metric;

/// Quantile bands of one metric over months.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Month numbers 0…horizon.
    pub months: Vec<f64>,
    /// Per month: (P5, P25, P50, P75, P95, P90, mean).
    pub q: Vec<[f64; 7]>,
}

/// Index of the P50 in a band's rows.
pub const P50: usize = 2;
/// Index of the P90 in a band's rows.
pub const P90: usize = 5;

impl Band {
    /// The band of `metric` in `agg`.
    pub fn of(agg: &Aggregate, metric: Metric) -> Band {
        Band::from_sketches((0..agg.months()).map(|m| agg.cell(m, metric)))
    }

    /// The band of a sequence of monthly sketches, month 0 first.
    pub fn from_sketches<'a>(cells: impl Iterator<Item = &'a crate::aggregate::Sketch>) -> Band {
        let q: Vec<[f64; 7]> = cells
            .map(|c| {
                [
                    c.quantile(0.05),
                    c.quantile(0.25),
                    c.quantile(0.5),
                    c.quantile(0.75),
                    c.quantile(0.95),
                    c.quantile(0.9),
                    c.mean(),
                ]
            })
            .collect();
        Band {
            months: (0..q.len()).map(|m| m as f64).collect(),
            q,
        }
    }

    /// One column as (month, value) points.
    pub fn line(&self, i: usize) -> Vec<(f64, f64)> {
        self.months
            .iter()
            .zip(&self.q)
            .map(|(&m, q)| (m, q[i]))
            .collect()
    }

    /// The polygon between two columns.
    pub fn polygon(&self, lo: usize, hi: usize) -> Vec<(f64, f64)> {
        let mut pts = self.line(hi);
        pts.extend(self.line(lo).into_iter().rev());
        pts
    }

    /// The highest value the band draws.
    pub fn max(&self) -> f64 {
        self.q
            .iter()
            .map(|q| q[4].max(q[5]).max(q[6]))
            .fold(0.0, f64::max)
    }

    /// The lowest value the band draws (at most 0).
    pub fn min(&self) -> f64 {
        self.q.iter().map(|q| q[0].min(q[6])).fold(0.0, f64::min)
    }
}

/// How the x axis names months.
#[derive(Debug, Clone, Copy, PartialEq)]
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

    /// The label of month `x`.
    pub fn label(&self, x: f64) -> String {
        let m = x.round().max(0.0) as u32;
        match self.start {
            Some(s) => calendar(s, m),
            None => format!("{m}"),
        }
    }

    /// The axis title.
    pub fn desc(&self) -> &'static str {
        if self.start.is_some() {
            "month"
        } else {
            "months from now"
        }
    }
}

/// A colour (red, green, blue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

const PALETTE: [Rgb; 6] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
];

/// The i-th colour of the palette (variants, cost components).
pub fn colour(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// A series drawn as a fan: its band, colour and legend label.
#[derive(Debug, Clone, PartialEq)]
pub struct Fan {
    /// Legend label.
    pub label: String,
    /// The quantiles.
    pub band: Band,
    /// Colour.
    pub colour: Rgb,
    /// Draw the P5–P95 and P25–P75 bands (else only the P50 line, dashed).
    pub bands: bool,
}

/// A horizontal reference line (a Ceph ratio, a budget).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Legend label.
    pub label: String,
    /// y value.
    pub y: f64,
    /// Colour.
    pub colour: Rgb,
}

/// One component of a stacked chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// Legend label.
    pub label: String,
    /// Per month, the top of the component (the sum of it and those below).
    pub top: Vec<f64>,
    /// Per month, its bottom (the top of the one below, 0 for the first).
    pub bottom: Vec<f64>,
    /// Colour (by component, so that a left-out one shifts no colour).
    pub colour: Rgb,
}

/// What a chart draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Layers {
    /// Fans over months, reference lines, and markers (x, y) under one legend label.
    Fans {
        /// The fans.
        fans: Vec<Fan>,
        /// Reference lines.
        rules: Vec<Rule>,
        /// Markers, and the label that names them all.
        markers: Vec<(f64, f64)>,
        /// Legend label of the markers.
        marker_label: String,
    },
    /// Monthly means of cost components stacked, with the P50 and P90 of the total.
    Stacked {
        /// The components, bottom first; those that are zero throughout are left out.
        layers: Vec<Stack>,
        /// The total.
        total: Band,
    },
}

/// One chart: its file name, titles and what it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File name (`capacity.png`).
    pub file: String,
    /// Title drawn above it.
    pub title: String,
    /// y axis title.
    pub y_desc: String,
    /// The month axis.
    pub axis: Axis,
    /// y labels as percentages.
    pub percent: bool,
    /// What it draws.
    pub layers: Layers,
}

impl Chart {
    fn fans(file: &str, title: String, y_desc: String, axis: Axis, fans: Vec<Fan>) -> Chart {
        Chart {
            file: file.to_string(),
            title,
            y_desc,
            axis,
            percent: false,
            layers: Layers::Fans {
                fans,
                rules: Vec::new(),
                markers: Vec::new(),
                marker_label: String::new(),
            },
        }
    }

    /// The name in a report: the file name without `.png`, underscores as spaces.
    pub fn caption(&self) -> String {
        self.file.trim_end_matches(".png").replace('_', " ")
    }
}

fn fan(label: impl Into<String>, band: Band, colour: Rgb, bands: bool) -> Fan {
    Fan {
        label: label.into(),
        band,
        colour,
        bands,
    }
}

/// Used and provisioned GiB with bands, and the Ceph usable capacity dashed.
fn capacity(model: &Model, agg: &Aggregate) -> Chart {
    let mut fans = vec![
        fan("used", Band::of(agg, Metric::UsedGib), colour(0), true),
        fan(
            "provisioned",
            Band::of(agg, Metric::ProvisionedGib),
            colour(1),
            true,
        ),
    ];
    if !model.ceph.is_empty() {
        fans.push(fan(
            "Ceph usable",
            Band::of(agg, Metric::CephUsableGib),
            colour(2),
            false,
        ));
    }
    Chart::fans(
        "capacity.png",
        format!("{}: storage used, provisioned and usable", model.name),
        "GiB".into(),
        Axis::of(model),
        fans,
    )
}

/// The fullest OSD against the ratios, the trigger, and the months with orders.
fn ceph_utilisation(model: &Model, agg: &Aggregate) -> Option<Chart> {
    let cluster = model.ceph.first()?;
    let mut rules = vec![
        Rule {
            label: format!("nearfull {:.2}", cluster.nearfull_ratio),
            y: cluster.nearfull_ratio,
            colour: Rgb(230, 160, 0),
        },
        Rule {
            label: format!("backfillfull {:.2}", cluster.backfillfull_ratio),
            y: cluster.backfillfull_ratio,
            colour: Rgb(230, 90, 0),
        },
        Rule {
            label: format!("full {:.2}", cluster.full_ratio),
            y: cluster.full_ratio,
            colour: Rgb(200, 0, 0),
        },
    ];
    if let Some(e) = &cluster.expansion {
        rules.push(Rule {
            label: format!("expansion trigger {:.2}", e.trigger),
            y: e.trigger,
            colour: Rgb(120, 120, 120),
        });
    }
    // Expansion orders: a marker in each month where at least 5% of trials order.
    let markers = (1..agg.months())
        .filter(|&m| agg.cell(m, Metric::CephOrders).mean() >= 0.05)
        .map(|m| (m as f64, 0.02))
        .collect();
    Some(Chart {
        file: "ceph_utilisation.png".into(),
        title: format!("{}: fullest-OSD utilisation", model.name),
        y_desc: "fullest OSD, fraction of its size".into(),
        axis: Axis::of(model),
        percent: true,
        layers: Layers::Fans {
            fans: vec![fan(
                "fullest OSD",
                Band::of(agg, Metric::CephFullestOsdUtil),
                colour(0),
                true,
            )],
            rules,
            markers,
            marker_label: "month with expansion orders in ≥ 5% of trials".into(),
        },
    })
}

/// What the pools can still take: MAX AVAIL as `ceph df` computes it, and the projection
/// that the fullest OSD keeps its larger share.
fn ceph_headroom(model: &Model, agg: &Aggregate) -> Option<Chart> {
    model.ceph.first()?;
    Some(Chart::fans(
        "ceph_headroom.png",
        format!("{}: what the Ceph pools can still take", model.name),
        "GiB stored".into(),
        Axis::of(model),
        vec![
            fan(
                "MAX AVAIL (as ceph df)",
                Band::of(agg, Metric::CephMaxAvailGib),
                colour(0),
                true,
            ),
            fan(
                "writable before full (projected)",
                Band::of(agg, Metric::CephWritableGib),
                colour(3),
                true,
            ),
        ],
    ))
}

/// Monthly cost by component (means, stacked) with the P50 and P90 of the total.
fn cost(model: &Model, agg: &Aggregate) -> Chart {
    let components = [
        (Metric::CostStorage, "storage"),
        (Metric::CostSnapshots, "snapshots"),
        (Metric::CostCompute, "compute"),
        (Metric::CostFixed, "fixed + amortised"),
        (Metric::CostOneTime, "one-time"),
    ];
    let months = agg.months();
    let mut bottom = vec![0.0; months];
    let mut layers = Vec::new();
    for (k, (metric, label)) in components.into_iter().enumerate() {
        let top: Vec<f64> = (0..months)
            .map(|m| bottom[m] + agg.cell(m, metric).mean())
            .collect();
        let next = top.clone();
        if top.iter().zip(&bottom).any(|(a, b)| a - b > 1e-12) {
            layers.push(Stack {
                label: label.to_string(),
                top,
                bottom,
                colour: colour(k),
            });
        }
        bottom = next;
    }
    Chart {
        file: "cost.png".into(),
        title: format!("Monthly cost by component ({})", model.currency),
        y_desc: format!("{} per month", model.currency),
        axis: Axis::of(model),
        percent: false,
        layers: Layers::Stacked {
            layers,
            total: Band::of(agg, Metric::CostTotal),
        },
    }
}

/// Users and pods, where there are any.
fn population(model: &Model, agg: &Aggregate) -> Option<Chart> {
    let fans: Vec<Fan> = [(Metric::Users, "users", 0), (Metric::Pods, "pods", 3)]
        .into_iter()
        .map(|(metric, label, c)| fan(label, Band::of(agg, metric), colour(c), true))
        .filter(|f| f.band.max() > 0.0)
        .collect();
    if fans.is_empty() {
        return None;
    }
    let title = format!(
        "{}: {}",
        model.name,
        fans.iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    Some(Chart::fans(
        "population.png",
        title,
        "count".into(),
        Axis::of(model),
        fans,
    ))
}

/// The charts of one run.
pub fn run_charts(model: &Model, agg: &Aggregate) -> Vec<Chart> {
    let mut out = vec![capacity(model, agg)];
    out.extend(ceph_utilisation(model, agg));
    out.extend(ceph_headroom(model, agg));
    out.push(cost(model, agg));
    out.extend(population(model, agg));
    out
}

/// The side-by-side charts of a comparison (the baseline's axis).
pub fn compare_charts(models: &[&Model], c: &Comparison) -> Vec<Chart> {
    let axis = Axis::of(models[0]);
    let cur = &models[0].currency;
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    let cost = c
        .aggregates
        .iter()
        .enumerate()
        .map(|(i, a)| fan(names[i], Band::of(a, Metric::CostTotal), colour(i), true))
        .collect();
    let fill = c
        .aggregates
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            [
                fan(
                    format!("{} used", names[i]),
                    Band::of(a, Metric::UsedGib),
                    colour(i),
                    true,
                ),
                fan(
                    format!("{} provisioned", names[i]),
                    Band::of(a, Metric::ProvisionedGib),
                    colour(i),
                    false,
                ),
            ]
        })
        .collect();
    let months = c.aggregates[0].months();
    let diffs = c
        .diffs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            fan(
                format!("{} minus {}", names[i + 1], names[0]),
                Band::from_sketches((0..months).map(|m| d.cumulative(m))),
                colour(i + 1),
                true,
            )
        })
        .collect();
    let mut difference = Chart::fans(
        "compare_cumulative_difference.png",
        "Cumulative cost difference, paired by trial (below 0: cheaper than the baseline)".into(),
        format!("{cur}, cumulative"),
        axis,
        diffs,
    );
    if let Layers::Fans { rules, .. } = &mut difference.layers {
        rules.push(Rule {
            label: "no difference".into(),
            y: 0.0,
            colour: Rgb(90, 90, 90),
        });
    }
    vec![
        Chart::fans(
            "compare_cost.png",
            "Monthly cost per variant".into(),
            format!("{cur} per month"),
            axis,
            cost,
        ),
        Chart::fans(
            "compare_fill.png",
            "Storage used and provisioned per variant".into(),
            "GiB".into(),
            axis,
            fill,
        ),
        difference,
    ]
}
