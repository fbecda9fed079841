//! The report of one run: its figures ([`Summary`]), its charts and the answer in words, from
//! which every format renders its files.

use super::answer::{Answer, Paragraph};
use super::charts::{Chart, run_charts};
use super::format::{gib, money, pct, probability, when, when_or_later};
use super::summary::Summary;
use super::{Format, Output, ReportError};
use crate::aggregate::Aggregate;
use crate::model::Model;
use crate::model::metrics::{Event, Metric};

/// Everything the outputs of a run are rendered from.
#[derive(Debug, Clone)]
pub struct RunReport<'a> {
    /// The scenario's model.
    pub model: &'a Model,
    /// Its aggregated trials.
    pub aggregate: &'a Aggregate,
    /// The figures (`summary.json`).
    pub summary: Summary,
    /// The charts to draw.
    pub charts: Vec<Chart>,
    /// The answer in words.
    pub answer: Answer,
}

impl<'a> RunReport<'a> {
    /// Builds the report of a run of `model` with `seed`.
    pub fn build(model: &'a Model, aggregate: &'a Aggregate, seed: u64) -> RunReport<'a> {
        let summary = Summary::build(model, aggregate, seed);
        let answer = Answer {
            headline: summary.provenance.headline(&summary.scenario, false),
            paragraphs: std::iter::once(answer_paragraph(model, &summary))
                .chain(super::answer::rests_on(
                    &model.basis.assumptions.iter().collect::<Vec<_>>(),
                ))
                .collect(),
        };
        RunReport {
            model,
            aggregate,
            charts: run_charts(model, aggregate),
            summary,
            answer,
        }
    }

    /// Every file of the report: `summary.json`, `timeseries.csv`, the charts, `report.md`.
    pub fn outputs(&self) -> Result<Vec<Output>, ReportError> {
        let formats: [&dyn Format<RunReport>; 4] = [
            &super::json::Json,
            &super::csv::Csv,
            &super::png::Png,
            &super::markdown::Markdown,
        ];
        super::render_all(self, &formats)
    }

    /// The mean monthly cost at month 0.
    pub fn month0_cost(&self) -> f64 {
        self.aggregate.cell(0, Metric::CostTotal).mean()
    }
}

/// Cost: the horizon's median and P90 with the median's interval, today's, the total.
fn cost_sentence(p: &mut Paragraph, model: &Model, s: &Summary) {
    let (Some(c), Some(c0), Some(cum)) = (
        s.final_.get(Metric::CostTotal),
        s.initial.get(Metric::CostTotal),
        s.final_.get(Metric::CostCumulative),
    ) else {
        return;
    };
    let cur = &s.provenance.currency;
    let h = s.provenance.horizon_months;
    let ci = s
        .final_ci95
        .get(Metric::CostTotal)
        .map(|ci| {
            format!(
                " (95% CI of the median {}–{})",
                money(ci.p50[0]),
                money(ci.p50[1])
            )
        })
        .unwrap_or_default();
    p.push(format!("At {} the monthly cost is ", when(model.start, h)));
    p.push_strong(format!("{} {cur}", money(c.p50)));
    p.push(" at the median and ");
    p.push_strong(format!("{} {cur}", money(c.p90)));
    p.push(format!(
        " at P90{ci}, against {} {cur} today; the {h} months cost {} {cur} in all at the median (P90 {}). ",
        money(c0.mean),
        money(cum.p50),
        money(cum.p90)
    ));
}

/// Fill: used against provisioned, and how often a volume fills.
fn fill_sentence(p: &mut Paragraph, s: &Summary) {
    let (Some(u), Some(prov)) = (
        s.final_.get(Metric::UsedGib),
        s.final_.get(Metric::ProvisionedGib),
    ) else {
        return;
    };
    p.push("Storage used reaches ");
    p.push_strong(gib(u.p50));
    p.push(format!(
        " (P90 {}) of {} provisioned",
        gib(u.p90),
        gib(prov.p50)
    ));
    if let Some(pr) = s
        .probabilities
        .get(Event::VolumeFull)
        .and_then(|x| x.known())
    {
        p.push("; some volume fills in ");
        p.push_strong(probability(&pr));
        p.push(" of futures");
    }
}

/// Ceph: the fullest OSD, the chance of nearfull, the first order.
fn ceph_sentence(p: &mut Paragraph, model: &Model, s: &Summary) {
    let (Some(util), Some(cluster)) =
        (s.final_.get(Metric::CephFullestOsdUtil), model.ceph.first())
    else {
        return;
    };
    p.push(", and the fullest Ceph OSD is at ");
    p.push_strong(pct(util.p50));
    p.push(format!(" (P90 {})", pct(util.p90)));
    if let Some(pr) = s
        .probabilities
        .get(Event::CephNearfull)
        .and_then(|x| x.known())
    {
        p.push(format!(
            "; it passes nearfull ({:.2}) within the horizon in ",
            cluster.nearfull_ratio
        ));
        p.push_strong(probability(&pr));
        p.push(" of futures");
    }
    if let Some(t) = s.time_to.get(Event::CephOrder)
        && t.never < 1.0
    {
        p.push(format!(
            ". The first expansion order is placed at {} at the median (P5 {}, P95 {})",
            when_or_later(model.start, t.p50),
            when_or_later(model.start, t.p5),
            when_or_later(model.start, t.p95)
        ));
    }
}

/// The answer to "how big, how soon, how much" in one paragraph.
fn answer_paragraph(model: &Model, s: &Summary) -> Paragraph {
    let mut p = Paragraph::new();
    cost_sentence(&mut p, model, s);
    fill_sentence(&mut p, s);
    ceph_sentence(&mut p, model, s);
    p.push(".");
    p
}
