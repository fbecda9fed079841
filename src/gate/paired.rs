//! The two sides of `--against`, trial by trial: what makes the noise of every figure's change
//! paired.
//!
//! Both sides play the same trials on the same random streams, so a change moves each trial's
//! figure, and the noise of a difference is far smaller than either side's own. Treating the
//! sides as independent (√(se₁² + se₂²)) lets a real change pass "within the noise": a price
//! up 4% on every trial moves P90 by 4%, less than either side's own P90 noise at 10k trials.
//!
//! - **A mean**: the standard error of the per-trial differences (the `diff` aggregate where
//!   both sides are read in the same month, else from the kept values).
//! - **A quantile**: Bahadur's representation, Q̂ ≈ q − (F̂(q) − p) / f(q), gives Var(Q̂ₐ −
//!   Q̂_b) = seₐ² + se_b² − 2ρ seₐ se_b, with each side's se from its distribution-free
//!   interval and ρ the correlation over trials of 1{A ≤ qₐ} and 1{B ≤ q_b}. A change that
//!   moves every trial the same way keeps ρ = 1, and the noise vanishes.
//! - **A probability**: the discordant trials (McNemar): Var(p̂ₐ − p̂_b) = ((b + c)/n − ((c −
//!   b)/n)²)/n, b the trials where only the base saw the event and c those where only the
//!   change did, with Agresti and Min's half a trial added to each of the four cells, so that
//!   0 against 0.0005 (five trials of 10k) is not certainty.
//!
//! Quantiles and months that differ between the sides need each trial's values: they are kept
//! for the metrics the regressions judge that way, both sides, every month, in trial order
//! (the engine merges its chunks in trial order, so every sum here is the same at any thread
//! count).

use crate::model::metrics::{Event, Metric};
use crate::model::trial::TrialRecord;

/// Values kept at most (both sides, every month, every kept metric, every trial): 128 MB.
pub const MAX_KEPT_VALUES: u64 = 16 << 20;

/// What the two sides of one trial loop did, trial by trial.
#[derive(Debug, Clone)]
pub struct PairedTrials {
    months: usize,
    metrics: Vec<Metric>,
    /// Per trial: for each kept metric, months 0…horizon of the change, then of the base.
    values: Vec<f64>,
    /// Per event: trials where neither, only the base, only the change, both saw it.
    events: [[u64; 4]; Event::COUNT],
    trials: u64,
}

impl PairedTrials {
    /// Keeps every trial's values of `metrics` (none: the events only).
    pub fn new(horizon_months: u32, metrics: Vec<Metric>) -> PairedTrials {
        PairedTrials {
            months: horizon_months as usize + 1,
            metrics,
            values: Vec::new(),
            events: [[0; 4]; Event::COUNT],
            trials: 0,
        }
    }

    /// Values one trial keeps.
    fn row(&self) -> usize {
        2 * self.metrics.len() * self.months
    }

    /// Adds one trial of both sides.
    pub fn add(&mut self, base: &TrialRecord, now: &TrialRecord) {
        self.trials += 1;
        for e in Event::ALL {
            let cell = 2 * now.first(e).is_some() as usize + base.first(e).is_some() as usize;
            self.events[e.index()][cell] += 1;
        }
        for side in [now, base] {
            for &metric in &self.metrics {
                self.values
                    .extend((0..self.months).map(|month| side.get(month, metric)));
            }
        }
    }

    /// Everything `other` holds, after this one's trials.
    pub fn merge(mut self, other: PairedTrials) -> PairedTrials {
        self.values.extend(other.values);
        for (a, b) in self.events.iter_mut().zip(other.events) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.trials += other.trials;
        self
    }

