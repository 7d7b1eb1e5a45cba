//! Risks and opportunities (clause 6.1): the domain type, its form draft and
//! validation. A [`Risk`] is always valid; the only way to get one from
//! user input is [`RiskDraft::validate`].

use chrono::NaiveDate;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;
pub const OWNER_MAX: usize = 100;

/// How a risk is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Treatment {
    Avoid,
    Reduce,
    Transfer,
    Accept,
}

impl Treatment {
    pub const ALL: [Treatment; 4] = [
        Treatment::Avoid,
        Treatment::Reduce,
        Treatment::Transfer,
        Treatment::Accept,
    ];

    /// Stable value kept in the document.
    pub fn key(self) -> &'static str {
        match self {
            Treatment::Avoid => "avoid",
            Treatment::Reduce => "reduce",
            Treatment::Transfer => "transfer",
            Treatment::Accept => "accept",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Treatment::Avoid => "Avoid",
            Treatment::Reduce => "Reduce",
            Treatment::Transfer => "Transfer",
            Treatment::Accept => "Accept",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// Where a risk stands in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RiskStatus {
    Identified,
    Assessed,
    Treating,
    Monitoring,
    Closed,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 5] = [
        RiskStatus::Identified,
        RiskStatus::Assessed,
        RiskStatus::Treating,
        RiskStatus::Monitoring,
        RiskStatus::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RiskStatus::Identified => "identified",
            RiskStatus::Assessed => "assessed",
            RiskStatus::Treating => "treating",
            RiskStatus::Monitoring => "monitoring",
            RiskStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskStatus::Identified => "Identified",
            RiskStatus::Assessed => "Assessed",
            RiskStatus::Treating => "Being treated",
            RiskStatus::Monitoring => "Monitoring",
            RiskStatus::Closed => "Closed",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// Band of a likelihood × impact score on the usual 5 × 5 matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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

/// A valid risk or opportunity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Risk {
    pub title: String,
    pub description: String,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: u8,
    /// 1 (negligible) to 5 (severe).
    pub impact: u8,
    pub owner: String,
    pub treatment: Treatment,
    pub status: RiskStatus,
    pub review_date: Option<NaiveDate>,
}

impl Risk {
    /// Likelihood × impact, 1 to 25. Computed, never stored.
    pub fn score(&self) -> u8 {
        self.likelihood * self.impact
    }

    pub fn band(&self) -> ScoreBand {
        ScoreBand::of(self.score())
    }

    /// Whether the review date has passed (a review is due) on `today`.
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        self.status != RiskStatus::Closed && self.review_date.is_some_and(|d| d < today)
    }
}

/// The fields of a risk, named for validation messages and the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RiskField {
    Title,
    Description,
    Likelihood,
    Impact,
    Owner,
    Treatment,
    Status,
    ReviewDate,
}

impl RiskField {
    pub const ALL: [RiskField; 8] = [
        RiskField::Title,
        RiskField::Description,
        RiskField::Likelihood,
        RiskField::Impact,
        RiskField::Owner,
        RiskField::Treatment,
        RiskField::Status,
        RiskField::ReviewDate,
    ];

    /// Key of the field in the record map of the document.
    pub fn key(self) -> &'static str {
        match self {
            RiskField::Title => "title",
            RiskField::Description => "description",
            RiskField::Likelihood => "likelihood",
            RiskField::Impact => "impact",
            RiskField::Owner => "owner",
            RiskField::Treatment => "treatment",
            RiskField::Status => "status",
            RiskField::ReviewDate => "review_date",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskField::Title => "Title",
            RiskField::Description => "Description",
            RiskField::Likelihood => "Likelihood",
            RiskField::Impact => "Impact",
            RiskField::Owner => "Owner",
            RiskField::Treatment => "Treatment",
            RiskField::Status => "Status",
            RiskField::ReviewDate => "Review date",
        }
    }
}

