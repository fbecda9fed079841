//! Kubernetes resource quantities and percentages, as scenario files write them.
//!
//! Every size inside headroom is GiB (2^30 bytes): GCE bills "GB" that are GiB, Kubernetes
//! and Ceph report binary units, and the seeds write `10Gi`. A bare number is GiB.

use std::fmt;

/// Bytes in one GiB.
const GIB: f64 = 1_073_741_824.0;

/// The largest size headroom takes: 1 EiB (2^30 GiB), far above any volume or cluster, and low
/// enough that a size times any price, month or count stays a finite number.
pub const MAX_GIB: f64 = 1_073_741_824.0;

/// Why a string is not a quantity; the caller adds the file, key and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct QuantityError {
    /// The text that failed to parse.
    pub input: String,
}

impl QuantityError {
    fn describe(&self) -> String {
        if parse_number_of_gib(&self.input).is_some_and(|v| v > MAX_GIB) {
            format!(
                "{:?} is larger than headroom takes (at most 1Ei, 2^30 GiB)",
                self.input
            )
        } else {
            format!(
                "{:?} is not a Kubernetes quantity (expected e.g. \"10Gi\", \"500G\", \"1.5Ti\" or a number of GiB)",
                self.input
            )
        }
    }
}

/// Parses a Kubernetes quantity (`"10Gi"`, `"500G"`, `"1.5Ti"`, `"512Mi"`, `"20"`) into GiB.
///
/// Binary suffixes (`Ki Mi Gi Ti Pi Ei`) are powers of 1024, decimal ones (`k M G T P E`)
/// powers of 1000, as in `k8s.io/apimachinery/pkg/api/resource`. A bare number means GiB,
/// which is headroom's own convention (a bare Kubernetes quantity would mean bytes).
///
/// ```
/// assert_eq!(headroom::quantity::parse_gib("10Gi").unwrap(), 10.0);
/// assert_eq!(headroom::quantity::parse_gib("1.5Ti").unwrap(), 1536.0);
/// assert!((headroom::quantity::parse_gib("500G").unwrap() - 465.66).abs() < 0.01);
/// ```
pub fn parse_gib(input: &str) -> Result<f64, QuantityError> {
    match parse_number_of_gib(input) {
        Some(v) if v <= MAX_GIB => Ok(v),
        _ => Err(QuantityError {
            input: input.to_string(),
        }),
    }
}

/// The quantity in GiB, however large (infinite past f64), or None when it is not one.
fn parse_number_of_gib(input: &str) -> Option<f64> {
    let text = input.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.trim().parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let bytes_per_unit = match suffix {
        "" => return Some(value),
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        _ => return None,
    };
    // Infinite when it overflows: larger than any limit, not "not a quantity".
    Some(value * bytes_per_unit / GIB)
}

/// A size that is either a fraction of some capacity or an absolute number of GiB, as
/// pvc-autoresizer's `threshold` and `increase` annotations are (`"10%"` or `"1Gi"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Share {
    /// A fraction of the capacity it applies to (0.1 for `"10%"`).
    Fraction(f64),
    /// An absolute size in GiB.
    Gib(f64),
}

impl Share {
    /// The size in GiB that this share means for a volume of `capacity_gib`.
    #[inline]
    pub fn of(self, capacity_gib: f64) -> f64 {
        match self {
            Share::Fraction(f) => f * capacity_gib,
            Share::Gib(g) => g,
        }
    }

    /// (fraction, GiB) such that `fraction × capacity + GiB` is [`Share::of`] bit for bit
    /// (one of the two is 0): hot loops take it without a branch.
    #[inline]
    pub fn parts(self) -> (f64, f64) {
        match self {
            Share::Fraction(f) => (f, 0.0),
            Share::Gib(g) => (0.0, g),
        }
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Share::Fraction(x) => write!(f, "{}%", x * 100.0),
            Share::Gib(g) => write!(f, "{g}Gi"),
        }
    }
}

/// Why a string is neither a percentage nor a quantity.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{input:?} is neither a percentage (e.g. \"10%\") nor a Kubernetes quantity (e.g. \"2Gi\")"
)]
pub struct ShareError {
    /// The text that failed to parse.
    pub input: String,
}

