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
        /// (size GiB, monthly price) in increasing size.
        tiers: Vec<(f64, f64)>,
    },
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
            Billing::Tiered { tiers } => {
                let (size, price) = tiers
                    .iter()
                    .find(|(tier, _)| *tier >= size_gib - 1e-9)
                    .or(tiers.last())
                    .copied()
                    .unwrap_or((size_gib, 0.0));
                (size, price)
            }
        }
    }

    /// The largest size this rule can bill, if it has one.
    pub fn max_gib(&self) -> Option<f64> {
        match self {
            Billing::PerGib { .. } => None,
            Billing::Tiered { tiers } => tiers.last().map(|t| t.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    /// MicrosoftDocs: "a 58 GiB Premium SSD is billed as a P6 disk, and a 400 GiB Premium SSD
    /// is billed as a P20 disk"; infracost's golden bills a 1,000 GB E30 request as 1,024 GiB.
    #[test]
    fn tiered_rounds_up_to_next_tier() {
        let b = Billing::Tiered {
            tiers: vec![
                (4.0, 0.6),
                (32.0, 5.28),
                (64.0, 10.21),
                (128.0, 19.71),
                (512.0, 73.22),
            ],
        };
        assert_eq!(b.bill(58.0, 0.0), (64.0, 10.21));
        assert_eq!(b.bill(400.0, 0.0).0, 512.0);
        assert_eq!(b.bill(32.0, 0.0), (32.0, 5.28));
        assert_eq!(b.bill(1.0, 0.0), (4.0, 0.6));
    }
}
