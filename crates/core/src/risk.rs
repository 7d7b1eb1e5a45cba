//! Risk scoring shared by the register declaration, the dashboard's heat map
//! and reports.

/// Band of a likelihood × impact score on the usual 5 × 5 matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScoreBand {
    Low,
    Medium,
    High,
    Critical,
}

impl ScoreBand {
    pub fn of(score: u8) -> Self {
        match score {
            0..=4 => ScoreBand::Low,
            5..=9 => ScoreBand::Medium,
            10..=16 => ScoreBand::High,
            _ => ScoreBand::Critical,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ScoreBand::Low => "Low",
            ScoreBand::Medium => "Medium",
            ScoreBand::High => "High",
            ScoreBand::Critical => "Critical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bands_cover_the_matrix() {
        let bands: Vec<_> = [1, 4, 5, 9, 10, 16, 20, 25].map(ScoreBand::of).to_vec();
        use ScoreBand::*;
        assert_eq!(
            bands,
            [Low, Low, Medium, Medium, High, High, Critical, Critical]
        );
    }
}