    /// Trials added.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Each trial's (change, base) value of `metric` in months `now_month` and `base_month`,
    /// where kept.
    fn pairs(
        &self,
        metric: Metric,
        now_month: u32,
        base_month: u32,
    ) -> Option<impl Iterator<Item = (f64, f64)> + '_> {
        let k = self.metrics.iter().position(|&m| m == metric)?;
        let (a, b) = (now_month as usize, base_month as usize);
        if a >= self.months || b >= self.months || self.trials == 0 {
            return None;
        }
        let side = self.metrics.len() * self.months;
        let at = k * self.months;
        Some(
            self.values
                .chunks_exact(self.row())
                .map(move |r| (r[at + a], r[side + at + b])),
        )
    }

    /// The standard error of the mean of (change in `now_month` − base in `base_month`).
    pub fn mean_diff_se(&self, metric: Metric, now_month: u32, base_month: u32) -> Option<f64> {
        let n = self.trials as f64;
        if n < 2.0 {
            return None;
        }
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        let mean = self
            .pairs(metric, now_month, base_month)?
            .map(|(a, b)| a - b)
            .sum::<f64>()
            / n;
        for (a, b) in self.pairs(metric, now_month, base_month)? {
            let d = a - b - mean;
            sum += d;
            sum_sq += d * d;
        }
        let var = (sum_sq - sum * sum / n) / (n - 1.0);
        Some((var.max(0.0) / n).sqrt())
    }

    /// ρ, the correlation over trials of 1{change ≤ `now_q`} (in `now_month`) and 1{base ≤
    /// `base_q`} (in `base_month`): how far the two quantiles' noise is shared.
    pub fn quantile_correlation(
        &self,
        metric: Metric,
        (now_month, now_q): (u32, f64),
        (base_month, base_q): (u32, f64),
    ) -> Option<f64> {
        let (mut a, mut b, mut both) = (0u64, 0u64, 0u64);
        for (x, y) in self.pairs(metric, now_month, base_month)? {
            let (ia, ib) = (x <= now_q, y <= base_q);
            a += ia as u64;
            b += ib as u64;
            both += (ia && ib) as u64;
        }
        let n = self.trials as f64;
        let (pa, pb) = (a as f64 / n, b as f64 / n);
        let var = (pa * (1.0 - pa)) * (pb * (1.0 - pb));
        if var <= 0.0 {
            // One side's indicator is constant (every trial on one side of its quantile): no
            // shared noise to take away.
            return Some(0.0);
        }
        Some(((both as f64 / n - pa * pb) / var.sqrt()).clamp(-1.0, 1.0))
    }

    /// The standard error of P(change saw `event`) − P(base saw it), from the discordant
    /// trials with half a trial added to each cell (Agresti and Min 2005).
    pub fn event_diff_se(&self, event: Event) -> f64 {
        let [neither, base_only, now_only, both] = self.events[event.index()];
        let n = (neither + base_only + now_only + both) as f64 + 2.0;
        let (b, c) = (base_only as f64 + 0.5, now_only as f64 + 0.5);
        let var = ((b + c) / n - ((c - b) / n).powi(2)) / n;
        var.max(0.0).sqrt()
    }

    /// Trials where only the base, and only the change, saw `event`.
    pub fn discordant(&self, event: Event) -> (u64, u64) {
        let e = self.events[event.index()];
        (e[1], e[2])
    }
}

/// Whether keeping `metrics` for `trials` trials of `horizon_months` stays within
/// [`MAX_KEPT_VALUES`].
pub fn can_keep(trials: u64, horizon_months: u32, metrics: usize) -> bool {
    trials.saturating_mul(2 * metrics as u64 * (horizon_months as u64 + 1)) <= MAX_KEPT_VALUES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(cost: f64, full: bool) -> TrialRecord {
        let mut r = TrialRecord::of_monthly_costs(&[0.0, cost]);
        if full {
            r.first[Event::VolumeFull.index()] = 1;
        }
        r
    }

    #[test]
    fn a_shift_of_every_trial_shares_all_its_quantile_noise() {
        let metric = Metric::CostCumulative;
        let mut p = PairedTrials::new(1, vec![metric]);
        for i in 0..1000 {
            let base = (i * 7919 % 1000) as f64;
            p.add(&record(base, false), &record(base * 1.04, false));
        }
        let (qa, qb) = (900.0 * 1.04, 900.0);
        let rho = p.quantile_correlation(metric, (1, qa), (1, qb)).unwrap();
        assert!((rho - 1.0).abs() < 1e-9, "{rho}");
        // The mean difference is 4% of each trial's cost: its spread is 4% of the costs'.
        let se = p.mean_diff_se(metric, 1, 1).unwrap();
        let sd_costs = (1000.0f64 * 1000.0 / 12.0).sqrt();
        assert!((se - 0.04 * sd_costs / 1000f64.sqrt()).abs() < 0.01, "{se}");
    }

    #[test]
    fn events_never_seen_on_either_side_are_not_certainty() {
        let mut p = PairedTrials::new(1, Vec::new());
        for i in 0..10_000 {
            p.add(&record(1.0, false), &record(1.0, i < 5));
        }
        assert_eq!(p.discordant(Event::VolumeFull), (0, 5));
        let se = p.event_diff_se(Event::VolumeFull);
        // √((6/10002 − (5/10002)²)/10002) ≈ 0.000245: 0 → 0.0005 is two of them, not infinitely many.
        assert!((se - 0.000245).abs() < 2e-6, "{se}");
    }
}
