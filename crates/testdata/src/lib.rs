//! Generated workbooks of realistic size, for benchmarks and scale checks.
//!
//! Everything is derived from a seed by a small deterministic generator
//! ([`Rng`]), so the same seed always gives the same workbook, change for
//! change. Records are written as a form would hold them and pass
//! [`RecordDraft::validate`] like a person's input.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc};

use sms_core::registers::{self, Record, RecordDraft, RegisterDef};
use sms_core::{ActorBytes, ChangeContext, RecordId, Workbook, WorkbookError, WorkbookId};

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

// ---- a workbook of every register ------------------------------------------

/// Rounds of work in [`workbook`]: in each, every one of the [`AUTHORS`]
/// works on their own copy, then the copies are merged and everyone carries
/// on from the merged workbook. A last, shorter round only updates records.
pub const ROUNDS: usize = 4;

/// Days after its creation time that a workbook from [`workbook`] covers:
/// a day of setting up, [`ROUNDS`] rounds over two years, then a month of
/// updates. Changes made at `at + Duration::days(WORKBOOK_DAYS)` or later
/// (see [`edits`]) come after everything in it.
pub const WORKBOOK_DAYS: i64 = 1 + SPAN_DAYS + LAST_ROUND_DAYS + 1;

/// Length of the last round of [`workbook`], which only updates records.
const LAST_ROUND_DAYS: i64 = 30;

/// How many records of a register a workbook of `n` records has: `per_10k`
/// per ten thousand records, at least `min` (less in a workbook of under
/// `200 * min` records) and at most `max`.
struct Share {
    register: &'static str,
    per_10k: usize,
    min: usize,
    max: usize,
}

const fn share(register: &'static str, per_10k: usize, min: usize, max: usize) -> Share {
    Share {
        register,
        per_10k,
        min,
        max,
    }
}

/// Registers filled in while the SMS is set up, before anyone works on a
/// copy of their own, in an order where link targets come first.
const SETUP: [Share; 15] = [
    share("context_issue", 10, 2, 12),
    share("interested_party", 10, 2, 10),
    share("role", 10, 2, 15),
    share("document", 40, 2, 120),
    share("policy", 4, 1, 6),
    share("customer", 40, 2, 60),
    share("service", 40, 3, 40),
    share("supplier", 25, 1, 40),
    share("sla", 30, 1, 60),
    share("objective", 5, 1, 12),
    share("scope", 0, 1, 1),
    share("audit", 8, 1, 24),
    share("resource", 5, 1, 20),
    share("plan_item", 5, 1, 20),
    share("communication", 5, 1, 15),
];

/// Registers that grow while the services run; incidents take the records
/// left over (about 55%).
const ONGOING: [Share; 26] = [
    share("service_request", 1300, 1, usize::MAX),
    share("change", 1200, 1, usize::MAX),
    share("problem", 300, 1, usize::MAX),
    share("config_item", 200, 1, usize::MAX),
    share("sla_result", 200, 1, usize::MAX),
    share("action", 150, 1, usize::MAX),
    share("availability", 100, 1, usize::MAX),
    share("knowledge", 100, 1, usize::MAX),
    share("asset", 100, 1, usize::MAX),
    share("release", 80, 1, usize::MAX),
    share("risk", 80, 1, 400),
    share("measurement", 60, 1, usize::MAX),
    share("service_report", 50, 1, usize::MAX),
    share("improvement", 50, 1, usize::MAX),
    share("security_control", 40, 1, 93),
    share("security_incident", 40, 1, usize::MAX),
    share("complaint", 40, 1, usize::MAX),
    share("audit_finding", 40, 1, usize::MAX),
    share("nonconformity", 30, 1, usize::MAX),
    share("capacity", 30, 1, usize::MAX),
    share("budget", 30, 1, usize::MAX),
    share("continuity", 20, 1, usize::MAX),
    share("service_design", 20, 1, usize::MAX),
    share("competence", 20, 1, usize::MAX),
    share("supplier_dispute", 10, 1, usize::MAX),
    share("management_review", 4, 1, 8),
];

/// Registers whose records need a record of another register (a required
/// link): none are made when there is no target.
const NEEDS: [(&str, &str); 5] = [
    ("sla", "service"),
    ("sla_result", "sla"),
    ("availability", "service"),
    ("audit_finding", "audit"),
    ("supplier_dispute", "supplier"),
];

/// How many records of each register [`workbook`] makes for `n` records:
/// the setup registers first, then the ones that grow, incidents last.
/// The counts add up to `n` exactly.
pub fn mix(n: usize) -> Vec<(&'static str, usize)> {
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    let mut left = n;
    for s in SETUP.iter().chain(ONGOING.iter()) {
        let min = if s.register == "service" {
            s.min
        } else {
            s.min.min(n / 200)
        };
        let mut count = (n * s.per_10k / 10_000).max(min).min(s.max).min(left);
        if let Some((_, target)) = NEEDS.iter().find(|(r, _)| *r == s.register) {
            if !out.iter().any(|(r, c)| r == target && *c > 0) {
                count = 0;
            }
        }
        left -= count;
        out.push((s.register, count));
    }
    out.push(("incident", left));
    out
}

fn is_setup(register: &str) -> bool {
    SETUP.iter().any(|s| s.register == register)
}

/// Percentage of a register's records that are updated later, by someone
/// else (a status moving on, most often).
fn edit_percent(register: &str) -> u64 {
    match register {
        "incident" => 18,
        "service_request" => 15,
        "change" | "risk" | "management_review" | "service_design" | "plan_item" | "objective" => {
            30
        }
        "problem" | "action" | "improvement" | "complaint" | "security_incident" | "release"
        | "supplier_dispute" => 40,
        "nonconformity" => 50,
        "audit" => 70,
        _ => 10,
    }
}

const MORE_SERVICES: [&str; 30] = [
    "Managed firewall",
    "Network monitoring",
    "Printing",
    "Laptop provisioning",
    "Database hosting",
    "Video conferencing",
    "Telephony",
    "Website content management",
    "Data warehouse",
    "Mobile device management",
    "Endpoint security",
    "Laptop backup",
    "Development and test environments",
    "Guest Wi-Fi",
    "Colocation",
    "DNS and domains",
    "Email security gateway",
    "Document management",
    "HR system",
    "Time and attendance",
    "CRM hosting",
    "Online shop hosting",
    "Secure file transfer",
    "Log management",
    "Patch management",
    "Server hosting",
    "Desktop support",
    "Joiners and leavers",
    "Software licensing",
    "Managed SD-WAN",
];

const COMPANY: [&str; 12] = [
    "Harbourline",
    "Corvell",
    "Brightwater",
    "Meridian",
    "Ostara",
    "Kestrel",
    "Fenwick",
    "Alder",
    "Bramble",
    "Cobalt",
    "Dunmore",
    "Elmstead",
];

const CUSTOMER_KIND: [&str; 10] = [
    "Logistics",
    "Engineering",
    "Clinics",
    "Foods",
    "Legal",
    "Schools",
    "Housing",
    "Retail",
    "Insurance",
    "Council",
];

const SUPPLIER_KIND: [&str; 8] = [
    "Networks",
    "Data Centres",
    "Software",
    "Hardware",
    "Cloud",
    "Telecom",
    "Security",
    "Facilities",
];

/// Everyone who can own, hold or be assigned something.
const PEOPLE: [&str; 13] = [
    "Ana Costa",
    "Ben Harris",
    "Chen Wei",
    "Dara Okafor",
    "Elif Demir",
    "Femi Adeyemi",
    "Greta Lund",
    "Hiro Sato",
    "Helen Marsh",
    "Kofi Mensah",
    "Priya Nair",
    "Sam Okafor",
    "Tom Becker",
];

/// Customers' staff, who raise requests.
const REQUESTERS: [&str; 8] = [
    "Mei Chen",
    "Robert Ashdown",
    "Lucy Brennan",
    "Omar Haddad",
    "Ines Moreau",
    "Jakub Nowak",
    "Aisha Bello",
    "Tomas Lindqvist",
];

const REQUESTS: [&str; 12] = [
    "New mailbox",
    "Password reset",
    "Restore a deleted folder",
    "Access to a shared drive",
    "New laptop",
    "VPN access for a contractor",
    "Add a user to payroll",
    "Increase mailbox quota",
    "New distribution list",
    "Remove a leaver's accounts",
    "Install approved software",
    "Extra storage for a team",
];

const CHANGES: [&str; 12] = [
    "Apply monthly security patches",
    "Upgrade the database server",
    "Renew TLS certificates",
    "Add capacity to the storage cluster",
    "Replace the core switch",
    "Move to the new backup schedule",
    "Enable two-factor sign-in",
    "Upgrade the application to the next release",
    "Change firewall rules",
    "Decommission an old server",
    "Add a second internet link",
    "Tune the connection pool",
];

const CHANGE_TEXT: [&str; 10] = [
    "Planned in the Saturday maintenance window.",
    "Tested in the staging environment last week.",
    "The supplier confirmed the steps and will be on call.",
    "Customers were told five working days in advance.",
    "The change is repeatable and follows the standard checklist.",
    "Monitoring will be watched for an hour afterwards.",
    "A backup is taken before the first step.",
    "Only one node is changed at a time, so the service stays up.",
    "Needed to keep the service within its support lifecycle.",
    "Reduces the incidents seen over the last quarter.",
];

const GENERAL: [&str; 12] = [
    "Reviewed with the service owners at the monthly meeting.",
    "Customers asked for this at their last service review.",
    "The evidence is kept in the document register.",
    "It affects every service in the catalogue.",
    "Progress is reported to management each quarter.",
    "Staff were briefed at the team meeting.",
    "The supplier's contract was checked for the same point.",
    "Figures come from the service desk tool and monitoring.",
    "The last internal audit looked at this area.",
    "Costs are within the approved budget.",
    "The risk owner agreed the approach.",
    "Two customers depend on this more than the others.",
];

