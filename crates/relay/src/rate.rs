//! Per-connection rate limit: a token bucket that holds `burst` frames and
//! refills at `rate` frames per second.

use std::time::Instant;

pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        TokenBucket {
            rate: f64::from(rate),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: now,
        }
    }

    /// Takes one token; `false` when the bucket is empty.
    pub fn take(&mut self, now: Instant) -> bool {
        self.take_n(1, now)
    }

    /// Takes `n` tokens (e.g. one per byte); `false`, taking none, when the
    /// bucket holds fewer.
    pub fn take_n(&mut self, n: usize, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        let n = n as f64;
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(50, 200, t0);
        assert!((0..200).all(|_| b.take(t0)));
        assert!(!b.take(t0), "burst spent");
        let t1 = t0 + Duration::from_millis(100);
        assert!((0..5).all(|_| b.take(t1)), "5 frames refilled in 100 ms");
        assert!(!b.take(t1));
        let t2 = t1 + Duration::from_secs(3600);
        assert!((0..200).all(|_| b.take(t2)), "refills up to the burst only");
        assert!(!b.take(t2));
    }
}
