//! One measured figure of `cargo xtask bench`: its runs, its target, whether it met it.

/// One measured figure.
pub(crate) struct Figure {
    pub name: String,
    pub target: String,
    pub limit_s: Option<f64>,
    pub limit_rss_mb: Option<f64>,
    pub walls: Vec<f64>,
    pub max_rss_kb: Option<u64>,
}

impl Figure {
    pub fn median(&self) -> f64 {
        let mut w = self.walls.clone();
        w.sort_by(f64::total_cmp);
        match w.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => w[n / 2],
            n => (w[n / 2 - 1] + w[n / 2]) / 2.0,
        }
    }

    pub fn spread(&self) -> (f64, f64) {
        let min = self.walls.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.walls.iter().copied().fold(0.0, f64::max);
        (min, max)
    }

    pub fn rss_mb(&self) -> Option<f64> {
        self.max_rss_kb.map(|kb| kb as f64 / 1024.0)
    }

    pub fn met(&self) -> bool {
        self.limit_s.is_none_or(|l| self.median() <= l)
            && self
                .limit_rss_mb
                .is_none_or(|l| self.rss_mb().is_some_and(|r| r <= l))
    }
}
