//! The demo workbook a first visit opens: a small, realistic risk register of
//! a fictional IT service provider, so people can try everything at once.

use chrono::NaiveDate;

use crate::{
    ActorBytes, ChangeContext, RecordId, Risk, RiskStatus, Treatment, Workbook, WorkbookError,
    WorkbookId,
};

pub const DEMO_NAME: &str = "Northwind IT Services — demo workbook";

/// (title, description, likelihood, impact, owner, treatment, status, review date)
type Row = (
    &'static str,
    &'static str,
    u8,
    u8,
    &'static str,
    Treatment,
    RiskStatus,
    Option<(i32, u32, u32)>,
);

const RISKS: &[Row] = &[
    (
        "Single data centre power feed",
        "The primary data centre has one utility feed; a prolonged outage exceeds UPS runtime and stops hosted services.",
        2, 5, "Priya Nair", Treatment::Reduce, RiskStatus::Treating, Some((2027, 1, 15)),
    ),
    (
        "Key supplier for backup storage in financial difficulty",
        "The backup storage supplier announced restructuring; service continuity of backups depends on them.",
        3, 4, "Tom Becker", Treatment::Transfer, RiskStatus::Assessed, Some((2026, 12, 20)),
    ),
    (
        "Change approvals bypassed for urgent fixes",
        "Emergency changes are sometimes implemented before approval and not reviewed afterwards.",
        4, 3, "Lena Ortiz", Treatment::Reduce, RiskStatus::Treating, Some((2027, 2, 28)),
    ),
    (
        "Service desk knowledge held by two people",
        "Most resolution knowledge for legacy payroll service is undocumented and held by two analysts.",
        3, 3, "Sam Okafor", Treatment::Reduce, RiskStatus::Identified, None,
    ),
    (
        "Phishing leads to compromised admin account",
        "Administrators receive targeted phishing; one compromised account gives access to customer systems.",
        4, 5, "Priya Nair", Treatment::Reduce, RiskStatus::Monitoring, Some((2027, 3, 31)),
    ),
    (
        "Opportunity: automate SLA reporting",
        "Monthly SLA reports are assembled by hand; automating them frees two days a month and reduces errors.",
        4, 2, "Lena Ortiz", Treatment::Accept, RiskStatus::Assessed, Some((2027, 4, 30)),
    ),
    (
        "Heat waves overload server room cooling",
        "Climate-related: longer summer heat waves push the secondary server room above its cooling capacity.",
        2, 4, "Tom Becker", Treatment::Avoid, RiskStatus::Identified, Some((2027, 5, 31)),
    ),
    (
        "Licence audit finds under-licensed database servers",
        "Virtual machine growth outpaced database licences; a vendor audit could bring unplanned costs.",
        1, 3, "Sam Okafor", Treatment::Accept, RiskStatus::Closed, None,
    ),
];

/// Builds the demo workbook. `next_id` supplies record ids (random in the app,
/// fixed in tests).
pub fn build(
    id: WorkbookId,
    actor: ActorBytes,
    ctx: &ChangeContext,
    mut next_id: impl FnMut() -> RecordId,
) -> Result<Workbook, WorkbookError> {
    let mut wb = Workbook::create(id, DEMO_NAME, actor, ctx)?;
    for (title, description, likelihood, impact, owner, treatment, status, review) in RISKS {
        let risk = Risk {
            title: (*title).into(),
            description: (*description).into(),
            likelihood: *likelihood,
            impact: *impact,
            owner: (*owner).into(),
            treatment: *treatment,
            status: *status,
            review_date: review.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        };
        wb.add_risk(&next_id(), &risk, ctx)?;
    }
    Ok(wb)
}
