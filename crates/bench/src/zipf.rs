//! Zipf-distributed resident ranks: rank `k` (0-based) is drawn with probability proportional to
//! `1 / (k + 1)^s`. Exact inverse-CDF sampling over a precomputed table (N = 20,000 is 160 KB),
//! so the shape is the textbook one and the same seed gives the same sequence.

use rand::Rng;

/// A Zipf distribution over `n` ranks with exponent `s`.
#[derive(Debug, Clone)]
pub struct Zipf {
    /// Cumulative probabilities; the last is exactly 1.0.
    cdf: Vec<f64>,
}

impl Zipf {
    /// `None` when `n` is zero or `s` is negative or not finite.
    pub fn new(n: usize, s: f64) -> Option<Self> {
        if n == 0 || !s.is_finite() || s < 0.0 {
            return None;
        }
        let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        Some(Self { cdf })
    }

    /// Number of ranks.
    pub fn len(&self) -> usize {
        self.cdf.len()
    }

    /// Always false: a distribution has at least one rank.
    pub fn is_empty(&self) -> bool {
        self.cdf.is_empty()
    }

    /// The probability of rank `k` (0 outside the range).
    pub fn probability(&self, k: usize) -> f64 {
        match k {
            0 => self.cdf.first().copied().unwrap_or(0.0),
            k if k < self.cdf.len() => self.cdf[k] - self.cdf[k - 1],
            _ => 0.0,
        }
    }

    /// Draws a rank in `0..len()`; 0 is the most popular.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u: f64 = rng.random();
        self.cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len() - 1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn probabilities_follow_one_over_rank() {
        let z = Zipf::new(20_000, 1.0).unwrap();
        let harmonic: f64 = (1..=20_000).map(|k| 1.0 / k as f64).sum();
        assert!((z.probability(0) - 1.0 / harmonic).abs() < 1e-12);
        assert!((z.probability(0) / z.probability(1) - 2.0).abs() < 1e-9);
        assert!((z.probability(9) / z.probability(99) - 10.0).abs() < 1e-9);
        let sum: f64 = (0..z.len()).map(|k| z.probability(k)).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert_eq!(z.probability(20_000), 0.0);
    }

    #[test]
    fn samples_have_the_zipf_shape() {
        let z = Zipf::new(20_000, 1.0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let draws = 200_000;
        let mut counts = vec![0u32; z.len()];
        for _ in 0..draws {
            counts[z.sample(&mut rng)] += 1;
        }
        // Rank 0 is drawn ~9.5 % of the time; within 3 % of that share.
        let share0 = f64::from(counts[0]) / f64::from(draws);
        assert!((share0 / z.probability(0) - 1.0).abs() < 0.03, "{share0}");
        // Twice as often as rank 1, ten times as often as rank 9 (loose bounds).
        let r01 = f64::from(counts[0]) / f64::from(counts[1]);
        assert!((1.85..2.15).contains(&r01), "{r01}");
        let r09 = f64::from(counts[0]) / f64::from(counts[9]);
        assert!((8.8..11.4).contains(&r09), "{r09}");
        // The tail is reached: the upper half of the ranks gets about ln(2)/H_N of the draws.
        let upper: u32 = counts[10_000..].iter().sum();
        let expected: f64 = (10_000..20_000).map(|k| z.probability(k)).sum();
        let got = f64::from(upper) / f64::from(draws);
        assert!((got / expected - 1.0).abs() < 0.05, "{got} vs {expected}");
    }

    #[test]
    fn exponent_zero_is_uniform_and_bad_input_is_refused() {
        let z = Zipf::new(4, 0.0).unwrap();
        for k in 0..4 {
            assert!((z.probability(k) - 0.25).abs() < 1e-12);
        }
        assert!(Zipf::new(0, 1.0).is_none());
        assert!(Zipf::new(10, -1.0).is_none());
        assert!(Zipf::new(10, f64::NAN).is_none());
        let one = Zipf::new(1, 1.0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..100).all(|_| one.sample(&mut rng) == 0));
    }
}
