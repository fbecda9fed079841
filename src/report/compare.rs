//! The report of a comparison: its figures ([`ComparisonSummary`]), its side-by-side charts and
//! the answer in words (which variant is cheaper, by how much, with what risk), from which every
//! format renders its files.

use super::answer::{Answer, Paragraph};
use super::charts::{Chart, compare_charts};
use super::comparison::{ComparisonSummary, Difference, VariantSummary};
use super::format::{money, probability, signed_money, when, when_or_later};
use super::{Format, Output, ReportError};
use crate::aggregate::Comparison;
use crate::model::Model;
use crate::model::metrics::Event;

/// Everything the outputs of a comparison are rendered from.
#[derive(Debug, Clone)]
pub struct CompareReport<'a> {
    /// The variants' models, baseline first.
    pub models: Vec<&'a Model>,
    /// Their aggregated trials and paired differences.
    pub comparison: &'a Comparison,
    /// The figures (`comparison.json`).
    pub summary: ComparisonSummary,
    /// The charts to draw.
    pub charts: Vec<Chart>,
    /// The answer in words.
    pub answer: Answer,
}

impl<'a> CompareReport<'a> {
    /// Builds the report of a comparison of `models` (baseline first) with `seed`.
    pub fn build(
        models: Vec<&'a Model>,
        comparison: &'a Comparison,
        seed: u64,
    ) -> CompareReport<'a> {
        let summary = ComparisonSummary::build(&models, comparison, seed);
        let subject = models
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(" vs ");
        let start = models[0].start;
        let answer = Answer {
            headline: summary.provenance.headline(&subject, true),
            paragraphs: summary
                .differences
                .iter()
                .flat_map(|d| difference_paragraphs(&summary, d, start))
                .chain(super::answer::rests_on(
                    &models
                        .iter()
                        .flat_map(|m| m.basis.assumptions.iter())
                        .collect::<Vec<_>>(),
                ))
                .collect(),
        };
        CompareReport {
            charts: compare_charts(&models, comparison),
            models,
            comparison,
            summary,
            answer,
        }
    }

    /// Every file of the report: `comparison.json`, `comparison.csv`, the charts, `report.md`.
    pub fn outputs(&self) -> Result<Vec<Output>, ReportError> {
        let formats: [&dyn Format<CompareReport>; 4] = [
            &super::json::Json,
            &super::csv::Csv,
            &super::png::Png,
            &super::markdown::Markdown,
        ];
        super::render_all(self, &formats)
    }
}

/// "x: some volume fills in 3.2% ± 0.2% of futures (… per 100 volume-months)".
fn risk(x: &VariantSummary) -> String {
    match x
        .probabilities
        .get(Event::VolumeFull)
        .and_then(|p| p.known())
    {
        Some(p) if x.manual_resize_events_per_100_volume_months > 0.0 => format!(
            "{}: some volume fills in {} of futures ({:.2} full, {:.2} resize and {:.2} by-hand resize events per 100 volume-months)",
            x.name,
            probability(&p),
            x.full_events_per_100_volume_months,
            x.resize_events_per_100_volume_months,
            x.manual_resize_events_per_100_volume_months
        ),
        Some(p) => format!(
            "{}: some volume fills in {} of futures ({:.2} full and {:.2} resize events per 100 volume-months)",
            x.name,
            probability(&p),
            x.full_events_per_100_volume_months,
            x.resize_events_per_100_volume_months
        ),
        None => x.name.clone(),
    }
}