/// Parses `"10%"` as a fraction and anything else as a quantity in GiB.
pub fn parse_share(input: &str) -> Result<Share, ShareError> {
    let err = || ShareError {
        input: input.to_string(),
    };
    match input.trim().strip_suffix('%') {
        Some(pct) => {
            let v: f64 = pct.trim().parse().map_err(|_| err())?;
            if !(0.0..=100.0).contains(&v) {
                return Err(err());
            }
            Ok(Share::Fraction(v / 100.0))
        }
        None => parse_gib(input).map(Share::Gib).map_err(|_| err()),
    }
}

/// Parses a percentage such as `"5%"` into a fraction (0.05). Values above 100% are allowed
/// (an overhead can exceed 100%); negative ones are not.
pub fn parse_percent(input: &str) -> Option<f64> {
    let v: f64 = input.trim().strip_suffix('%')?.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v / 100.0)
}

/// Rounds a size in GiB up to whole GiB, as pvc-autoresizer does for a new request
/// (`ceil((cap + increase) / 1Gi) × 1Gi`). A tiny tolerance keeps `10.000000001` at 10.
///
/// Sizes are taken on [0, 2^52) GiB, where adding and taking away 2^52 rounds to the nearest
/// whole number, and one compare turns that into ⌈x⌉: no branch and no libm call, so a loop
/// of autoresize steps runs in SIMD registers.
#[inline]
pub fn ceil_gib(gib: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let x = (gib - 1e-9).clamp(0.0, TWO_52 - 1.0);
    let nearest = (x + TWO_52) - TWO_52;
    nearest + if nearest < x { 1.0 } else { 0.0 }
}

/// ⌈x⌉, the value of [`f64::ceil`] (a zero's sign aside). On baseline x86-64 (SSE2, no
/// `roundsd`) `f64::ceil` is a call into libm; a truncating conversion and one compare do
/// it, and the sketches round once per value added.
#[inline]
pub fn ceil(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let truncated = x as i64 as f64;
        if truncated < x {
            truncated + 1.0
        } else {
            truncated
        }
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast ⌈x⌉ (and ⌈x − 1e−9⌉ of sizes) is `f64::ceil` on integers, halves, values a hair off integers, both
    /// ends of its fast range, zero, negatives and non-finite values.
    #[test]
    fn ceil_is_f64_ceil() {
        let edge = 4_503_599_627_370_496.0f64;
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.0,
            1.5,
            10.0,
            1e-300,
            -1e-300,
            -0.5,
            -2.5,
            edge,
            edge - 1.0,
            edge - 0.5,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for k in 1..2000 {
            let x = k as f64 * 0.731;
            xs.extend([
                x,
                f64::from_bits(x.to_bits() + 1),
                f64::from_bits(x.to_bits() - 1),
            ]);
        }
        for x in xs {
            assert_eq!(ceil(x), x.ceil(), "{x}");
            if (1e-9..1e15).contains(&x) {
                assert_eq!(ceil_gib(x), (x - 1e-9).ceil(), "{x}");
            }
        }
        assert!(ceil(f64::NAN).is_nan());
        assert_eq!(
            (ceil_gib(0.0), ceil_gib(-3.0), ceil_gib(10.000000001)),
            (0.0, 0.0, 10.0)
        );
    }

    #[test]
    fn binary_and_decimal_suffixes() {
        assert_eq!(parse_gib("10Gi").unwrap(), 10.0);
        assert_eq!(parse_gib("512Mi").unwrap(), 0.5);
        assert_eq!(parse_gib("1Ti").unwrap(), 1024.0);
        assert_eq!(parse_gib("2.5").unwrap(), 2.5);
        assert!((parse_gib("1G").unwrap() - 0.931_322_574_6).abs() < 1e-9);
        assert!((parse_gib("1e3Mi").unwrap() - 1000.0 / 1024.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["10GG", "Gi", "", "-1Gi", "ten", "10 GB", "10gi"] {
            assert!(parse_gib(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn shares() {
        assert_eq!(parse_share("10%").unwrap(), Share::Fraction(0.1));
        assert_eq!(parse_share("2Gi").unwrap(), Share::Gib(2.0));
        assert!(parse_share("120%").is_err());
        assert_eq!(Share::Fraction(0.1).of(50.0), 5.0);
        assert_eq!(parse_percent("5%"), Some(0.05));
        assert_eq!(parse_percent("5"), None);
    }

    #[test]
    fn ceil_to_whole_gib() {
        assert_eq!(ceil_gib(11.0), 11.0);
        assert_eq!(ceil_gib(11.01), 12.0);
        assert_eq!(ceil_gib(10.000_000_000_1), 10.0);
    }
}
