//! Cloud block-storage billing rules: what size a provider bills for a provisioned volume.
//!
//! Sources (see `pricing/*.toml` for prices): GCE and EBS bill the provisioned GiB ("billed for
//! that entire disk space, regardless of how you use it", Google disk pricing page; "you pay
//! only for what you provision, in increments down to 1 GB", AWS storage whitepaper); Azure
//! Premium/Standard SSD and Standard HDD map the provisioned size "rounded up to the nearest
//! offered disk size" and bill per disk (MicrosoftDocs `disks-understanding-billing.md`:
//! "a 58 GiB Premium SSD is billed as a P6 disk").

/// How a provisioned size becomes a bill.
#[derive(Debug, Clone, PartialEq)]
pub enum Billing {
    /// Price × GiB, after a minimum size and rounding up to an increment.
    PerGib {
        /// Smallest billed size, GiB.
        min_gib: f64,
        /// Billing increment, GiB (1 for GCE/EBS).
        increment_gib: f64,
    },
    /// Round up to the next offered size and pay that disk's monthly price.
    Tiered {
        /// The offered sizes, in increasing size.
        tiers: Vec<Tier>,
    },
}

/// One offered disk size of a tiered rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Its name (`P6`), for messages.
    pub name: String,
    /// Size, GiB.
    pub size_gib: f64,
    /// Monthly price; None where the size is offered but its price is not known. Validation
    /// refuses volumes that could be billed at such a tier, rather than bill them at the next
    /// priced one (up to 3× too much).
    pub monthly: Option<f64>,
}

/// The sizes a provider allows for a disk type (AWS refuses an st1 volume under 125 GiB), and
/// where that is written.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeLimits {
    /// Smallest size, GiB.
    pub min_gib: Option<f64>,
    /// Largest size, GiB; the autoresizer stops there.
    pub max_gib: Option<f64>,
    /// The document that states them.
    pub source: String,
}

impl Default for Billing {
    fn default() -> Self {
        Billing::PerGib {
            min_gib: 0.0,
            increment_gib: 1.0,
        }
    }
}

impl Billing {
    /// The billed size (GiB) and monthly price of one volume of `size_gib`, with
    /// `price_per_gib_month` used by the per-GiB rule. A size above the largest tier is
    /// billed at the largest tier (validation keeps volumes below it).
    #[inline]
    pub fn bill(&self, size_gib: f64, price_per_gib_month: f64) -> (f64, f64) {
        match self {
            Billing::PerGib {
                min_gib,
                increment_gib,
            } => {
                let billed =
                    ((size_gib / increment_gib - 1e-9).ceil() * increment_gib).max(*min_gib);
                (billed, billed * price_per_gib_month)
            }
            Billing::Tiered { .. } => match self.tier_of(size_gib) {
                // Validation keeps volumes out of unpriced tiers; NaN would show, not hide, one.
                Some(t) => (t.size_gib, t.monthly.unwrap_or(f64::NAN)),
                None => (size_gib, 0.0),
            },
        }
    }

    /// The largest size this rule can bill, if it has one.
    pub fn max_gib(&self) -> Option<f64> {
        match self {
            Billing::PerGib { .. } => None,
            Billing::Tiered { tiers } => tiers.last().map(|t| t.size_gib),
        }
    }

    /// The tier a size is billed at: the smallest offered size at or above it (the largest
    /// when none is). None for a per-GiB rule.
    pub fn tier_of(&self, size_gib: f64) -> Option<&Tier> {
        match self {
            Billing::PerGib { .. } => None,
            Billing::Tiered { tiers } => tiers
                .iter()
                .find(|t| t.size_gib >= size_gib - 1e-9)
                .or(tiers.last()),
        }
    }

    /// The first unpriced tier a volume sized anywhere in `from..=to` GiB would be billed at.
    pub fn unpriced_tier_between(&self, from: f64, to: f64) -> Option<&Tier> {
        let Billing::Tiered { tiers } = self else {
            return None;
        };
        let first = self.tier_of(from)?.size_gib;
        let last = self.tier_of(to)?.size_gib;
        tiers
            .iter()
            .filter(|t| t.size_gib >= first - 1e-9 && t.size_gib <= last + 1e-9)
            .find(|t| t.monthly.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiered(t: &[(f64, Option<f64>)]) -> Billing {
        Billing::Tiered {
            tiers: t
                .iter()
                .map(|&(size_gib, monthly)| Tier {
                    name: format!("{size_gib}"),
                    size_gib,
                    monthly,
                })
                .collect(),
        }
    }

    /// A size that falls in a tier whose price is unknown is found, over a whole autoresize
    /// range: 32 → 128 GiB passes through an unpriced 64 GiB tier.
    #[test]
    fn unpriced_tiers_are_found() {
        let b = tiered(&[(32.0, Some(5.28)), (64.0, None), (128.0, Some(19.71))]);
        assert_eq!(b.unpriced_tier_between(10.0, 32.0), None);
        assert_eq!(b.unpriced_tier_between(58.0, 58.0).unwrap().size_gib, 64.0);
        assert_eq!(b.unpriced_tier_between(20.0, 100.0).unwrap().size_gib, 64.0);
        assert_eq!(b.unpriced_tier_between(65.0, 128.0), None);
    }

    #[test]
    fn per_gib_rounds_up_to_increment_and_minimum() {
        let b = Billing::PerGib {
            min_gib: 10.0,
            increment_gib: 1.0,
        };
        let (billed, cost) = b.bill(4.0, 0.044);
        assert_eq!(billed, 10.0);
        assert!((cost - 0.44).abs() < 1e-12);
        assert_eq!(b.bill(10.2, 0.1).0, 11.0);
        assert_eq!(Billing::default().bill(50.0, 0.2), (50.0, 10.0));
        // An increment other than 1 GiB: 12 GiB in steps of 10 bills 20, 20 bills 20 (an
        // exact multiple is not rounded up), 20.5 bills 30; under a 50 GiB minimum, 50.
        let tens = Billing::PerGib {
            min_gib: 0.0,
            increment_gib: 10.0,
        };
        assert_eq!(tens.bill(12.0, 0.1), (20.0, 2.0));
        assert_eq!(tens.bill(20.0, 0.1), (20.0, 2.0));
        assert_eq!(tens.bill(20.5, 0.1).0, 30.0);
        let floor = Billing::PerGib {
            min_gib: 50.0,
            increment_gib: 10.0,
        };
        assert_eq!(floor.bill(12.0, 0.1), (50.0, 5.0));
        assert_eq!(floor.bill(51.0, 0.1), (60.0, 6.0));
    }

    /// MicrosoftDocs: "a 58 GiB Premium SSD is billed as a P6 disk, and a 400 GiB Premium SSD
    /// is billed as a P20 disk"; infracost's golden bills a 1,000 GB E30 request as 1,024 GiB.
    #[test]
    fn tiered_rounds_up_to_next_tier() {
        let b = tiered(&[
            (4.0, Some(0.6)),
            (32.0, Some(5.28)),
            (64.0, Some(10.21)),
            (128.0, Some(19.71)),
            (512.0, Some(73.22)),
        ]);
        assert_eq!(b.bill(58.0, 0.0), (64.0, 10.21));
        assert_eq!(b.bill(400.0, 0.0).0, 512.0);
        assert_eq!(b.bill(32.0, 0.0), (32.0, 5.28));
        assert_eq!(b.bill(1.0, 0.0), (4.0, 0.6));
    }
}
