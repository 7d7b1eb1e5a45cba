//! Generated workbooks of realistic size, for benchmarks and scale checks.
//!
//! Everything is derived from a seed by a small deterministic generator
//! ([`Rng`]), so the same seed always gives the same workbook, change for
//! change. Records are written as a form would hold them and pass
//! [`RecordDraft::validate`] like a person's input.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::registers::{self, RecordDraft};
use crate::{ActorBytes, ChangeContext, RecordId, Workbook, WorkbookError, WorkbookId};

/// How many services a generated workbook has; every incident links to one.
pub const SERVICE_COUNT: usize = 10;

/// The people who enter records, each on their own copy of the workbook.
pub const AUTHORS: [&str; 4] = ["Ana Costa", "Ben Harris", "Chen Wei", "Dara Okafor"];

/// Time span over which the incidents of a generated workbook are opened.
const SPAN_DAYS: i64 = 730;

const SERVICES: [(&str, &str); SERVICE_COUNT] = [
    (
        "Email and calendars",
        "Hosted mailboxes, shared calendars and mobile mail for customer staff.",
    ),
    (
        "Payroll",
        "Monthly and weekly payroll runs, payslips and year-end reporting.",
    ),
    (
        "Customer portal",
        "Web portal where customers raise requests and follow their tickets.",
    ),
    (
        "Remote access VPN",
        "VPN for staff working from home or travelling, with two-factor sign-in.",
    ),
    (
        "Service desk",
        "Telephone and email support for customer staff from 07:00 to 19:00.",
    ),
    (
        "File storage",
        "Shared drives and team folders with version history.",
    ),
    (
        "Backup and restore",
        "Nightly backups of servers and mailboxes, with restores on request.",
    ),
    (
        "ERP hosting",
        "Hosted finance and stock control system for manufacturing customers.",
    ),
    (
        "Web hosting",
        "Hosting of customer websites with certificates and monitoring.",
    ),
    (
        "Identity and access",
        "Accounts, single sign-on and password resets for every service.",
    ),
];

const OWNERS: [&str; 5] = [
    "Helen Marsh",
    "Kofi Mensah",
    "Priya Nair",
    "Sam Okafor",
    "Tom Becker",
];

const ASSIGNEES: [&str; 8] = [
    "Ana Costa",
    "Ben Harris",
    "Chen Wei",
    "Dara Okafor",
    "Elif Demir",
    "Femi Adeyemi",
    "Greta Lund",
    "Hiro Sato",
];

const SYMPTOMS: [&str; 12] = [
    "Slow response",
    "Sign-in failures",
    "Timeouts",
    "Data not synchronising",
    "Error 500 on save",
    "Certificate expired",
    "Disk nearly full",
    "Overnight job failed",
    "Users cannot connect",
    "Intermittent outage",
    "Missing emails",
    "Reports show wrong totals",
];

const CUSTOMERS: [&str; 6] = [
    "Harbourline Logistics",
    "Corvell Engineering",
    "Brightwater Clinics",
    "Meridian Foods",
    "Ostara Legal",
    "Kestrel Schools",
];

const SENTENCES: [&str; 14] = [
    "Several users report the problem since the morning.",
    "Monitoring raised an alert before the first call came in.",
    "The service desk reproduced it with a test account.",
    "Only users on the second site seem to be affected.",
    "A workaround is to retry after a few minutes.",
    "The last change to this service was deployed yesterday evening.",
    "Logs show repeated timeout errors from the database server.",
    "The customer asks for an update every hour until it is fixed.",
    "Users working from home see it more often than users in the office.",
    "No data loss is expected, but some entries may need to be checked.",
    "The supplier was contacted and opened a ticket on their side.",
    "It started after the nightly backup window overran.",
    "Affected users were told by email and on the status page.",
    "The fault clears after a restart but comes back within a day.",
];

const RESOLUTIONS: [&str; 6] = [
    "Restarted the application pool and cleared the cache.",
    "Renewed the certificate and added a reminder 30 days before expiry.",
    "Extended the disk and removed old log files.",
    "Rolled back yesterday's change; a fixed version follows as a normal change.",
    "The supplier fixed a fault on their network link.",
    "Corrected a wrong permission on the shared folder.",
];

/// A small deterministic pseudo-random generator (SplitMix64). Not for
/// anything that must be unpredictable.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for generated data.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with a probability of `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn bytes16(&mut self) -> [u8; 16] {
        let mut b = [0; 16];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        b
    }

    pub fn record_id(&mut self) -> RecordId {
        RecordId::from_random(self.bytes16())
    }
}

fn form_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn invalid(what: &str, why: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Document(format!("generated {what}: {why}"))
}