const UPDATES: [&str; 10] = [
    "Discussed at the weekly service review.",
    "The customer confirmed the workaround is acceptable.",
    "Updated after a call with the supplier.",
    "Checked again; no change since the last update.",
    "Handed over to the next shift with notes.",
    "Waiting for the customer to confirm.",
    "Raised with the service owner.",
    "Evidence added to the shared folder.",
    "Follow-up agreed for next week.",
    "The figures were corrected after a second look.",
];

const RISKS: [&str; 12] = [
    "Loss of the primary data centre",
    "Key engineer leaves",
    "Ransomware on customer file shares",
    "Supplier fails to renew support",
    "Backups cannot be restored in time",
    "Certificate expires unnoticed",
    "Capacity runs out at month end",
    "Customer data sent to the wrong person",
    "New customer onboarding overloads the service desk",
    "Heat wave exceeds cooling in the server room",
    "Shared admin passwords",
    "Automate routine requests",
];

const ACTIONS: [&str; 12] = [
    "Update the procedure",
    "Train the service desk",
    "Add a monitoring alert",
    "Review supplier performance",
    "Test the restore process",
    "Replace ageing hardware",
    "Document the workaround",
    "Agree new targets with the customer",
    "Remove unused accounts",
    "Check the change records",
    "Run a tabletop exercise",
    "Publish a knowledge article",
];

const CLAUSES: [&str; 12] = [
    "4.4", "5.2", "6.1", "7.2", "7.5", "8.2.6", "8.3.3", "8.5.1", "8.6.1", "8.6.3", "9.2", "10.1",
];

const FINDINGS: [&str; 8] = [
    "Change records without a post-implementation review",
    "Supplier reviews not held as planned",
    "Knowledge articles past their review date",
    "Incident priorities set inconsistently",
    "CMDB entries not verified this year",
    "Training records incomplete",
    "Good use of service reports with customers",
    "Continuity test results not followed up",
];

const CI_KINDS: [(&str, &str); 6] = [
    ("srv", "hardware"),
    ("app", "software"),
    ("vm", "cloud"),
    ("sw", "network"),
    ("cmp", "component"),
    ("doc", "document"),
];

const WORKAROUNDS: [&str; 4] = [
    "Restart the service; it clears for about a day.",
    "Route users to the secondary site until fixed.",
    "Run the job by hand after the backup window.",
    "Ask users to sign in again through the portal.",
];

/// Statuses that end a record without it moving on, skipped when a record
/// progresses.
const DEAD_ENDS: [&str; 9] = [
    "rejected",
    "withdrawn",
    "cancelled",
    "failed",
    "missed",
    "expired",
    "retired",
    "rolled_back",
    "not_applicable",
];

/// Fields a record gets when its status moves on, left empty while it is
/// still early.
const CLOSURE: [&str; 11] = [
    "resolved",
    "closed",
    "resolution",
    "fulfilled",
    "completed_on",
    "closed_on",
    "conducted",
    "effectiveness",
    "checked_on",
    "evaluation",
    "summary",
];

fn form_date(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()
}

/// `list[i]`, with a number after it once the list is used up.
fn numbered(list: &[&str], i: usize) -> String {
    if i < list.len() {
        list[i].to_owned()
    } else {
        format!("{} {}", list[i % list.len()], i / list.len() + 1)
    }
}

fn service_name(i: usize) -> String {
    match i {
        i if i < SERVICES.len() => SERVICES[i].0.to_owned(),
        i if i < SERVICES.len() + MORE_SERVICES.len() => {
            MORE_SERVICES[i - SERVICES.len()].to_owned()
        }
        i => format!("{} {}", MORE_SERVICES[i % MORE_SERVICES.len()], i / 40 + 1),
    }
}

fn company(i: usize, kinds: &[&str]) -> String {
    let name = format!(
        "{} {}",
        COMPANY[i % COMPANY.len()],
        kinds[(i / COMPANY.len() + i) % kinds.len()]
    );
    match i / (COMPANY.len() * kinds.len()) {
        0 => name,
        k => format!("{name} {}", k + 1),
    }
}

/// The status field of a register and its options in the order records
/// move through them, without dead ends; `None` when records of the
/// register have no such progression.
fn progression(def: &RegisterDef) -> Option<Vec<&'static str>> {
    if matches!(def.id, "resource" | "asset" | "customer") {
        return None;
    }
    let f = def.field("status")?;
    let registers::Kind::Choice(options) = f.kind else {
        return None;
    };
    let steps: Vec<&'static str> = options
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !DEAD_ENDS.contains(k))
        .collect();
    (steps.len() >= 2).then_some(steps)
}

/// A record that has been made by someone, in some round.
struct Made {
    id: RecordId,
    round: usize,
    author: usize,
    /// Its title, for records whose title others quote.
    label: String,
}

/// An update planned for a later round.
#[derive(Clone)]
struct Planned {
    at: NaiveDateTime,
    author: usize,
    id: RecordId,
}

enum Task {
    Create(&'static str),
    Edit(Planned),
}

/// How a record is updated.
#[derive(Clone, Copy, Debug)]
enum EditKind {
    /// Its status moves on (with what goes with it, like a resolution).
    Status,
    /// A sentence added to a long text.
    Text,
    /// Someone else holds it.
    Person,
}

/// Applies one kind of update to a draft; `false` if the record has
/// nothing of that kind to update.
fn apply_edit(
    rng: &mut Rng,
    def: &RegisterDef,
    d: &mut RecordDraft,
    kind: EditKind,
    at: NaiveDateTime,
) -> bool {
    match kind {
        EditKind::Status => advance(rng, def, d, at),
        EditKind::Text => {
            let fields: Vec<&'static str> = def
                .fields
                .iter()
                .filter(|f| matches!(f.kind, registers::Kind::LongText { .. }))
                .map(|f| f.key)
                .collect();
            if fields.is_empty() {
                return false;
            }
            let key = *rng.pick(&fields);
            let line = format!("{}: {}", at.format("%-d %b %Y"), rng.pick(&UPDATES));
            let old = d.get(key).to_owned();
            d.set(
                key,
                if old.is_empty() {
                    line
                } else {
                    format!("{old} {line}")
                },
            );
            true
        }
        EditKind::Person => {
            let fields: Vec<&'static str> = def
                .fields
                .iter()
                .filter(|f| matches!(f.kind, registers::Kind::Person))
                .map(|f| f.key)
                .collect();
            if fields.is_empty() {
                return false;
            }
            let key = *rng.pick(&fields);
            let old = d.get(key).to_owned();
            let mut who = *rng.pick(&PEOPLE);
            while who == old {
                who = *rng.pick(&PEOPLE);
            }
            d.set(key, who);
            true
        }
    }
}

/// `record` of `def` after one update of `kind` made at `at` (another kind
/// if it has nothing of that kind), validated like a form.
fn edited(
    rng: &mut Rng,
    def: &RegisterDef,
    record: &Record,
    kind: EditKind,
    at: NaiveDateTime,
) -> Result<Record, WorkbookError> {
    for k in [kind, EditKind::Text, EditKind::Person] {
        let mut d = RecordDraft::from_record(def, record);
        if apply_edit(rng, def, &mut d, k, at) {
            return d
                .validate(def)
                .map_err(|e| invalid(def.singular, format!("{e:?}")));
        }
    }
    Err(invalid(def.singular, "nothing to update"))
}

/// Moves a record's status on by one or two steps, filling in what goes
/// with the new status; `false` when it cannot move on.
fn advance(rng: &mut Rng, def: &RegisterDef, d: &mut RecordDraft, at: NaiveDateTime) -> bool {
    match def.id {
        "change" => match d.get("decision") {
            "pending" => {
                d.set(
                    "decision",
                    if rng.chance(90) {
                        "approved"
                    } else {
                        "rejected"
                    },
                );
                d.set("decided_on", form_date(at));
                if d.get("approver").is_empty() {
                    d.set("approver", *rng.pick(&OWNERS));
                }
                true
            }
            "approved" if d.get("outcome").is_empty() => {
                let when = parse_time(d.get("scheduled")).map_or(at, |s| s.min(at));
                d.set(
                    "implemented",
                    form_time(when + Duration::minutes(20 + rng.below(160) as i64)),
                );
                d.set("outcome", change_outcome(rng));
                true
            }
            _ => false,
        },
        "release" => {
            if d.get("outcome") != "planned" {
                return false;
            }
            d.set("outcome", "deployed");
            d.set("deployed", form_time(at));
            true
        }
        _ => {
            let Some(steps) = progression(def) else {
                return false;
            };
            let current = d.get("status").to_owned();
            let Some(i) = steps.iter().position(|s| *s == current) else {
                return false;
            };
            if i + 1 >= steps.len() {
                return false;
            }
            let step = if i + 2 < steps.len() && rng.chance(40) {
                2
            } else {
                1
            };
            let next = steps[i + step];
            d.set("status", next);
            fill_closure(rng, def, d, next, at);
            true
        }
    }
}

/// Fills in what goes with a record reaching `status` at `at` (resolution
/// times, dates, texts), where still empty.
fn fill_closure(
    rng: &mut Rng,
    def: &RegisterDef,
    d: &mut RecordDraft,
    status: &str,
    at: NaiveDateTime,
) {
    let has = |key: &str| def.field(key).is_some();
    let opened = parse_time(d.get("opened"));
    let later = |rng: &mut Rng, from: Option<NaiveDateTime>| match from {
        Some(t) => (t + Duration::minutes(20 + rng.below(72 * 60) as i64)).min(at),
        None => at,
    };
    if matches!(status, "resolved" | "closed" | "fulfilled") {
        for key in ["resolved", "fulfilled"] {
            if has(key) && d.get(key).is_empty() {
                let t = later(rng, opened);
                d.set(key, form_time(t));
            }
        }
        if has("resolution") && d.get("resolution").is_empty() {
            d.set("resolution", *rng.pick(&RESOLUTIONS));
        }
    }
    if status == "closed"
        && matches!(
            def.field("closed").map(|f| f.kind),
            Some(registers::Kind::DateTime)
        )
        && d.get("closed").is_empty()
    {
        let from = parse_time(d.get("resolved")).or(opened);
        let t = later(rng, from);
        d.set("closed", form_time(t));
    }
    if matches!(status, "done" | "closed") {
        for key in ["completed_on", "closed_on"] {
            if has(key) && d.get(key).is_empty() {
                d.set(key, form_date(at));
            }
        }
    }
    match (def.id, status) {
        ("audit", "in_progress" | "reported" | "closed") => {
            if d.get("conducted").is_empty() {
                d.set("conducted", form_date(at));
            }
            if status != "in_progress" && d.get("summary").is_empty() {
                d.set(
                    "summary",
                    "Two minor nonconformities and three observations; see the findings.",
                );
            }
        }
        ("problem", "known_error") => {
            d.set("known_error", "true");
            if d.get("workaround").is_empty() {
                d.set("workaround", *rng.pick(&WORKAROUNDS));
            }
        }
        ("nonconformity", "closed") => {
            if d.get("effectiveness").is_empty() {
                d.set("effectiveness", "Checked three months later: no repeat.");
            }
            d.set("checked_on", form_date(at));
        }
        ("improvement", "done") if d.get("evaluation").is_empty() => {
            d.set(
                "evaluation",
                "Measured after a quarter: the expected benefit was reached.",
            );
        }
        _ => {}
    }
}

fn change_outcome(rng: &mut Rng) -> &'static str {
    match rng.below(100) {
        0..=87 => "successful",
        88..=92 => "partial",
        93..=95 => "failed",
        _ => "rolled_back",
    }
}

