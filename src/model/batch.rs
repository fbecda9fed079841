//! A month's draws for every volume of a template in one call: the engine's hot path.
//!
//! Drawing a log-normal growth one volume at a time cost ~13 ns per volume-month: a call into
//! the generator for 8 bytes, the ziggurat, then glibc's `exp` whose latency nothing overlaps.
//! In a batch the generator writes all the bytes at once (ChaCha8 makes four 64-byte blocks
//! per call), the ziggurat runs over them without a call per value, and `exp` is a polynomial
//! over the whole slice that the compiler turns into SIMD (AVX-512 or AVX2 when the CPU has
//! them, chosen at run time by `multiversion`, SSE2 otherwise).
//!
//! Every path computes the same IEEE operations in the same order per element (no fused
//! multiply-add, no reassociation), so the values are bit-identical on every x86-64 CPU and
//! for every SIMD width, and do not depend on the platform's `libm` either.

use super::ziggurat_tables::{ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};
use multiversion::multiversion;
use rand::Rng;

/// Fills `out` with standard normal draws by the 256-layer ziggurat (ZIGNOR, Doornik 2005),
/// in two passes. First, for all values at once: `8 × out.len()` bytes of `rng` in one call
/// into `bytes` (kept by the caller, so the loop allocates nothing once it is large enough),
/// and from the k-th little-endian word a layer i (its low 8 bits) and u uniform on [−1, 1)
/// (its high 52 bits); x = u·x_i is the draw when |x| < x_(i+1), which holds for ~98.8% of
/// words. This pass is straight-line code over slices, so it runs in SIMD registers. Then,
/// in order, the rest: the wedge test or the tail, with further draws from `rng` itself.
pub fn standard_normals<R: Rng + ?Sized>(rng: &mut R, bytes: &mut Vec<u8>, out: &mut [f64]) {
    bytes.resize(8 * out.len(), 0);
    rng.fill_bytes(bytes);
    first_tries(bytes, out);
    for (z, word) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        if z.is_nan() {
            let mut le = [0; 8];
            le.copy_from_slice(word);
            *z = outside_layer(rng, u64::from_le_bytes(le));
        }
    }
}

/// The ziggurat's first pass: x from every word, NaN where the word's x falls outside its
/// layer's rectangle.
#[multiversion(targets("x86_64+avx512f", "x86_64+avx2"))]
fn first_tries(bytes: &[u8], out: &mut [f64]) {
    for (z, word) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut le = [0; 8];
        le.copy_from_slice(word);
        let (x, inside) = layer_draw(u64::from_le_bytes(le));
        *z = if inside { x } else { f64::NAN };
    }
}

/// One word's try: (x = u·x_i, whether x is inside the layer's rectangle).
#[inline(always)]
fn layer_draw(word: u64) -> (f64, bool) {
    let i = (word & 0xff) as usize;
    // [2, 4) from the exponent of 2 and 52 random mantissa bits, less 3: u on [−1, 1).
    let u = f64::from_bits(0x4000_0000_0000_0000 | (word >> 12)) - 3.0;
    let x = u * ZIG_NORM_X[i];
    (x, x.abs() < ZIG_NORM_X[i + 1])
}

/// The ziggurat after a first try outside its layer's rectangle: the tail beyond R for the
/// base layer (Marsaglia's method), else the wedge's acceptance test; on a reject, new
/// words from `rng` until one is accepted.
#[cold]
fn outside_layer<R: Rng + ?Sized>(rng: &mut R, mut word: u64) -> f64 {
    loop {
        let i = (word & 0xff) as usize;
        let (x, inside) = layer_draw(word);
        if inside {
            return x;
        }
        if i == 0 {
            // x = −ln(U₁)/R, y = −ln(U₂) until 2y > x²: R + x is the tail's draw.
            loop {
                let x = -open01(rng).ln() / ZIG_NORM_R;
                let y = -open01(rng).ln();
                if 2.0 * y > x * x {
                    return if word >> 63 == 1 {
                        ZIG_NORM_R + x
                    } else {
                        -(ZIG_NORM_R + x)
                    };
                }
            }
        }
        let f = ZIG_NORM_F[i + 1] + (ZIG_NORM_F[i] - ZIG_NORM_F[i + 1]) * open01(rng);
        if f < exp(-0.5 * x * x) {
            return x;
        }
        word = rng.next_u64();
    }
}

/// Uniform on (0, 1): 52 random mantissa bits and half a step, never 0 (its log is finite).
#[inline]
fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    f64::from_bits(0x3ff0_0000_0000_0000 | (rng.next_u64() >> 12)) - (1.0 - f64::EPSILON / 2.0)
}