/// A message about one field, shown next to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: RiskField,
    pub message: String,
}

/// What a form holds: every field as the text the person typed or chose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskDraft {
    pub title: String,
    pub description: String,
    pub likelihood: String,
    pub impact: String,
    pub owner: String,
    pub treatment: String,
    pub status: String,
    /// `YYYY-MM-DD` (what a date input yields) or empty.
    pub review_date: String,
}

impl RiskDraft {
    /// A new risk's starting values.
    pub fn new_risk() -> Self {
        RiskDraft {
            likelihood: "3".into(),
            impact: "3".into(),
            treatment: Treatment::Reduce.key().into(),
            status: RiskStatus::Identified.key().into(),
            ..Default::default()
        }
    }

    pub fn from_risk(r: &Risk) -> Self {
        RiskDraft {
            title: r.title.clone(),
            description: r.description.clone(),
            likelihood: r.likelihood.to_string(),
            impact: r.impact.to_string(),
            owner: r.owner.clone(),
            treatment: r.treatment.key().into(),
            status: r.status.key().into(),
            review_date: r
                .review_date
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }

    pub fn get(&self, field: RiskField) -> &str {
        match field {
            RiskField::Title => &self.title,
            RiskField::Description => &self.description,
            RiskField::Likelihood => &self.likelihood,
            RiskField::Impact => &self.impact,
            RiskField::Owner => &self.owner,
            RiskField::Treatment => &self.treatment,
            RiskField::Status => &self.status,
            RiskField::ReviewDate => &self.review_date,
        }
    }

    pub fn set(&mut self, field: RiskField, value: String) {
        let slot = match field {
            RiskField::Title => &mut self.title,
            RiskField::Description => &mut self.description,
            RiskField::Likelihood => &mut self.likelihood,
            RiskField::Impact => &mut self.impact,
            RiskField::Owner => &mut self.owner,
            RiskField::Treatment => &mut self.treatment,
            RiskField::Status => &mut self.status,
            RiskField::ReviewDate => &mut self.review_date,
        };
        *slot = value;
    }

    /// The error for one field, if any: used to validate as the person types.
    pub fn field_error(&self, field: RiskField) -> Option<FieldError> {
        self.validate()
            .err()?
            .into_iter()
            .find(|e| e.field == field)
    }

    /// Turns the draft into a valid risk, or says what is wrong with each field.
    pub fn validate(&self) -> Result<Risk, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field, message: String| errors.push(FieldError { field, message });

        let title = self.title.trim();
        if title.is_empty() {
            err(RiskField::Title, "Enter a title for the risk.".into());
        } else if title.chars().count() > TITLE_MAX {
            err(
                RiskField::Title,
                format!("Keep the title to {TITLE_MAX} characters or fewer."),
            );
        }
        let description = self.description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            err(
                RiskField::Description,
                format!("Keep the description to {DESCRIPTION_MAX} characters or fewer."),
            );
        }
        let likelihood = parse_rating(&self.likelihood);
        if likelihood.is_none() {
            err(
                RiskField::Likelihood,
                "Choose a likelihood from 1 (rare) to 5 (almost certain).".into(),
            );
        }
        let impact = parse_rating(&self.impact);
        if impact.is_none() {
            err(
                RiskField::Impact,
                "Choose an impact from 1 (negligible) to 5 (severe).".into(),
            );
        }
        let owner = self.owner.trim();
        if owner.is_empty() {
            err(
                RiskField::Owner,
                "Name the person who owns this risk.".into(),
            );
        } else if owner.chars().count() > OWNER_MAX {
            err(
                RiskField::Owner,
                format!("Keep the owner to {OWNER_MAX} characters or fewer."),
            );
        }
        let treatment = Treatment::from_key(self.treatment.trim());
        if treatment.is_none() {
            err(
                RiskField::Treatment,
                "Choose a treatment: avoid, reduce, transfer or accept.".into(),
            );
        }
        let status = RiskStatus::from_key(self.status.trim());
        if status.is_none() {
            err(RiskField::Status, "Choose a status.".into());
        }
        let review_raw = self.review_date.trim();
        let review_date = if review_raw.is_empty() {
            Ok(None)
        } else {
            NaiveDate::parse_from_str(review_raw, "%Y-%m-%d").map(Some)
        };
        if review_date.is_err() {
            err(
                RiskField::ReviewDate,
                "Enter the review date as a date, for example 2027-03-31.".into(),
            );
        }