/// The state of [`workbook`] while it is being made.
struct Gen {
    rng: Rng,
    made: BTreeMap<&'static str, Vec<Made>>,
    /// The round being worked on: 0 while setting up.
    round: usize,
    /// When the rounds start, and how long the creation rounds last.
    start: NaiveDateTime,
    span_minutes: i64,
    /// Updates planned, by round.
    planned: Vec<Vec<Planned>>,
}

impl Gen {
    /// Start and length (minutes) of a round.
    fn window(&self, round: usize) -> (NaiveDateTime, i64) {
        let per = self.span_minutes / ROUNDS as i64;
        if round > ROUNDS {
            (
                self.start + Duration::minutes(self.span_minutes),
                LAST_ROUND_DAYS * 24 * 60,
            )
        } else {
            (
                self.start + Duration::minutes(per * (round as i64 - 1)),
                per,
            )
        }
    }

    fn time_in(&mut self, round: usize) -> NaiveDateTime {
        let (from, minutes) = self.window(round);
        from + Duration::minutes(self.rng.below(minutes as u64) as i64)
    }

    fn other_author(&mut self, author: usize) -> usize {
        (author + 1 + self.rng.below(AUTHORS.len() as u64 - 1) as usize) % AUTHORS.len()
    }

    fn count(&self, register: &str) -> usize {
        self.made.get(register).map_or(0, Vec::len)
    }

    /// A record of a setup register, early ones more often (a few services
    /// and customers have most of the work).
    fn setup_pick(&mut self, register: &str) -> Option<(RecordId, String)> {
        let len = self.count(register) as u64;
        if len == 0 {
            return None;
        }
        let upto = self.rng.below(len) + 1;
        let i = self.rng.below(upto) as usize;
        let m = &self.made[register][i];
        Some((m.id.clone(), m.label.clone()))
    }

    /// A recent record of `register` that `author` has on their copy: one
    /// from an earlier round, or one they made themselves in this round.
    fn visible(&mut self, register: &str, author: usize) -> Option<RecordId> {
        const RECENT: u64 = 400;
        let round = self.round;
        let len = self.count(register);
        if len == 0 {
            return None;
        }
        let v = &self.made[register];
        for _ in 0..4 {
            let i = len - 1 - self.rng.below(RECENT.min(len as u64)) as usize;
            if v[i].round < round || v[i].author == author {
                return Some(v[i].id.clone());
            }
        }
        let settled = v.partition_point(|m| m.round < round);
        if settled == 0 {
            return None;
        }
        let i = settled - 1 - self.rng.below(RECENT.min(settled as u64)) as usize;
        Some(v[i].id.clone())
    }

