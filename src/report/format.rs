//! How numbers read in reports and on the terminal: money, sizes, shares, probabilities with
//! their uncertainty, calendar months.

use crate::aggregate::Probability;

/// `1234.5` → `1,234.50`: money with thousands separators (a true minus sign when negative).
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.2}", x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{frac}", if x < 0.0 { "−" } else { "" })
}

/// Money with an explicit sign: `+24.00`, `−24.00`.
pub fn signed_money(x: f64) -> String {
    if x < 0.0 {
        format!("−{}", money(-x))
    } else {
        format!("+{}", money(x))
    }
}

/// GiB with one decimal.
pub fn gib(x: f64) -> String {
    format!("{x:.1} GiB")
}

/// A fraction as a percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A count, rounded.
pub fn count(x: f64) -> String {
    format!("{x:.0}")
}

/// A probability a reader cannot misread: `3.2% ± 0.4% s.e.` (one Monte Carlo standard
/// error), and where no trial or every trial saw the event, the Wilson 95% bound instead of a
/// zero-width `0.0% ± 0.0%`: `< 0.04% (95%)`, `> 99.96% (95%)`.
pub fn probability(p: &Probability) -> String {
    if p.p <= 0.0 {
        format!("< {} (95%)", bound(p.ci95[1]))
    } else if p.p >= 1.0 {
        format!("> {} (95%)", bound(p.ci95[0]))
    } else {
        // Enough decimals for the standard error to show one significant digit (so 99.99% is
        // not printed as 100.0% ± 0.0%), at least one, at most four.
        let se = p.se * 100.0;
        let d = (1..=4)
            .find(|&d| (se * 10f64.powi(d as i32)).round() >= 1.0)
            .unwrap_or(4);
        format!("{:.d$}% ± {:.d$}% s.e.", p.p * 100.0, se)
    }
}

/// A bound as a percentage with enough decimals to be neither 0 nor 100.
fn bound(x: f64) -> String {
    if x <= 0.0 {
        return "0%".into();
    }
    if x >= 1.0 {
        return "100%".into();
    }
    let pct = x * 100.0;
    let decimals = if (0.1..=99.9).contains(&pct) { 1 } else { 2 };
    format!("{pct:.decimals$}%")
}

/// The 95% interval: `2.9–3.6%`.
pub fn interval(p: &Probability) -> String {
    format!(
        "{}–{}",
        bound(p.ci95[0]).trim_end_matches('%'),
        bound(p.ci95[1])
    )
}

/// The calendar month `month` months after month 0 of a scenario whose month 1 is `start`.
pub fn calendar(start: (i32, u32), month: u32) -> String {
    let index = start.0 as i64 * 12 + (start.1 as i64 - 1) + month as i64 - 1;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// "month 7 (2026-07)" or "month 7".
pub fn when(start: Option<(i32, u32)>, month: u32) -> String {
    match start {
        Some(s) => format!("month {month} ({})", calendar(s, month)),
        None => format!("month {month}"),
    }
}

/// A month that may lie beyond the horizon: [`when`], or "later than the horizon".
pub fn when_or_later(start: Option<(i32, u32)>, month: Option<u32>) -> String {
    month.map_or("later than the horizon".to_string(), |m| when(start, m))
}

/// 1234 → "1.2k", 0.5 → "0.50": short axis labels.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(1205.48), "1,205.48");
        assert_eq!(money(25209.6), "25,209.60");
        assert_eq!(money(33.0), "33.00");
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(-24.0), "−24.00");
        assert_eq!(signed_money(24.0), "+24.00");
    }

    #[test]
    fn calendar_months() {
        assert_eq!(calendar((2026, 1), 1), "2026-01");
        assert_eq!(calendar((2026, 1), 12), "2026-12");
        assert_eq!(calendar((2026, 11), 3), "2027-01");
        assert_eq!(calendar((2026, 1), 0), "2025-12");
        assert_eq!(when(Some((2026, 1)), 7), "month 7 (2026-07)");
        assert_eq!(when_or_later(None, None), "later than the horizon");
    }

    #[test]
    fn probabilities_at_the_edges_say_their_bound() {
        assert_eq!(probability(&Probability::of(0, 10_000)), "< 0.04% (95%)");
        assert_eq!(
            probability(&Probability::of(10_000, 10_000)),
            "> 99.96% (95%)"
        );
        assert_eq!(
            probability(&Probability::of(320, 10_000)),
            "3.2% ± 0.2% s.e."
        );
        assert_eq!(interval(&Probability::of(40, 100)), "30.9–49.8%");
        assert_eq!(
            probability(&Probability::of(9_999, 10_000)),
            "99.99% ± 0.01% s.e."
        );
    }

    #[test]
    fn short_axis_labels() {
        assert_eq!(format_si(1234.0), "1.2k");
        assert_eq!(format_si(25_000.0), "25k");
        assert_eq!(format_si(0.5), "0.50");
    }
}
