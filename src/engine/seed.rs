//! Random streams: one per (master seed, component, trial), never per thread.
//!
//! Trial `i` of component `c` draws from ChaCha8 keyed by `mix(seed, c)` on stream `i`
//! (the rand book's "parallel" approach 4), so any trial can be replayed alone and the output
//! does not depend on how rayon schedules the work. ChaCha8 is a named, value-stable
//! generator (`StdRng` and `SmallRng` are not). Components are keyed by name, so that adding a
//! volume template does not shift the draws of the others, and two variants of a scenario see
//! the same users and the same growth for templates of the same name.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

/// The population's component id.
pub const POPULATION: u64 = 0x706f_7075_6c61_7469; // "populati"
/// The component id of uncertain fixed and one-time cost amounts.
pub const COSTS: u64 = 0x636f_7374_735f_5f5f; // "costs___"

/// SplitMix64's finaliser: a fixed 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The component id of a volume template, from its name (FNV-1a, 64 bit).
pub fn volume_component(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"volume:".iter().chain(name.as_bytes()) {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The generator of one component in one trial.
pub fn trial_rng(master: u64, component: u64, trial: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(mix64(master ^ mix64(component)));
    rng.set_stream(trial);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Pinned outputs: a change here changes every result headroom has ever printed, and must
    /// be deliberate (rust-random's `value_stability` habit).
    #[test]
    fn value_stability() {
        let mut rng = trial_rng(42, POPULATION, 0);
        let first = rng.next_u64();
        let mut rng7 = trial_rng(42, volume_component("workspace"), 7);
        let other = rng7.next_u64();
        assert_eq!((first, other), PINNED);
    }
    const PINNED: (u64, u64) = (4_709_950_370_513_425_624, 1_037_651_545_029_768_670);

    #[test]
    fn streams_differ_by_trial_and_component() {
        let a = trial_rng(1, POPULATION, 0).next_u64();
        let b = trial_rng(1, POPULATION, 1).next_u64();
        let c = trial_rng(1, volume_component("workspace"), 0).next_u64();
        assert!(a != b && a != c && b != c);
        assert_eq!(a, trial_rng(1, POPULATION, 0).next_u64());
    }
}