/// Which is cheaper over the horizon, by how much, and at the horizon's P50/P90.
fn cheaper_paragraph(
    s: &ComparisonSummary,
    d: &Difference,
    cheap: &VariantSummary,
    dear: &VariantSummary,
    start: Option<(i32, u32)>,
) -> Paragraph {
    let cur = &s.provenance.currency;
    let h = s.provenance.horizon_months;
    let total = d.total_cost;
    let variant_cheaper = total.mean <= 0.0;
    let (saving, ci, share) = if variant_cheaper {
        (
            -total.mean,
            [-total.ci95[1], -total.ci95[0]],
            total.share_cheaper,
        )
    } else {
        (total.mean, total.ci95, 1.0 - total.share_cheaper)
    };
    let monthly = d.monthly_cost_at_horizon;
    Paragraph::new()
        .strong(cheap.name.clone())
        .text(format!(" is cheaper than {} over the {h} months by ", dear.name))
        .strong(format!("{} {cur}", money(saving)))
        .text(format!(
            " in all (95% CI {}–{}), cheaper in {:.0}% of futures. At {} it costs {} {cur}/month at the median and {} at P90, against {} and {} for {}; the paired difference ({} minus {}) is {} {cur}/month on average (95% CI {} to {}). Today (month 0) the difference is {} {cur}/month.",
            money(ci[0]),
            money(ci[1]),
            share * 100.0,
            when(start, h),
            money(cheap.cost_total.p50),
            money(cheap.cost_total.p90),
            money(dear.cost_total.p50),
            money(dear.cost_total.p90),
            dear.name,
            d.variant,
            d.versus,
            signed_money(monthly.mean),
            signed_money(monthly.ci95[0]),
            signed_money(monthly.ci95[1]),
            signed_money(d.monthly_cost_month0.mean),
        ))
}

/// When one side pays up front: the month the cumulative costs cross.
fn break_even_paragraph(
    s: &ComparisonSummary,
    d: &Difference,
    v: &VariantSummary,
    b: &VariantSummary,
    start: Option<(i32, u32)>,
) -> Option<Paragraph> {
    let capex = v.one_time_total > 0.0 || b.one_time_total > 0.0;
    let be = d.break_even;
    if !capex && be.never >= 0.95 {
        return None;
    }
    let (first, second) = if d.variant_starts_higher >= 0.5 {
        (v, b)
    } else {
        (b, v)
    };
    // Without one-time costs a crossing comes from monthly costs that change places.
    let why = if capex {
        format!(
            " ({} {} of one-time costs against {})",
            money(first.one_time_total),
            s.provenance.currency,
            money(second.one_time_total)
        )
    } else {
        String::new()
    };
    Some(Paragraph::new().strong("Break-even.").text(format!(
        " {} costs more at first{why}; its cumulative cost falls to {}'s at {} at the median (P5 {}, P95 {}), and not within {} months in {:.0}% of futures.",
        first.name,
        second.name,
        when_or_later(start, be.p50),
        when_or_later(start, be.p5),
        when_or_later(start, be.p95),
        s.provenance.horizon_months,
        be.never * 100.0
    )))
}

/// The paragraphs answering one variant against the baseline.
fn difference_paragraphs(
    s: &ComparisonSummary,
    d: &Difference,
    start: Option<(i32, u32)>,
) -> Vec<Paragraph> {
    let (Some(v), Some(b)) = (s.variant(&d.variant), s.variant(&d.versus)) else {
        return Vec::new();
    };
    let (cheap, dear) = if d.total_cost.mean <= 0.0 {
        (v, b)
    } else {
        (b, v)
    };
    let mut out = vec![
        cheaper_paragraph(s, d, cheap, dear, start),
        Paragraph::new().text(format!(
            "The risk that comes with it: {}; {}.",
            risk(cheap),
            risk(dear)
        )),
    ];
    if cheap.fills() > 0.5 && cheap.fills() > dear.fills() {
        out.push(Paragraph::new().text(format!(
            "Part of that saving is data that could not be written: {}'s volumes fill, and a full volume bills no more than its size. Compare it with a variant that expands (pvc-autoresizer) before taking the saving.",
            cheap.name
        )));
    }
    // A cluster that refuses writes costs no less for it: the refused data is lost service,
    // which no cost figure shows.
    if cheap.writes_blocked() > 0.0 && cheap.writes_blocked() > dear.writes_blocked() {
        let p = cheap
            .probabilities
            .get(Event::CephWritesBlocked)
            .and_then(|p| p.known());
        out.push(Paragraph::new().text(format!(
            "{}'s Ceph cluster refuses writes in {} of futures (an OSD past full_ratio; see `ceph_unwritten_gib`): that loss of service is in no cost above. Order capacity earlier (`headroom recommend`) before taking the saving.",
            cheap.name,
            p.as_ref().map_or("some".to_string(), probability)
        )));
    }
    out.extend(break_even_paragraph(s, d, v, b, start));
    out
}