    /// Up to `max` (at least one if any) distinct visible records, as a
    /// link field holds them.
    fn visible_many(&mut self, register: &str, author: usize, max: u64) -> String {
        let want = 1 + self.rng.below(max);
        let mut ids: Vec<RecordId> = Vec::new();
        for _ in 0..want {
            if let Some(id) = self.visible(register, author) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        join(&ids)
    }

    /// Up to `max` distinct setup records, as a link field holds them.
    fn setup_many(&mut self, register: &str, max: u64) -> String {
        let want = 1 + self.rng.below(max);
        let mut ids: Vec<RecordId> = Vec::new();
        for _ in 0..want {
            if let Some((id, _)) = self.setup_pick(register) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        join(&ids)
    }

    /// Sentences from `pool` making about `min` to `max` characters.
    fn prose(&mut self, pool: &[&str], min: usize, max: usize) -> String {
        let target = min + self.rng.below((max - min) as u64 + 1) as usize;
        let mut text = String::new();
        for _ in 0..8 {
            let s = self.rng.pick(pool);
            if text.contains(s) {
                continue;
            }
            if !text.is_empty() && text.len() + s.len() + 1 > max {
                break;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(s);
            if text.len() >= target {
                break;
            }
        }
        text
    }

    fn person(&mut self) -> &'static str {
        PEOPLE[self.rng.below(PEOPLE.len() as u64) as usize]
    }

    fn owner(&mut self) -> &'static str {
        OWNERS[self.rng.below(OWNERS.len() as u64) as usize]
    }

    /// One of `options` by weight (percentages adding up to 100).
    fn weighted(&mut self, options: &[(&'static str, u64)]) -> &'static str {
        let mut roll = self.rng.below(100);
        for (k, w) in options {
            if roll < *w {
                return k;
            }
            roll -= *w;
        }
        options[options.len() - 1].0
    }

    /// A case's status (mostly closed), with `resolution` once it is
    /// resolved or closed.
    fn settle(&mut self, d: &mut RecordDraft, resolution: &str) -> &'static str {
        let status = self.weighted(&[
            ("closed", 60),
            ("resolved", 15),
            ("in_progress", 15),
            ("open", 10),
        ]);
        d.set("status", status);
        if matches!(status, "resolved" | "closed") {
            d.set("resolution", resolution);
        }
        status
    }

    fn days(&mut self, t: NaiveDateTime, from: i64, to: i64) -> NaiveDateTime {
        t + Duration::days(from + self.rng.below((to - from) as u64 + 1) as i64)
    }

    fn need(&mut self, register: &str) -> Result<(RecordId, String), WorkbookError> {
        self.setup_pick(register)
            .ok_or_else(|| invalid(register, "no record to link to"))
    }

    /// The form values of a new record of `register`, entered by `author`
    /// at `t`.
    fn draft(
        &mut self,
        register: &'static str,
        t: NaiveDateTime,
        author: usize,
    ) -> Result<RecordDraft, WorkbookError> {
        let def =
            registers::register(register).ok_or_else(|| invalid(register, "no such register"))?;
        let i = self.count(register);
        let mut d = RecordDraft::new(def);
        let month = t.format("%B %Y").to_string();
        let first_of_month = t.date().with_day(1).unwrap_or(t.date());
        match register {
            "context_issue" => {
                let titles = [
                    "Customers move workloads to public cloud",
                    "Stricter data protection enforcement",
                    "Hotter summers strain cooling",
                    "Shortage of experienced engineers",
                    "Energy prices rise",
                    "Customers ask for carbon figures",
                    "Main platform nears end of support",
                    "Growth in remote working",
                ];
                d.set("title", numbered(&titles, i));
                d.set(
                    "kind",
                    if self.rng.chance(50) {
                        "internal"
                    } else {
                        "external"
                    },
                );
                d.set(
                    "category",
                    *self.rng.pick(&[
                        "political",
                        "economic",
                        "social",
                        "technological",
                        "legal",
                        "environmental",
                        "organisational",
                    ]),
                );
                d.set(
                    "climate",
                    if self.rng.chance(15) { "true" } else { "false" },
                );
                d.set("description", self.prose(&GENERAL, 60, 200));
                d.set("effect", self.prose(&GENERAL, 60, 160));
                d.set("owner", self.owner());
                d.set("review_date", form_date(self.days(t, 180, 365)));
            }
            "interested_party" => {
                let names = [
                    "Customer organisations",
                    "Customers' staff",
                    "Owners and board",
                    "Data protection authority",
                    "Staff",
                    "Key suppliers",
                    "Auditors",
                    "Local community",
                ];
                let kinds = [
                    "customer",
                    "user",
                    "owner",
                    "regulator",
                    "staff",
                    "supplier",
                    "other",
                    "other",
                ];
                d.set("name", numbered(&names, i));
                d.set("kind", kinds[i % kinds.len()]);
                d.set("requirements", self.prose(&GENERAL, 60, 200));
                d.set("how_met", self.prose(&GENERAL, 40, 160));
                d.set("owner", self.owner());
                d.set("review_date", form_date(self.days(t, 180, 365)));
            }
            "role" => {
                let roles = [
                    "Managing Director",
                    "SMS Manager",
                    "Change Manager",
                    "Service Desk Manager",
                    "Service Delivery Manager",
                    "Information Security Manager",
                    "Internal Auditor",
                    "Supplier Manager",
                    "Problem Manager",
                    "Configuration Manager",
                ];
                d.set("title", numbered(&roles, i));
                d.set("holder", self.person());
                d.set("responsibilities", self.prose(&GENERAL, 60, 200));
                d.set("authorities", self.prose(&GENERAL, 40, 120));
                d.set(
                    "reports_to",
                    if i == 0 { "Board" } else { "Managing Director" },
                );
            }
            "document" => {
                let docs = [
                    ("Service management plan", "plan"),
                    ("Change management procedure", "procedure"),
                    ("Incident management procedure", "procedure"),
                    ("Problem management procedure", "procedure"),
                    ("Service continuity plan", "plan"),
                    ("Supplier management procedure", "procedure"),
                    ("Configuration management procedure", "procedure"),
                    ("Service level agreement template", "agreement"),
                    ("Backup work instruction", "instruction"),
                    ("Information security policy", "policy"),
                ];
                let (title, kind) = docs[i % docs.len()];
                d.set("title", numbered(&[title], i / docs.len()));
                d.set("reference", format!("DOC-{:03}", i + 1));
                d.set("kind", kind);
                d.set(
                    "version",
                    format!("{}.{}", 1 + self.rng.below(3), self.rng.below(10)),
                );
                d.set("owner", self.owner());
                d.set("approved_by", "Helen Marsh");
                d.set("approved_on", form_date(t));
                d.set("review_date", form_date(self.days(t, 300, 400)));
                d.set(
                    "classification",
                    *self
                        .rng
                        .pick(&["public", "internal", "internal", "confidential"]),
                );
                d.set("location", format!("Intranet > SMS > DOC-{:03}", i + 1));
                d.set(
                    "status",
                    if self.rng.chance(85) {
                        "approved"
                    } else {
                        "draft"
                    },
                );
            }
            "policy" => {
                let policies = [
                    ("Service management policy", "service_management"),
                    ("Information security policy", "information_security"),
                    ("Change management policy", "change_management"),
                    ("Supplier policy", "other"),
                    ("Energy and climate policy", "other"),
                    ("Acceptable use policy", "other"),
                ];
                let (title, kind) = policies[i % policies.len()];
                d.set("title", numbered(&[title], i / policies.len()));
                d.set("kind", kind);
                d.set("statement", self.prose(&GENERAL, 80, 240));
                d.set("owner", self.owner());
                d.set("approved_by", "Helen Marsh");
                d.set("approved_on", form_date(t));
                d.set("communicated_on", form_date(self.days(t, 7, 21)));
                if let Some((doc, _)) = self.setup_pick("document") {
                    d.set("document", doc.as_str());
                }
                d.set("review_date", form_date(self.days(t, 330, 365)));
            }
            "customer" => {
                d.set("name", company(i, &CUSTOMER_KIND));
                d.set(
                    "kind",
                    if self.rng.chance(85) {
                        "external"
                    } else {
                        "internal"
                    },
                );
                d.set("contact", *self.rng.pick(&REQUESTERS));
                d.set("relationship_manager", self.owner());
                d.set("last_review", form_date(self.days(t, -90, 0)));
                d.set(
                    "satisfaction",
                    self.weighted(&[("high", 60), ("medium", 30), ("low", 10)]),
                );
            }
            "service" => {
                d.set("name", service_name(i));
                let description = match SERVICES.get(i) {
                    Some((_, about)) => (*about).to_owned(),
                    None => self.prose(&GENERAL, 60, 160),
                };
                d.set("description", description);
                d.set("owner", self.owner());
                d.set("customers", self.setup_many("customer", 4));
                d.set(
                    "lifecycle",
                    self.weighted(&[("live", 90), ("design", 5), ("retiring", 5)]),
                );
                d.set(
                    "criticality",
                    *self.rng.pick(&["medium", "high", "critical"]),
                );
                if i > 0 && self.rng.chance(30) {
                    d.set("depends_on", self.setup_many("service", 2));
                }
                d.set("requirements", self.prose(&GENERAL, 40, 160));
            }
            "supplier" => {
                d.set("name", company(i, &SUPPLIER_KIND));
                d.set(
                    "kind",
                    self.weighted(&[("external", 85), ("internal", 10), ("customer", 5)]),
                );
                d.set("supplies", self.prose(&GENERAL, 40, 120));
                d.set("services", self.setup_many("service", 2));
                d.set("contract", format!("Contract SUP-{:03}", i + 1));
                d.set("contract_start", form_date(self.days(t, -700, -30)));
                d.set("contract_end", form_date(self.days(t, 200, 1100)));
                d.set("owner", self.owner());
                d.set(
                    "targets",
                    "Response within 4 hours; monthly performance report.",
                );
                d.set("last_review", form_date(self.days(t, -120, 0)));
                d.set(
                    "performance",
                    self.weighted(&[("good", 60), ("acceptable", 30), ("poor", 10)]),
                );
            }
            "sla" => {
                let (service, name) = self.need("service")?;
                d.set("service", service.as_str());
                let customer = self.setup_pick("customer");
                let title = match &customer {
                    Some((id, c)) => {
                        d.set("customer", id.as_str());
                        format!("{name} — {c}")
                    }
                    None => name,
                };
                d.set("title", title);
                d.set("targets", "Availability 99.9% a month; P1 response in 30 minutes and resolution in 4 hours; requests fulfilled in 2 working days.");
                d.set("workload_limits", "Up to 400 requests a month.");
                d.set("reporting", "monthly");
                d.set("owner", self.owner());
                d.set("review_date", form_date(self.days(t, 300, 365)));
                d.set(
                    "status",
                    self.weighted(&[("agreed", 85), ("draft", 10), ("expired", 5)]),
                );
            }
            "objective" => {
                let objectives = [
                    (
                        "Keep availability of critical services high",
                        "Availability of critical services (%)",
                        "99.9% each month",
                    ),
                    (
                        "Resolve P1 incidents quickly",
                        "P1 incidents resolved within 4 hours (%)",
                        "95%",
                    ),
                    ("Successful changes", "Changes without incident (%)", "98%"),
                    (
                        "Satisfied customers",
                        "Customer satisfaction score",
                        "4.2 out of 5",
                    ),
                    (
                        "Reduce data centre energy use",
                        "Energy use against 2026 (%)",
                        "-15% by 2028",
                    ),
                    (
                        "First-contact resolution",
                        "Requests resolved at first contact (%)",
                        "70%",
                    ),
                ];
                let (title, measure, target) = objectives[i % objectives.len()];
                d.set("title", numbered(&[title], i / objectives.len()));
                d.set("measure", measure);
                d.set("target", target);
                d.set("frequency", "monthly");
                d.set("owner", self.owner());
                d.set("due_date", form_date(self.days(t, 300, 700)));
                d.set(
                    "status",
                    self.weighted(&[("not_started", 20), ("on_track", 60), ("at_risk", 20)]),
                );
            }
            "scope" => {
                d.set("title", "SMS scope statement");
                d.set("statement", "The SMS covers the planning, delivery and improvement of the services in the service catalogue for external and internal customers.");
                let services: Vec<RecordId> = self
                    .made
                    .get("service")
                    .map_or(Vec::new(), |v| v.iter().map(|m| m.id.clone()).collect());
                d.set("services", join(&services));
                d.set("locations", "Head office and both data centres");
                d.set("version", "1.0");
                d.set("approved_by", "Helen Marsh");
                d.set("approved_on", form_date(t));
                d.set("review_date", form_date(self.days(t, 365, 365)));
            }
            "audit" => {
                let areas = [
                    "Change and release",
                    "Incident and problem",
                    "Service level management",
                    "Supplier management",
                    "Configuration management",
                    "Information security",
                    "Continuity and availability",
                    "Leadership and planning",
                ];
                d.set(
                    "title",
                    format!("Internal audit {}: {}", i + 1, areas[i % areas.len()]),
                );
                d.set(
                    "scope",
                    format!(
                        "{} processes, records of the last six months.",
                        areas[i % areas.len()]
                    ),
                );
                d.set("criteria", "ISO/IEC 20000-1:2018 and the SMS procedures.");
                let planned = self.start.date() + Duration::days((i as i64 * 61) % SPAN_DAYS + 20);
                d.set("planned", planned.format("%Y-%m-%d").to_string());
                d.set("lead_auditor", "Greta Lund");
                d.set("auditees", self.owner());
                d.set("status", "planned");
            }
            "resource" => {
                let resources = [
                    ("Service desk staff", "people"),
                    ("Monitoring platform", "technology"),
                    ("Knowledge base", "information"),
                    ("Training budget", "financial"),
                    ("Secondary data centre", "facility"),
                ];
                let (title, kind) = resources[i % resources.len()];
                d.set("title", numbered(&[title], i / resources.len()));
                d.set("kind", kind);
                d.set("description", self.prose(&GENERAL, 40, 140));
                d.set("owner", self.owner());
                d.set(
                    "status",
                    self.weighted(&[("available", 80), ("needed", 10), ("requested", 10)]),
                );
            }
            "plan_item" => {
                let items = [
                    "Set up the document register",
                    "Train process owners",
                    "Run the first internal audit",
                    "Hold the first management review",
                    "Agree SLAs with all customers",
                    "Verify the CMDB",
                    "Test the continuity plan",
                ];
                d.set("title", numbered(&items, i));
                d.set("description", self.prose(&GENERAL, 40, 140));
                d.set("owner", self.owner());
                if let Some((o, _)) = self.setup_pick("objective") {
                    d.set("objectives", o.as_str());
                }
                d.set("start_date", form_date(t));
                d.set("due_date", form_date(self.days(t, 30, 300)));
                d.set(
                    "status",
                    self.weighted(&[("planned", 50), ("in_progress", 40), ("done", 10)]),
                );
            }
            "communication" => {
                let topics = [
                    "Monthly service report",
                    "SMS awareness briefing",
                    "Major incident notices",
                    "Change calendar",
                    "Policy updates",
                    "Security awareness",
                ];
                d.set("title", numbered(&topics, i));
                d.set(
                    "audience",
                    *self
                        .rng
                        .pick(&["All staff", "Customers", "Service owners", "Management"]),
                );
                d.set(
                    "method",
                    *self
                        .rng
                        .pick(&["meeting", "email", "intranet", "training", "report"]),
                );
                d.set(
                    "frequency",
                    *self.rng.pick(&["weekly", "monthly", "quarterly", "yearly"]),
                );
                d.set("responsible", self.owner());
                d.set("last_done", form_date(t));
                d.set("next_due", form_date(self.days(t, 30, 90)));
            }
            "incident" => {
                let (service, name) = self.need("service")?;
                let opened = t - Duration::minutes(1 + self.rng.below(30) as i64);
                d = incident_draft(&mut self.rng, &service, &name, opened);
                if self.rng.chance(10) {
                    if let Some(p) = self.visible("problem", author) {
                        d.set("problem", p.as_str());
                    }
                }
            }
            "service_request" => {
                let (service, name) = self.need("service")?;
                let who = *self.rng.pick(&REQUESTERS);
                d.set("title", format!("{} — {name}", self.rng.pick(&REQUESTS)));
                d.set("service", service.as_str());
                d.set("requested_by", who);
                let opened = t - Duration::minutes(1 + self.rng.below(30) as i64);
                d.set("opened", form_time(opened));
                d.set("assignee", *self.rng.pick(&ASSIGNEES));
                let status = self.weighted(&[
                    ("closed", 55),
                    ("fulfilled", 20),
                    ("in_progress", 10),
                    ("open", 10),
                    ("rejected", 5),
                ]);
                d.set("status", status);
                if matches!(status, "closed" | "fulfilled") {
                    let done = opened + Duration::minutes(30 + self.rng.below(72 * 60) as i64);
                    d.set("fulfilled", form_time(done));
                }
                if self.rng.chance(50) {
                    d.set("notes", self.prose(&UPDATES, 30, 120));
                }
            }
            "change" => {
                let (service, name) = self.need("service")?;
                d.set("title", format!("{} — {name}", self.rng.pick(&CHANGES)));
                d.set("description", self.prose(&CHANGE_TEXT, 60, 220));
                d.set("rationale", self.prose(&CHANGE_TEXT, 40, 140));
                d.set(
                    "kind",
                    self.weighted(&[("standard", 45), ("normal", 45), ("emergency", 10)]),
                );
                let mut services = vec![service];
                if self.rng.chance(30) {
                    if let Some((s, _)) = self.setup_pick("service") {
                        if !services.contains(&s) {
                            services.push(s);
                        }
                    }
                }
                services.sort();
                d.set("services", join(&services));
                if self.rng.chance(50) {
                    d.set("cis", self.visible_many("config_item", author, 2));
                }
                d.set(
                    "risk",
                    self.weighted(&[("low", 50), ("medium", 40), ("high", 10)]),
                );
                d.set("requested_by", self.person());
                d.set("approver", self.owner());
                let decision = self.weighted(&[("approved", 85), ("pending", 10), ("rejected", 5)]);
                d.set("decision", decision);
                let scheduled = self.days(t, 1, 14) + Duration::hours(self.rng.below(12) as i64);
                d.set("scheduled", form_time(scheduled));
                if decision != "pending" {
                    d.set("decided_on", form_date(t));
                }
                d.set("plan", self.prose(&CHANGE_TEXT, 40, 160));
                d.set(
                    "rollback",
                    "Restore the configuration backup taken before the change.",
                );
                if decision == "approved" && self.rng.chance(85) {
                    d.set(
                        "implemented",
                        form_time(scheduled + Duration::minutes(20 + self.rng.below(160) as i64)),
                    );
                    d.set("outcome", change_outcome(&mut self.rng));
                    if self.rng.chance(40) {
                        d.set("review", self.prose(&UPDATES, 30, 120));
                    }
                }
                if self.rng.chance(15) {
                    d.set("incidents", self.visible_many("incident", author, 2));
                }
            }
            "problem" => {
                let (service, name) = self.need("service")?;
                d.set(
                    "title",
                    format!(
                        "Recurring {} — {name}",
                        self.rng.pick(&SYMPTOMS).to_lowercase()
                    ),
                );
                d.set("description", self.prose(&SENTENCES, 80, 240));
                d.set("services", service.as_str());
                d.set("opened", form_date(t));
                if self.rng.chance(60) {
                    d.set("root_cause", self.prose(&SENTENCES, 40, 140));
                }
                let status = self.weighted(&[
                    ("closed", 40),
                    ("resolved", 20),
                    ("known_error", 15),
                    ("investigating", 15),
                    ("open", 10),
                ]);
                if status == "known_error" || self.rng.chance(30) {
                    d.set("workaround", *self.rng.pick(&WORKAROUNDS));
                    d.set("known_error", "true");
                }
                if self.rng.chance(30) {
                    if let Some(c) = self.visible("change", author) {
                        d.set("change", c.as_str());
                    }
                }
                d.set("owner", self.owner());
                d.set("status", status);
            }
            "release" => {
                let (_, name) = self.need("service")?;
                d.set(
                    "title",
                    format!("{name} release {}.{}", t.format("%Y"), i + 1),
                );
                d.set("changes", self.visible_many("change", author, 3));
                d.set("acceptance_tests", self.prose(&CHANGE_TEXT, 40, 140));
                let outcome = self.weighted(&[
                    ("deployed", 85),
                    ("planned", 5),
                    ("failed", 4),
                    ("rolled_back", 6),
                ]);
                d.set("outcome", outcome);
                if outcome != "planned" {
                    d.set("deployed", form_time(self.days(t, 0, 7)));
                }
                d.set(
                    "rollback_used",
                    if outcome == "rolled_back" {
                        "true"
                    } else {
                        "false"
                    },
                );
                d.set("owner", self.owner());
            }
            "security_incident" => {
                let titles = [
                    "Phishing email reached several users",
                    "Laptop lost on a train",
                    "Suspicious sign-ins from abroad",
                    "Malware found on a workstation",
                    "Email sent to the wrong customer",
                    "Unpatched server exposed to the internet",
                ];
                d.set("title", *self.rng.pick(&titles));
                d.set("opened", form_time(t));
                let status = self.weighted(&[
                    ("closed", 60),
                    ("resolved", 15),
                    ("contained", 10),
                    ("open", 15),
                ]);
                d.set("status", status);
                if status == "closed" {
                    d.set(
                        "closed",
                        form_time(t + Duration::hours(2 + self.rng.below(100) as i64)),
                    );
                }
                d.set(
                    "severity",
                    self.weighted(&[("low", 50), ("medium", 35), ("high", 12), ("critical", 3)]),
                );
                d.set(
                    "data_affected",
                    if self.rng.chance(20) { "true" } else { "false" },
                );
                d.set("services", self.setup_many("service", 1));
                d.set("description", self.prose(&SENTENCES, 60, 200));
                d.set("actions", self.prose(&UPDATES, 30, 120));
                d.set("owner", "Priya Nair");
            }
            "complaint" => {
                let titles = [
                    "Slow answers from the service desk",
                    "Outage not announced",
                    "Restore took too long",
                    "Report sent late",
                    "Wrong invoice amount",
                    "Change made without notice",
                ];
                d.set("title", *self.rng.pick(&titles));
                if let Some((c, _)) = self.setup_pick("customer") {
                    d.set("customer", c.as_str());
                }
                if let Some((s, _)) = self.setup_pick("service") {
                    d.set("service", s.as_str());
                }
                d.set("received_on", form_date(t));
                d.set("description", self.prose(&SENTENCES, 60, 200));
                d.set("owner", self.owner());
                let status = self.settle(
                    &mut d,
                    "Apologised, explained the cause and agreed a follow-up at the next service review.",
                );
                if status == "closed" {
                    d.set("closed_on", form_date(self.days(t, 2, 20)));
                }
            }
            "sla_result" => {
                let (sla, label) = self.need("sla")?;
                let metrics = [
                    ("Availability (%)", "at_least", 99.9, 98.5, 100.0),
                    (
                        "P1 resolved within 4 hours (%)",
                        "at_least",
                        95.0,
                        80.0,
                        100.0,
                    ),
                    ("Average response (minutes)", "at_most", 30.0, 5.0, 45.0),
                ];
                let (metric, direction, target, lo, hi) = *self.rng.pick(&metrics);
                d.set("title", format!("{metric} — {label} — {month}"));
                d.set("sla", sla.as_str());
                d.set(
                    "period_start",
                    first_of_month.format("%Y-%m-%d").to_string(),
                );
                d.set("metric", metric);
                d.set("direction", direction);
                d.set("target", format!("{target}"));
                let measured = hi - (hi - lo) * (self.rng.below(1000) as f64 / 1000.0).powi(3);
                d.set("measured", format!("{measured:.2}"));
                if self.rng.chance(20) {
                    d.set("notes", self.prose(&UPDATES, 30, 100));
                }
            }
            "availability" => {
                let (service, name) = self.need("service")?;
                d.set("title", format!("{name} — {month}"));
                d.set("service", service.as_str());
                d.set("target", *self.rng.pick(&["99.5", "99.9", "99.95"]));
                d.set(
                    "period_start",
                    first_of_month.format("%Y-%m-%d").to_string(),
                );
                let measured = 100.0 - 1.5 * (self.rng.below(1000) as f64 / 1000.0).powi(4);
                d.set("measured", format!("{measured:.2}"));
                if self.rng.chance(20) {
                    d.set("notes", self.prose(&SENTENCES, 30, 120));
                }
            }
            "measurement" => {
                let metrics = [
                    "Incidents opened",
                    "Requests fulfilled on time (%)",
                    "Changes that caused an incident",
                    "Customer satisfaction",
                    "First-contact resolution (%)",
                    "Energy use (MWh)",
                ];
                let metric = *self.rng.pick(&metrics);
                d.set("title", format!("{metric} — {month}"));
                d.set("metric", metric);
                if self.rng.chance(70) {
                    if let Some((o, _)) = self.setup_pick("objective") {
                        d.set("objective", o.as_str());
                    }
                }
                d.set("period", first_of_month.format("%Y-%m-%d").to_string());
                d.set("target", *self.rng.pick(&["95%", "70%", "4.2", "under 2%"]));
                d.set("value", format!("{}", 50 + self.rng.below(50)));
                d.set("method", "Exported from the service desk tool");
                if self.rng.chance(40) {
                    d.set("analysis", self.prose(&GENERAL, 40, 160));
                }
                d.set("owner", self.owner());
            }
            "action" => {
                let action = *self.rng.pick(&ACTIONS);
                d.set("title", format!("{action} ({})", t.format("%b %Y")));
                d.set(
                    "kind",
                    *self
                        .rng
                        .pick(&["treatment", "corrective", "review", "audit", "improvement"]),
                );
                d.set("description", self.prose(&GENERAL, 40, 160));
                d.set("owner", self.owner());
                d.set("due_date", form_date(self.days(t, 14, 90)));
                let status = self.weighted(&[
                    ("done", 55),
                    ("in_progress", 15),
                    ("open", 25),
                    ("cancelled", 5),
                ]);
                d.set("status", status);
                if status == "done" {
                    d.set("completed_on", form_date(self.days(t, 7, 60)));
                }
                if self.rng.chance(15) {
                    if let Some(im) = self.visible("improvement", author) {
                        d.set("improvement", im.as_str());
                    }
                }
            }
            "nonconformity" => {
                d.set(
                    "title",
                    format!("{} ({})", self.rng.pick(&FINDINGS), t.format("%b %Y")),
                );
                d.set(
                    "origin",
                    *self
                        .rng
                        .pick(&["audit", "complaint", "incident", "process", "review"]),
                );
                d.set("clause", *self.rng.pick(&CLAUSES));
                d.set("description", self.prose(&GENERAL, 60, 200));
                d.set(
                    "severity",
                    if self.rng.chance(85) {
                        "minor"
                    } else {
                        "major"
                    },
                );
                d.set("correction", self.prose(&UPDATES, 30, 100));
                d.set("root_cause", self.prose(&GENERAL, 40, 120));
                if self.rng.chance(70) {
                    d.set("actions", self.visible_many("action", author, 2));
                }
                d.set("owner", self.owner());
                d.set("due_date", form_date(self.days(t, 30, 90)));
                d.set("raised_on", form_date(t));
                let status = self.weighted(&[
                    ("closed", 50),
                    ("verifying", 15),
                    ("planned", 20),
                    ("open", 15),
                ]);
                d.set("status", status);
                if status == "closed" {
                    let closed = self.days(t, 30, 120);
                    d.set("closed_on", form_date(closed));
                    d.set("checked_on", form_date(closed));
                    d.set("effectiveness", "Checked three months later: no repeat.");
                }
            }
            "improvement" => {
                let titles = [
                    "Automate password resets",
                    "Self-service portal for common requests",
                    "Better change calendar",
                    "Shorter restore times",
                    "Clearer major incident notices",
                    "Fewer manual checks at month end",
                ];
                d.set("title", *self.rng.pick(&titles));
                d.set(
                    "source",
                    *self.rng.pick(&[
                        "audit",
                        "nonconformity",
                        "customer",
                        "staff",
                        "review",
                        "measurement",
                    ]),
                );
                d.set("description", self.prose(&GENERAL, 40, 160));
                d.set("benefit", self.prose(&GENERAL, 30, 120));
                d.set("priority", *self.rng.pick(&["low", "medium", "high"]));
                d.set("owner", self.owner());
                d.set("due_date", form_date(self.days(t, 30, 180)));
                let status = self.weighted(&[
                    ("done", 40),
                    ("in_progress", 20),
                    ("approved", 15),
                    ("proposed", 20),
                    ("rejected", 5),
                ]);
                d.set("status", status);
                if status == "done" {
                    d.set(
                        "evaluation",
                        "Measured after a quarter: the expected benefit was reached.",
                    );
                }
            }
            "audit_finding" => {
                let (audit, _) = self.need("audit")?;
                let kind = self.weighted(&[
                    ("conformity", 30),
                    ("observation", 25),
                    ("opportunity", 20),
                    ("minor", 20),
                    ("major", 5),
                ]);
                let clause = *self.rng.pick(&CLAUSES);
                d.set("title", format!("{clause}: {}", self.rng.pick(&FINDINGS)));
                d.set("audit", audit.as_str());
                d.set("clause", clause);
                d.set("kind", kind);
                d.set("description", self.prose(&GENERAL, 40, 160));
                if matches!(kind, "minor" | "major") && self.rng.chance(60) {
                    if let Some(nc) = self.visible("nonconformity", author) {
                        d.set("nonconformity", nc.as_str());
                    }
                }
                d.set("owner", self.owner());
            }
            "management_review" => {
                d.set("title", format!("Management review {month}"));
                d.set("date", form_date(t));
                d.set(
                    "attendees",
                    "Helen Marsh, Kofi Mensah, Priya Nair, Sam Okafor",
                );
                d.set("inputs", self.prose(&GENERAL, 60, 200));
                d.set("decisions", self.prose(&GENERAL, 60, 200));
                d.set("actions", self.visible_many("action", author, 3));
                d.set("next_review", form_date(self.days(t, 180, 185)));
                d.set(
                    "status",
                    self.weighted(&[("approved", 70), ("held", 20), ("planned", 10)]),
                );
            }
            "service_report" => {
                let (service, name) = self.need("service")?;
                d.set("title", format!("{name} service report — {month}"));
                d.set("service", service.as_str());
                d.set(
                    "period_start",
                    first_of_month.format("%Y-%m-%d").to_string(),
                );
                d.set("period_end", form_date(self.days(t, 25, 30)));
                if let Some((_, c)) = self.setup_pick("customer") {
                    d.set("audience", c);
                }
                d.set("summary", self.prose(&GENERAL, 60, 200));
                d.set("sent_on", form_date(self.days(t, 30, 40)));
                d.set("owner", self.owner());
            }
            "risk" => {
                let risk = *self.rng.pick(&RISKS);
                let opportunity = risk.starts_with("Automate");
                match self.setup_pick("service") {
                    Some((_, service)) => d.set("title", format!("{risk} — {service}")),
                    None => d.set("title", risk),
                }
                d.set("kind", if opportunity { "opportunity" } else { "risk" });
                d.set("description", self.prose(&GENERAL, 60, 200));
                d.set(
                    "category",
                    *self
                        .rng
                        .pick(&["Operational", "Security", "Supplier", "People", "Financial"]),
                );
                d.set("likelihood", format!("{}", 1 + self.rng.below(5)));
                d.set("impact", format!("{}", 1 + self.rng.below(5)));
                d.set("owner", self.owner());
                d.set(
                    "treatment",
                    self.weighted(&[
                        ("reduce", 60),
                        ("accept", 20),
                        ("transfer", 10),
                        ("avoid", 10),
                    ]),
                );
                if self.rng.chance(40) {
                    d.set("actions", self.visible_many("action", author, 2));
                }
                if self.rng.chance(50) {
                    d.set("residual_likelihood", format!("{}", 1 + self.rng.below(3)));
                    d.set("residual_impact", format!("{}", 1 + self.rng.below(4)));
                }
                d.set(
                    "status",
                    *self
                        .rng
                        .pick(&["identified", "assessed", "treating", "monitoring", "closed"]),
                );
                d.set("review_date", form_date(self.days(t, 90, 365)));
            }
            "security_control" => {
                let controls = [
                    "Access control",
                    "Multi-factor sign-in",
                    "Backup encryption",
                    "Patch management",
                    "Logging and monitoring",
                    "Malware protection",
                    "Secure configuration",
                    "Supplier security reviews",
                    "Security awareness training",
                    "Incident response",
                ];
                d.set("title", numbered(&controls, i));
                d.set("reference", format!("CTL-{:03}", i + 1));
                d.set("description", self.prose(&GENERAL, 40, 160));
                if self.rng.chance(60) {
                    d.set("risks", self.visible_many("risk", author, 2));
                }
                d.set("owner", "Priya Nair");
                d.set(
                    "status",
                    self.weighted(&[("implemented", 80), ("planned", 15), ("not_applicable", 5)]),
                );
                d.set(
                    "justification",
                    "Chosen in the information security risk assessment.",
                );
                d.set("last_review", form_date(t));
            }
            "knowledge" => {
                let (service, name) = self.need("service")?;
                let tasks = [
                    "reset a password",
                    "restore a file",
                    "connect to the VPN",
                    "add a mailbox",
                    "read the service report",
                    "raise an emergency change",
                    "check backup results",
                ];
                d.set(
                    "title",
                    format!("How to {} ({name})", self.rng.pick(&tasks)),
                );
                d.set("content", self.prose(&CHANGE_TEXT, 80, 300));
                d.set("services", service.as_str());
                d.set("owner", self.person());
                d.set("review_date", form_date(self.days(t, 180, 365)));
                d.set(
                    "status",
                    self.weighted(&[("published", 80), ("draft", 15), ("retired", 5)]),
                );
            }
            "config_item" => {
                let (prefix, kind) = *self.rng.pick(&CI_KINDS);
                d.set("name", format!("{prefix}-{:04}", i + 1));
                d.set("ci_id", format!("CI-{:05}", i + 1));
                d.set("kind", kind);
                d.set(
                    "version",
                    format!("{}.{}", 1 + self.rng.below(9), self.rng.below(20)),
                );
                d.set("owner", self.person());
                d.set(
                    "status",
                    self.weighted(&[
                        ("active", 85),
                        ("maintenance", 5),
                        ("planned", 5),
                        ("retired", 5),
                    ]),
                );
                d.set("services", self.setup_many("service", 2));
                if self.rng.chance(30) {
                    if let Some(ci) = self.visible("config_item", author) {
                        d.set("depends_on", ci.as_str());
                    }
                }
                d.set("verified_on", form_date(t));
            }
            "asset" => {
                let kinds = [
                    "Laptop",
                    "Server",
                    "Switch",
                    "Firewall",
                    "Storage array",
                    "Licence",
                ];
                let kind = *self.rng.pick(&kinds);
                d.set("name", format!("{kind} {:05}", i + 1));
                d.set("kind", kind);
                d.set("owner", self.person());
                d.set(
                    "location",
                    *self.rng.pick(&[
                        "Head office",
                        "Primary data centre",
                        "Secondary data centre",
                        "Home worker",
                    ]),
                );
                if self.rng.chance(60) {
                    d.set("services", self.setup_many("service", 1));
                }
                d.set(
                    "status",
                    self.weighted(&[("in_use", 85), ("in_stock", 10), ("retired", 5)]),
                );
            }
            "capacity" => {
                let (service, name) = self.need("service")?;
                let resource =
                    *self
                        .rng
                        .pick(&["Storage", "CPU", "Licences", "Bandwidth", "Desk staff"]);
                d.set("title", format!("{resource} capacity — {name}"));
                d.set("service", service.as_str());
                d.set("resource", resource);
                d.set("demand", self.prose(&GENERAL, 40, 140));
                d.set(
                    "capacity",
                    format!("{} units", 10 * (1 + self.rng.below(50))),
                );
                d.set("utilisation", format!("{}", 30 + self.rng.below(68)));
                d.set("threshold", *self.rng.pick(&["80", "85", "90"]));
                d.set("owner", self.owner());
                d.set("review_date", form_date(self.days(t, 60, 120)));
            }
            "budget" => {
                let (service, name) = self.need("service")?;
                let period = format!("FY{} Q{}", t.year(), (t.month() - 1) / 3 + 1);
                d.set("title", format!("{name} — {period}"));
                d.set("service", service.as_str());
                d.set("period", period);
                let budget = 5_000 + 1_000 * self.rng.below(200);
                d.set("budget", format!("{budget}"));
                d.set(
                    "actual",
                    format!("{}", budget * (80 + self.rng.below(35)) / 100),
                );
                d.set("owner", self.owner());
            }
            "continuity" => {
                let (service, name) = self.need("service")?;
                let test = self.rng.chance(60);
                d.set(
                    "title",
                    format!("{name} continuity {}", if test { "test" } else { "plan" }),
                );
                d.set("kind", if test { "test" } else { "plan" });
                d.set("services", service.as_str());
                d.set(
                    "scenario",
                    *self.rng.pick(&[
                        "Loss of the primary data centre",
                        "Ransomware",
                        "Supplier failure",
                        "Loss of key staff",
                    ]),
                );
                if self.rng.chance(30) {
                    if let Some((doc, _)) = self.setup_pick("document") {
                        d.set("document", doc.as_str());
                    }
                }
                if test {
                    d.set("test_date", form_date(t));
                    let result = self.weighted(&[("passed", 70), ("issues", 25), ("failed", 5)]);
                    d.set("result", result);
                    if result != "passed" {
                        d.set("issues", self.prose(&SENTENCES, 40, 140));
                    }
                } else {
                    d.set("result", "not_tested");
                }
                d.set("owner", self.owner());
                d.set("next_test", form_date(self.days(t, 180, 365)));
            }
            "service_design" => {
                let (service, name) = self.need("service")?;
                let kind = self.weighted(&[("changed", 70), ("new", 25), ("removal", 5)]);
                d.set(
                    "title",
                    format!(
                        "{} {name}",
                        match kind {
                            "new" => "New:",
                            "removal" => "Retire",
                            _ => "Redesign",
                        }
                    ),
                );
                d.set("service", service.as_str());
                d.set("kind", kind);
                d.set("requirements", self.prose(&GENERAL, 60, 200));
                d.set("design", self.prose(&CHANGE_TEXT, 60, 200));
                d.set(
                    "acceptance",
                    "Customer acceptance test signed off; monitoring in place.",
                );
                d.set("owner", self.owner());
                d.set("target_date", form_date(self.days(t, 60, 240)));
                d.set(
                    "status",
                    *self
                        .rng
                        .pick(&["planning", "design", "build", "transition", "done"]),
                );
            }
            "competence" => {
                d.set("person", self.person());
                if let Some((role, _)) = self.setup_pick("role") {
                    d.set("role", role.as_str());
                }
                d.set(
                    "required",
                    *self.rng.pick(&[
                        "ITIL Foundation",
                        "ISO/IEC 20000 awareness",
                        "Security awareness",
                        "Supplier management training",
                        "Internal auditor course",
                    ]),
                );
                d.set(
                    "evidence",
                    format!("Certificate dated {}", t.format("%-d %B %Y")),
                );
                d.set("achieved_on", form_date(t));
                d.set("next_due", form_date(self.days(t, 365, 730)));
            }
            "supplier_dispute" => {
                let (supplier, name) = self.need("supplier")?;
                d.set("title", format!("Service credits disputed — {name}"));
                d.set("supplier", supplier.as_str());
                d.set("raised_on", form_date(t));
                d.set("description", self.prose(&SENTENCES, 40, 160));
                d.set("owner", self.owner());
                self.settle(
                    &mut d,
                    "Agreed a partial credit and a change to the monthly report.",
                );
            }
            other => return Err(invalid(other, "no generator for this register")),
        }
        Ok(d)
    }

    /// Puts a record that will be updated later at an early stage: its
    /// status at the start, without what comes with finishing.
    fn make_early(&mut self, def: &RegisterDef, d: &mut RecordDraft) {
        match def.id {
            "change" => {
                d.set("decision", "pending");
                for key in ["decided_on", "implemented", "outcome", "review"] {
                    d.values.remove(key);
                }
            }
            "release" => {
                d.set("outcome", "planned");
                d.set("rollback_used", "false");
                d.values.remove("deployed");
            }
            _ => {
                let Some(steps) = progression(def) else {
                    return;
                };
                let i = if steps.len() > 2 {
                    self.rng.below(2) as usize
                } else {
                    0
                };
                d.set("status", steps[i]);
                for key in CLOSURE {
                    d.values.remove(key);
                }
                if def.id == "problem" {
                    d.values.remove("known_error");
                }
            }
        }
    }

    /// Makes a record of `register` on `wb` (the copy of `author`) at `t`,
    /// and plans its later updates.
    fn create(
        &mut self,
        wb: &mut Workbook,
        register: &'static str,
        t: NaiveDateTime,
        author: usize,
    ) -> Result<(), WorkbookError> {
        let def =
            registers::register(register).ok_or_else(|| invalid(register, "no such register"))?;
        let later = self.rng.chance(edit_percent(register));
        let mut d = self.draft(register, t, author)?;
        if later {
            self.make_early(def, &mut d);
        }
        let record = d
            .validate(def)
            .map_err(|e| invalid(register, format!("{e:?}")))?;
        let id = self.rng.record_id();
        let ctx = ChangeContext::new(AUTHORS[author], t.and_utc());
        wb.add_record(register, &id, &record, &ctx)?;
        if later {
            self.plan(&id, author, t);
        }
        self.made.entry(register).or_default().push(Made {
            id,
            round: self.round,
            author,
            label: record.text(def.title).to_owned(),
        });
        Ok(())
    }

    /// Plans one or two updates of a record by other people, in the next
    /// round (or the one after).
    fn plan(&mut self, id: &RecordId, creator: usize, created: NaiveDateTime) {
        let r1 = self.round + 1;
        let a1 = self.other_author(creator);
        let t1 = self.time_in(r1).max(created + Duration::hours(1));
        self.planned[r1].push(Planned {
            at: t1,
            author: a1,
            id: id.clone(),
        });
        if self.rng.chance(35) {
            let r2 = (r1 + 1).min(ROUNDS + 1);
            // In the same round only the same person, so no two copies
            // change one record at once.
            let (a2, t2) = if r2 == r1 {
                (
                    a1,
                    t1 + Duration::minutes(30 + self.rng.below(3 * 24 * 60) as i64),
                )
            } else {
                let a = self.other_author(a1);
                (a, self.time_in(r2))
            };
            self.planned[r2].push(Planned {
                at: t2,
                author: a2,
                id: id.clone(),
            });
        }
    }

    /// Makes a planned update on `wb`, the copy of its author.
    fn update(&mut self, wb: &mut Workbook, p: &Planned) -> Result<(), WorkbookError> {
        let (def, record) = wb
            .record(&p.id)
            .ok_or_else(|| WorkbookError::NotFound(p.id.to_string()))?;
        let new = edited(&mut self.rng, def, &record, EditKind::Status, p.at)?;
        let ctx = ChangeContext::new(AUTHORS[p.author], p.at.and_utc());
        wb.update_record(&p.id, &new, &ctx)?;
        Ok(())
    }
}

fn join(ids: &[RecordId]) -> String {
    ids.iter()
        .map(RecordId::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Merges every copy into the first.
fn merge_all(copies: &mut [Workbook]) -> Result<(), WorkbookError> {
    let (first, rest) = copies.split_first_mut().expect("at least one copy");
    for copy in rest {
        first.merge(copy)?;
    }
    Ok(())
}

/// Gives everyone but the first a fresh copy of the first (the merged
/// workbook), with the actor they had: all of its changes are in the merged
/// workbook, so it carries on from them. Quicker than merging the merged
/// workbook back into each copy.
fn fork_all(copies: &mut [Workbook], actors: &[ActorBytes]) {
    let (first, rest) = copies.split_first_mut().expect("at least one copy");
    for (copy, actor) in rest.iter_mut().zip(actors) {
        *copy = first.fork(*actor);
    }
}

/// A workbook of exactly `n` live records spread over the registers the way
/// an IT service provider's SMS grows (see [`mix`]): about 55% incidents,
/// 13% service requests, 12% changes, 3% problems, then configuration items,
/// SLA results, actions, availability, knowledge, assets, releases, risks and
/// the rest in small numbers, with a few dozen services, customers and
/// suppliers at most. Every record is validated like a form and links to
/// records that exist (incidents, requests and changes to services, SLA
/// results to SLAs, findings to audits, releases to changes…).
///
/// How it is made, everything derived from `seed`:
/// - The first of the [`AUTHORS`] creates the workbook at `at` and sets up
///   the SMS over the next hours: services, customers, suppliers, SLAs,
///   documents, policies, roles, objectives, the audit programme.
/// - Then [`ROUNDS`] rounds over two years: each author works on their own
///   copy (their own actor), entering records in time order and updating
///   records planned for the round; at the end of the round the copies are
///   merged into the first author's, and the others carry on from a fresh
///   copy of the merged workbook (with the actor they had).
/// - About a fifth of the records (more for changes, problems, actions,
///   nonconformities, audits) are entered at an early stage and updated in
///   a later round by someone else, one or two times: a status moving on
///   (open → resolved → closed, pending → approved → implemented) with what
///   goes with it, or else a sentence added or another person assigned.
/// - A last round of a month only makes the updates still planned, and is
///   merged too. The returned workbook is the merged copy of the first
///   author.
pub fn workbook(n: usize, seed: u64, at: DateTime<Utc>) -> Result<Workbook, WorkbookError> {
    // Not the stream of [`incidents`]: another workbook id for the same seed.
    let mut rng = Rng::new(seed ^ 0x6d69_7865_6400_0000);
    let admin = ChangeContext::new(AUTHORS[0], at);
    let base = Workbook::create(
        WorkbookId::from_random(rng.bytes16()),
        "Generated workbook",
        ActorBytes(rng.bytes16()),
        &admin,
    )?;
    let mut g = Gen {
        rng,
        made: BTreeMap::new(),
        round: 0,
        start: at.naive_utc() + Duration::days(1),
        span_minutes: SPAN_DAYS * 24 * 60,
        planned: vec![Vec::new(); ROUNDS + 2],
    };
    let counts = mix(n);

    // Setting up, on the first copy.
    let mut copies = vec![base];
    let mut t = at.naive_utc();
    for &(register, count) in counts.iter().filter(|(r, _)| is_setup(r)) {
        for _ in 0..count {
            t += Duration::minutes(2);
            g.create(&mut copies[0], register, t, 0)?;
        }
    }
    let actors: Vec<ActorBytes> = (1..AUTHORS.len())
        .map(|_| ActorBytes(g.rng.bytes16()))
        .collect();
    for actor in &actors {
        let copy = copies[0].fork(*actor);
        copies.push(copy);
    }

    // When each record of the growing registers is entered: evenly over
    // the two years, with some jitter.
    let mut events: Vec<(NaiveDateTime, &'static str)> = Vec::new();
    for &(register, count) in counts.iter().filter(|(r, _)| !is_setup(r)) {
        let step = (g.span_minutes / count.max(1) as i64).max(1);
        for i in 0..count {
            let jitter = g.rng.below(step as u64) as i64;
            events.push((
                g.start + Duration::minutes(i as i64 * step + jitter),
                register,
            ));
        }
    }
    events.sort_by_key(|(t, _)| *t);

    let mut next = 0;
    for round in 1..=ROUNDS + 1 {
        g.round = round;
        let (from, minutes) = g.window(round);
        let end = from + Duration::minutes(minutes);
        let mut tasks: Vec<(NaiveDateTime, Task)> = Vec::new();
        while round <= ROUNDS && next < events.len() && (round == ROUNDS || events[next].0 < end) {
            tasks.push((events[next].0, Task::Create(events[next].1)));
            next += 1;
        }
        for p in std::mem::take(&mut g.planned[round]) {
            tasks.push((p.at, Task::Edit(p)));
        }
        tasks.sort_by_key(|(t, _)| *t);
        for (t, task) in tasks {
            match task {
                Task::Create(register) => {
                    let author = g.rng.below(AUTHORS.len() as u64) as usize;
                    g.create(&mut copies[author], register, t, author)?;
                }
                Task::Edit(p) => g.update(&mut copies[p.author], &p)?,
            }
        }
        merge_all(&mut copies)?;
        if round <= ROUNDS {
            fork_all(&mut copies, &actors);
        }
    }
    Ok(copies.swap_remove(0))
}

/// A copy of `wb` (with its own actor, from `seed`) in which `author` made
/// `count` updates, one change each, starting at `at` a minute or two
/// apart: each on a different live record (records come round again only
/// when there are fewer than `count`), chosen at random across registers,
/// and each one of: a status moving on, a sentence added to a long text,
/// another person assigned. Merging the copy into `wb` brings exactly
/// `count` changes. Use a time after everything in `wb` (for a workbook
/// from [`workbook`], `at + Duration::days(WORKBOOK_DAYS)`).
pub fn edits(
    wb: &mut Workbook,
    count: usize,
    seed: u64,
    at: DateTime<Utc>,
    author: &str,
) -> Result<Workbook, WorkbookError> {
    let mut rng = Rng::new(seed);
    let mut copy = wb.fork(ActorBytes(rng.bytes16()));
    let mut ids: Vec<RecordId> = copy
        .record_ids()
        .into_iter()
        .filter(|id| matches!(copy.title_of(id), Some((_, _, false))))
        .collect();
    if ids.is_empty() {
        return if count == 0 {
            Ok(copy)
        } else {
            Err(invalid("edits", "the workbook has no records"))
        };
    }
    let mut t = at.naive_utc();
    let mut made = 0;
    let mut i = 0;
    while made < count {
        // A fresh random order each time round.
        let k = i % ids.len();
        if k == 0 {
            for j in (1..ids.len()).rev() {
                let other = rng.below(j as u64 + 1) as usize;
                ids.swap(j, other);
            }
        }
        i += 1;
        let id = &ids[k];
        let (def, record) = copy
            .record(id)
            .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
        t += Duration::seconds(30 + rng.below(90) as i64);
        let ctx = ChangeContext::new(author, t.and_utc());
        let kind = match rng.below(100) {
            0..=44 => EditKind::Status,
            45..=74 => EditKind::Text,
            _ => EditKind::Person,
        };
        let mut new = edited(&mut rng, def, &record, kind, t)?;
        if new == record {
            new = edited(&mut rng, def, &record, EditKind::Text, t)?;
        }
        if copy.update_record(id, &new, &ctx)? {
            made += 1;
        }
    }
    Ok(copy)
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

    #[test]
    fn mixed_workbook_is_realistic_and_deterministic() {
        let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let n = 300;
        let mut a = workbook(n, 11, at).unwrap();
        let mut b = workbook(n, 11, at).unwrap();
        assert_eq!(a.heads(), b.heads());
        assert_eq!(a.save(), b.save());
        assert_ne!(a.heads(), workbook(40, 12, at).unwrap().heads());
        let index = sms_core::RecordIndex::build(&a);

        // Exactly n records, as `mix` says, over many registers, incidents
        // the most.
        let counts: Vec<(&str, usize)> = registers::REGISTERS
            .iter()
            .map(|def| (def.id, index.live(def.id).count()))
            .filter(|(_, c)| *c > 0)
            .collect();
        assert_eq!(counts.iter().map(|(_, c)| c).sum::<usize>(), n);
        assert_eq!(a.record_ids().len(), n, "nothing deleted");
        assert!(counts.len() >= 8, "{counts:?}");
        let incidents = index.live("incident").count();
        assert!(incidents * 2 > n, "{counts:?}");
        assert!(
            counts
                .iter()
                .all(|(r, c)| *r == "incident" || *c < incidents),
            "{counts:?}"
        );
        for (register, count) in mix(n) {
            assert_eq!(index.live(register).count(), count, "{register}");
        }

        // Every record valid as a form, its links pointing at live records
        // of the right register, and no conflicts.
        for def in registers::REGISTERS {
            for e in index.live(def.id) {
                let again = RecordDraft::from_record(def, &e.record).validate(def);
                assert_eq!(again.as_ref(), Ok(&e.record), "{} {}", def.id, e.id);
                for f in def.fields {
                    if let registers::Kind::Link { to, .. } = f.kind {
                        for target in e.record.links(f.key) {
                            let t = index.live_record(target).expect("linked record");
                            assert_eq!(t.def.id, to, "{}.{}", def.id, f.key);
                        }
                    }
                }
            }
        }
        assert_eq!(index.conflict_count(), 0);

        // Records entered by several people, each on their own copy.
        let creators: std::collections::BTreeSet<&str> = registers::REGISTERS
            .iter()
            .flat_map(|def| index.live(def.id))
            .map(|e| e.info.created_by.as_str())
            .collect();
        assert_eq!(creators.len(), AUTHORS.len(), "{creators:?}");
        let history = a.history();

        // Some records updated later by someone else than who entered them.
        let mut edited = std::collections::BTreeSet::new();
        for entry in &history {
            let Some(id) = entry.only_record() else {
                continue;
            };
            if !entry.summary().starts_with("Changed") {
                continue;
            }
            let info = &index.get(&id).unwrap().info;
            assert!(entry.at() > info.created_at, "{entry:?}");
            if entry.author() != info.created_by {
                edited.insert(id);
            }
        }
        assert!(
            edited.len() * 100 >= n * 10,
            "{} of {n} edited",
            edited.len()
        );
        assert!(
            edited.len() * 100 <= n * 30,
            "{} of {n} edited",
            edited.len()
        );
        let id = edited.iter().next().unwrap().clone();
        let timeline = a.record_history(&id);
        assert!(timeline.len() >= 2, "{timeline:?}");
        assert!(timeline[1..]
            .iter()
            .all(|c| c.event == sms_core::RecordEvent::Edited));

        // Several merge rounds: besides the first author's changes after
        // setting up, the history has merges of concurrent work (changes
        // with several dependencies, none of them its own author's).
        let merges = history.iter().filter(|e| e.deps.len() > 1).count();
        assert!(merges >= ROUNDS, "{merges} changes on merged heads");
    }

    #[test]
    fn edits_make_one_change_each() {
        let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut wb = workbook(120, 3, at).unwrap();
        let later = at + Duration::days(WORKBOOK_DAYS);
        // More changes than records: some records come round again.
        let mut edited = edits(&mut wb, 150, 9, later, "Elif Demir").unwrap();
        let again = edits(&mut wb, 150, 9, later, "Elif Demir").unwrap().save();
        assert_eq!(edited.save(), again);

        // As a file that is opened and merged.
        let mut copy = Workbook::read_file(&edited.to_file(), ActorBytes([8; 16])).unwrap();
        let before = wb.history().len();
        let preview = wb.preview_merge(&mut copy).unwrap();
        assert_eq!(preview.changes, 150);
        assert!(preview.registers.len() >= 5, "{:?}", preview.registers);
        assert_eq!(preview.authors.len(), 1);
        let mut merged = wb.fork(ActorBytes([9; 16]));
        merged.merge(&mut copy).unwrap();
        assert_eq!(merged.history().len(), before + 150);
        assert_eq!(merged.record_ids().len(), wb.record_ids().len());
        assert_eq!(sms_core::RecordIndex::build(&merged).conflict_count(), 0);
    }
}