        match (likelihood, impact, treatment, status, review_date) {
            (Some(likelihood), Some(impact), Some(treatment), Some(status), Ok(review_date))
                if errors.is_empty() =>
            {
                Ok(Risk {
                    title: title.to_owned(),
                    description: description.to_owned(),
                    likelihood,
                    impact,
                    owner: owner.to_owned(),
                    treatment,
                    status,
                    review_date,
                })
            }
            _ => Err(errors),
        }
    }
}

fn parse_rating(s: &str) -> Option<u8> {
    s.trim().parse::<u8>().ok().filter(|v| (1..=5).contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RiskDraft {
        RiskDraft {
            title: "  Data centre flood ".into(),
            owner: "Ana".into(),
            review_date: "2027-01-31".into(),
            ..RiskDraft::new_risk()
        }
    }

    #[test]
    fn valid_draft_is_trimmed_and_parsed() {
        let r = valid().validate().unwrap();
        assert_eq!(r.title, "Data centre flood");
        assert_eq!((r.likelihood, r.impact, r.score()), (3, 3, 9));
        assert_eq!(r.band(), ScoreBand::Medium);
        assert_eq!(r.review_date, NaiveDate::from_ymd_opt(2027, 1, 31));
    }

    #[test]
    fn score_bands_cover_the_matrix() {
        let bands: Vec<_> = [1, 4, 5, 9, 10, 16, 20, 25].map(ScoreBand::of).to_vec();
        use ScoreBand::*;
        assert_eq!(
            bands,
            [Low, Low, Medium, Medium, High, High, Critical, Critical]
        );
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let d = RiskDraft {
            title: "   ".into(),
            likelihood: "6".into(),
            impact: "zero".into(),
            owner: "".into(),
            treatment: "ignore".into(),
            status: "".into(),
            review_date: "31/01/2027".into(),
            description: "x".repeat(DESCRIPTION_MAX + 1),
        };
        let errs = d.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, RiskField::ALL.to_vec());
        assert!(errs.iter().all(|e| !e.message.is_empty()));
        assert_eq!(
            d.field_error(RiskField::Likelihood).unwrap().message,
            "Choose a likelihood from 1 (rare) to 5 (almost certain)."
        );
    }

    #[test]
    fn empty_review_date_is_allowed_and_impossible_dates_are_not() {
        let mut d = valid();
        d.review_date = String::new();
        assert_eq!(d.validate().unwrap().review_date, None);
        d.review_date = "2027-02-30".into();
        assert_eq!(d.validate().unwrap_err()[0].field, RiskField::ReviewDate);
    }

    #[test]
    fn draft_round_trips_through_a_risk() {
        let r = valid().validate().unwrap();
        assert_eq!(RiskDraft::from_risk(&r).validate().unwrap(), r);
    }

    #[test]
    fn length_limits_count_characters_not_bytes() {
        let mut d = valid();
        d.title = "é".repeat(TITLE_MAX);
        assert!(d.validate().is_ok());
        d.title.push('é');
        assert_eq!(d.validate().unwrap_err()[0].field, RiskField::Title);
    }

    #[test]
    fn overdue_review_only_for_open_risks() {
        let mut r = valid().validate().unwrap();
        let today = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
        assert!(r.review_overdue(today));
        r.status = RiskStatus::Closed;
        assert!(!r.review_overdue(today));
    }
}