/// e^x for every element, within 2 ulp of a correctly rounded exp for x in [−708, 709].
/// Outside that range the argument is clamped: e^−708 ≈ 3e−308 and e^709 ≈ 8.2e307 stand
/// for 0 and ∞, which no volume can tell apart.
#[multiversion(targets("x86_64+avx512f", "x86_64+avx2"))]
pub fn exp_in_place(xs: &mut [f64]) {
    for x in xs {
        *x = exp(*x);
    }
}

/// 1.5 × 2^52: adding it rounds a double of magnitude < 2^51 to an integer held in the low
/// bits of the sum's mantissa (the usual branch-free round-to-nearest).
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// e^x = 2^k · e^r with k = round(x / ln 2) and |r| ≤ ln 2 / 2; e^r by its Taylor series to
/// r^12 / 12! (truncation error below 2e−16 relative), Horner's rule; 2^k built in the
/// exponent bits. Straight-line code, so a loop over it vectorises.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // ln 2 split in a high part whose products with k ≤ 2^11 are exact, and the rest (fdlibm).
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let x = x.clamp(-708.0, 709.0);
    let shifted = x * std::f64::consts::LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // k sits in the low bits of `shifted`'s mantissa, two's complement; |k| ≤ 1024.
    let k_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let two_to_k = f64::from_bits(k_bits.wrapping_add(1023) << 52);
    p * two_to_k
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    /// Within 2 ulp of the platform's exp over the whole clamped range and at its ends.
    #[test]
    fn exp_is_within_two_ulp() {
        let mut worst = 0;
        for i in 0..=200_000 {
            let x = -708.0 + 1417.0 * i as f64 / 200_000.0;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        for x in [
            -1e-300,
            0.0,
            1e-17,
            0.5,
            -0.5,
            1.0,
            std::f64::consts::LN_2,
            20.0,
        ] {
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 2, "{worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1e6), exp(-708.0));
        assert!(exp(1e6).is_finite());
    }

    /// The SIMD path this CPU takes and the baseline one give the same bits (no fused
    /// multiply-add creeps in): results do not depend on the CPU.
    #[test]
    fn exp_paths_agree_bit_for_bit() {
        let xs: Vec<f64> = (0..1027).map(|i| (i as f64 - 513.0) * 0.0371).collect();
        let mut dispatched = xs.clone();
        exp_in_place(&mut dispatched);
        let one_by_one: Vec<f64> = xs.iter().map(|&x| exp(x)).collect();
        assert_eq!(dispatched, one_by_one);
    }

    /// The ziggurat's SIMD first pass is the scalar one word by word (the same bits, the
    /// same words outside their layer), on every SIMD path.
    #[test]
    fn first_pass_is_scalar_word_by_word() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let mut bytes = vec![0; 8 * 5003];
        rng.fill_bytes(&mut bytes);
        let mut simd = vec![0.0; 5003];
        first_tries(&bytes, &mut simd);
        let mut outside = 0;
        for (z, word) in simd.iter().zip(bytes.chunks_exact(8)) {
            let (x, inside) = layer_draw(u64::from_le_bytes(word.try_into().unwrap()));
            if inside {
                assert_eq!(z.to_bits(), x.to_bits());
            } else {
                assert!(z.is_nan());
                outside += 1;
            }
        }
        // ~1.2% of words fall outside their rectangle: 60 of 5,003 expected.
        assert!((20..120).contains(&outside), "{outside}");
    }

    /// Pinned values: the batch draws are part of every result headroom prints.
    #[test]
    fn value_stability() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let mut bytes = Vec::new();
        let mut z = [0.0; 3];
        standard_normals(&mut rng, &mut bytes, &mut z);
        assert_eq!(z, PINNED);
    }
    const PINNED: [f64; 3] = [
        0.47798123835102174,
        1.3340706102318078,
        -0.21086668327103028,
    ];

    /// Mean 0, variance 1 and P(Z < 1.96) = 0.975 within 4 standard errors over 400,000
    /// draws in batches of uneven lengths (so the rare second draw crosses batch ends).
    #[test]
    fn normals_have_the_standard_moments() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut bytes = Vec::new();
        let mut buf = vec![0.0; 997];
        let (mut n, mut s, mut s2, mut below) = (0.0, 0.0, 0.0, 0.0);
        for len in (1..).map(|i| 1 + (i * 37) % 997).take(800) {
            standard_normals(&mut rng, &mut bytes, &mut buf[..len]);
            for &z in &buf[..len] {
                n += 1.0;
                s += z;
                s2 += z * z;
                below += (z < 1.959_963_984_540_054) as u8 as f64;
            }
        }
        assert!(n > 390_000.0);
        let mean = s / n;
        assert!(mean.abs() < 4.0 / n.sqrt(), "mean {mean}");
        // Var(Z²) = 2.
        assert!((s2 / n - 1.0).abs() < 4.0 * (2.0 / n).sqrt(), "{}", s2 / n);
        let p = below / n;
        assert!((p - 0.975).abs() < 4.0 * (0.975 * 0.025 / n).sqrt(), "{p}");
    }
}