/// The form values of one incident of `service` (whose name is
/// `service_name`), opened at `opened`: title, times, impact, urgency,
/// assignee, flags, a description of 100 to 300 characters, a resolution
/// once resolved, and the status.
pub fn incident_draft(
    rng: &mut Rng,
    service: &RecordId,
    service_name: &str,
    opened: NaiveDateTime,
) -> RecordDraft {
    let def = registers::register("incident").expect("incident register");
    let mut d = RecordDraft::new(def);
    let symptom = rng.pick(&SYMPTOMS);
    d.set("title", format!("{symptom} — {service_name}"));
    d.set("service", service.as_str());
    d.set("opened", form_time(opened));
    let responded = opened + Duration::minutes(5 + rng.below(115) as i64);
    d.set("responded", form_time(responded));
    let levels = ["low", "medium", "high"];
    d.set("impact", *rng.pick(&levels));
    d.set("urgency", *rng.pick(&levels));
    d.set("assignee", *rng.pick(&ASSIGNEES));
    d.set("escalated", if rng.chance(15) { "true" } else { "false" });
    d.set("major", if rng.chance(3) { "true" } else { "false" });

    let mut text = format!(
        "Reported by {} staff at {}. ",
        rng.pick(&CUSTOMERS),
        opened.format("%H:%M")
    );
    let target = 100 + rng.below(200) as usize;
    while text.len() < target {
        let s = rng.pick(&SENTENCES);
        if text.len() + s.len() + 1 > 300 {
            break;
        }
        text.push_str(s);
        text.push(' ');
    }
    d.set("description", text.trim_end());

    let status = match rng.below(100) {
        0..=59 => "closed",
        60..=79 => "resolved",
        80..=91 => "in_progress",
        _ => "open",
    };
    d.set("status", status);
    if matches!(status, "resolved" | "closed") {
        let resolved = responded + Duration::minutes(20 + rng.below(72 * 60) as i64);
        d.set("resolved", form_time(resolved));
        d.set("resolution", *rng.pick(&RESOLUTIONS));
        if status == "closed" {
            let closed = resolved + Duration::minutes(60 + rng.below(48 * 60) as i64);
            d.set("closed", form_time(closed));
        }
    }
    d
}

/// A workbook with [`SERVICE_COUNT`] services and `n` incidents, each
/// incident linked to one of the services, everything derived from `seed`.
///
/// The workbook is created at `at`; the services are entered first, then
/// each of the [`AUTHORS`] enters about a quarter of the incidents on their
/// own copy (so the document has several actors and concurrent changes),
/// and the copies are merged. Incidents are opened over the two years after
/// `at`, in order, and entered a few minutes after they were opened.
pub fn incidents(n: usize, seed: u64, at: DateTime<Utc>) -> Result<Workbook, WorkbookError> {
    let mut rng = Rng::new(seed);
    let admin = ChangeContext::new(AUTHORS[0], at);
    let mut wb = Workbook::create(
        WorkbookId::from_random(rng.bytes16()),
        "Generated incidents",
        ActorBytes(rng.bytes16()),
        &admin,
    )?;

    let service_def = registers::register("service").expect("service register");
    let mut services = Vec::with_capacity(SERVICE_COUNT);
    for (i, (name, description)) in SERVICES.iter().enumerate() {
        let mut d = RecordDraft::new(service_def);
        d.set("name", *name);
        d.set("description", *description);
        d.set("owner", *rng.pick(&OWNERS));
        d.set("lifecycle", "live");
        d.set("criticality", *rng.pick(&["medium", "high", "critical"]));
        let record = d
            .validate(service_def)
            .map_err(|e| invalid(name, format!("{e:?}")))?;
        let id = rng.record_id();
        let ctx = ChangeContext::new(AUTHORS[0], at + Duration::minutes(i as i64));
        wb.add_record("service", &id, &record, &ctx)?;
        services.push((id, *name));
    }

    // One copy per author; the first author keeps the original.
    let mut copies = vec![wb];
    for _ in 1..AUTHORS.len() {
        let actor = ActorBytes(rng.bytes16());
        let copy = copies[0].fork(actor);
        copies.push(copy);
    }

    let incident_def = registers::register("incident").expect("incident register");
    let start = at.naive_utc() + Duration::hours(1);
    let step_minutes = (SPAN_DAYS * 24 * 60 / n.max(1) as i64).max(1);
    for i in 0..n {
        let opened = start
            + Duration::minutes(i as i64 * step_minutes + rng.below(step_minutes as u64) as i64);
        let (service, name) = rng.pick(&services);
        let draft = incident_draft(&mut rng, service, name, opened);
        let record = draft
            .validate(incident_def)
            .map_err(|e| invalid("incident", format!("{e:?}")))?;
        let author = rng.below(AUTHORS.len() as u64) as usize;
        let entered = opened + Duration::minutes(1 + rng.below(30) as i64);
        let ctx = ChangeContext::new(AUTHORS[author], entered.and_utc());
        let id = rng.record_id();
        copies[author].add_record("incident", &id, &record, &ctx)?;
    }

    let mut copies = copies.into_iter();
    let mut wb = copies.next().expect("first copy");
    for mut copy in copies {
        wb.merge(&mut copy)?;
    }
    Ok(wb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn generated_workbook_has_the_records_and_is_deterministic() {
        let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut a = incidents(40, 7, at).unwrap();
        let mut b = incidents(40, 7, at).unwrap();
        let mut c = incidents(40, 8, at).unwrap();

        assert_eq!(a.records("incident").len(), 40);
        assert_eq!(a.records("service").len(), SERVICE_COUNT);
        let authors: std::collections::BTreeSet<String> = a
            .records("incident")
            .iter()
            .filter_map(|(id, _)| a.record_info(id))
            .map(|info| info.created_by)
            .collect();
        assert!(authors.len() >= 3, "{authors:?}");

        assert_eq!(a.records("incident"), b.records("incident"));
        assert_eq!(a.heads(), b.heads());
        assert_eq!(a.save(), b.save());
        assert_ne!(a.heads(), c.heads());
    }
}
