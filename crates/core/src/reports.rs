//! The reports auditors and managers ask for, as data the app prints: the
//! compliance status report, the management review pack (9.3), a service
//! report for one service and period (9.4), an internal audit report with
//! its findings; and the figures behind the charts. Every table lists the
//! records it is made of, so a report is complete and matches the workbook.

use chrono::{Datelike, NaiveDate};

use crate::catalogue::Clause;
use crate::checklist::{rollups, ItemStatus, Rollup};
use crate::dashboard::AGE_BANDS;
use crate::ids::RecordId;
use crate::index::{Entry, RecordIndex};
use crate::registers::{self, Value};
use crate::transfer::cell_with;
use crate::view::Summary;

/// The reports there are, by key (the app's route), title and what each holds.
pub const KINDS: [(&str, &str, &str); 4] = [
    (
        "compliance",
        "Compliance status report",
        "Every checklist item with its status, owner, justification and evidence: the pack an auditor asks for first.",
    ),
    (
        "review",
        "Management review pack",
        "Inputs for a management review (9.3): earlier actions, changes, performance and SLAs, audits, nonconformities, risks, improvements, with room for decisions.",
    ),
    (
        "service",
        "Service report",
        "One service over a period (9.4): SLA attainment, incidents and requests, changes and major events.",
    ),
    (
        "audit",
        "Internal audit report",
        "One internal audit (9.2) with its findings and the nonconformities they raised.",
    ),
];

/// A table of a report: one row per record (or per item).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// What to say when there are no rows.
    pub empty: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The record the row shows, to link to it on screen.
    pub id: Option<RecordId>,
    pub cells: Vec<String>,
}

/// A section: a heading, key figures, tables, and (in a review pack) room
/// for the decisions taken.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    pub heading: String,
    pub facts: Vec<(String, String)>,
    pub tables: Vec<Table>,
    /// Lines left blank in print for notes and decisions.
    pub notes_space: bool,
}

/// A whole report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

/// A table of `rows` of register `register`, one column per field key.
fn record_table(
    ix: &RecordIndex,
    register: &str,
    caption: &str,
    keys: &[&str],
    rows: &[&Entry],
    empty: &str,
) -> Table {
    let def = registers::register(register).expect("a declared register");
    let fields: Vec<_> = keys.iter().filter_map(|k| def.field(k)).collect();
    Table {
        caption: caption.to_owned(),
        columns: fields.iter().map(|f| f.label.to_owned()).collect(),
        rows: rows
            .iter()
            .map(|e| Row {
                id: Some(e.id.clone()),
                cells: fields
                    .iter()
                    .map(|f| cell_with(f, e.record.value_of(f).as_ref(), ix, false))
                    .collect(),
            })
            .collect(),
        empty: empty.to_owned(),
    }
}

fn live<'a>(ix: &'a RecordIndex, register: &str) -> Vec<&'a Entry> {
    let mut v: Vec<&Entry> = ix.live(register).map(|e| e.as_ref()).collect();
    crate::order::sort_by_cached_key(&mut v, |e| e.title().to_lowercase());
    v
}

fn in_period(d: Option<NaiveDate>, from: NaiveDate, to: NaiveDate) -> bool {
    d.is_some_and(|d| d >= from && d <= to)
}

fn date_of(e: &Entry, key: &str) -> Option<NaiveDate> {
    e.record.get(key).and_then(Value::as_date)
}

fn percent(part: usize, whole: usize) -> String {
    match (part * 100).checked_div(whole) {
        Some(p) => format!("{p}%"),
        None => "—".into(),
    }
}

// ---- compliance --------------------------------------------------------------

/// Every checklist item with its status, owner, justification and evidence,
/// grouped by clause 4–10, with readiness.
pub fn compliance(summary: &Summary, ix: &RecordIndex) -> Report {
    let items = &summary.checklist;
    let (per, all) = rollups(items.iter().map(|(c, s)| (*c, s.status)));
    let mut sections = vec![Section {
        heading: "Summary".into(),
        facts: vec![
            ("Readiness".into(), format!("{}%", all.readiness())),
            ("Items".into(), all.total.to_string()),
            ("Implemented or verified".into(), all.done().to_string()),
            ("In progress".into(), all.in_progress.to_string()),
            ("Not started".into(), all.not_started.to_string()),
            ("Not applicable".into(), all.not_applicable.to_string()),
        ],
        tables: vec![Table {
            caption: "Readiness by clause".into(),
            columns: vec![
                "Clause".into(),
                "Items".into(),
                "Done".into(),
                "Readiness".into(),
            ],
            rows: per
                .iter()
                .map(|(c, r)| Row {
                    id: None,
                    cells: vec![
                        format!("{} {}", c.number, c.title),
                        r.total.to_string(),
                        r.done().to_string(),
                        format!("{}%", r.readiness()),
                    ],
                })
                .collect(),
            empty: String::new(),
        }],
        notes_space: false,
    }];
    for (top, rollup) in &per {
        let rows = items
            .iter()
            .filter(|(c, _)| c.number.split('.').next() == Some(top.number))
            .map(|(c, s)| Row {
                id: None,
                cells: vec![
                    format!("{} {}", c.number, c.title),
                    s.status.label().to_owned(),
                    s.owner.clone(),
                    if s.status == ItemStatus::NotApplicable {
                        s.justification.clone()
                    } else {
                        s.notes.clone()
                    },
                    s.evidence
                        .iter()
                        .map(|id| match ix.title_of(id) {
                            Some((def, t, _)) => format!("{t} ({})", def.singular),
                            None => "(missing record)".into(),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    attached_files(s, ix),
                ],
            })
            .collect();
        sections.push(Section {
            heading: format!("{} {}", top.number, top.title),
            facts: vec![("Readiness".into(), format!("{}%", rollup.readiness()))],
            tables: vec![Table {
                caption: format!("Checklist items of clause {}", top.number),
                columns: [
                    "Item",
                    "Status",
                    "Owner",
                    "Notes or justification",
                    "Evidence",
                    "Attached files",
                ]
                .map(String::from)
                .to_vec(),
                rows,
                empty: String::new(),
            }],
            notes_space: false,
        });
    }
    Report {
        title: "Compliance status report".into(),
        subtitle: format!(
            "ISO/IEC 20000-1 clauses 4–10: {} checklist items, readiness {}%",
            all.total,
            all.readiness()
        ),
        sections,
    }
}

/// The files attached to a checklist item and to its live evidence
/// records, by name ("Policy.pdf; job.png (Backups never restored)").
fn attached_files(s: &crate::checklist::ItemState, ix: &RecordIndex) -> String {
    let own = s.attachments.iter().map(|a| a.name.clone());
    let of_records = s
        .evidence
        .iter()
        .filter_map(|id| ix.get(id).filter(|e| !e.deleted))
        .flat_map(|e| {
            e.attachments
                .iter()
                .map(move |a| format!("{} ({})", a.name, e.title()))
        });
    own.chain(of_records).collect::<Vec<_>>().join("; ")
}

// ---- management review -------------------------------------------------------

fn is_open(e: &Entry) -> bool {
    !crate::dashboard::is_finished(e.record.text("status"))
}

/// A computed (or any) field's value as text, e.g. an SLA result's "Met".
fn computed(e: &Entry, key: &str) -> Option<String> {
    let f = e.def.field(key)?;
    match e.record.value_of(f)? {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

/// The pack for a management review covering `from`–`to`.
pub fn review_pack(ix: &RecordIndex, from: NaiveDate, to: NaiveDate) -> Report {
    let mut sections = Vec::new();

    // Actions decided at earlier reviews, and where they stand.
    let mut earlier: Vec<&Entry> = Vec::new();
    for review in live(ix, "management_review") {
        if date_of(review, "date").is_some_and(|d| d < from)
            || review.record.text("status") != "planned"
        {
            for id in review.record.links("actions") {
                if let Some(a) = ix.live_record(id) {
                    if !earlier.iter().any(|e| e.id == a.id) {
                        earlier.push(a);
                    }
                }
            }
        }
    }
    sections.push(Section {
        heading: "Status of actions from earlier reviews".into(),
        facts: vec![(
            "Open".into(),
            earlier.iter().filter(|e| is_open(e)).count().to_string(),
        )],
        tables: vec![record_table(
            ix,
            "action",
            "Actions decided at earlier management reviews",
            &["title", "owner", "due_date", "status", "completed_on"],
            &earlier,
            "No actions were recorded at earlier reviews.",
        )],
        notes_space: false,
    });

    let changes: Vec<&Entry> = live(ix, "change")
        .into_iter()
        .filter(|e| {
            in_period(date_of(e, "implemented"), from, to)
                || in_period(date_of(e, "scheduled"), from, to)
                || in_period(date_of(e, "decided_on"), from, to)
        })
        .collect();
    let context: Vec<&Entry> = live(ix, "context_issue");
    sections.push(Section {
        heading: "Changes affecting the SMS".into(),
        facts: vec![("Changes in the period".into(), changes.len().to_string())],
        tables: vec![
            record_table(
                ix,
                "change",
                "Changes decided, scheduled or implemented in the period",
                &[
                    "title",
                    "kind",
                    "services",
                    "decision",
                    "implemented",
                    "outcome",
                ],
                &changes,
                "No changes in the period.",
            ),
            record_table(
                ix,
                "context_issue",
                "External and internal issues",
                &context_keys(),
                &context,
                "No context issues recorded.",
            ),
        ],
        notes_space: false,
    });

    let results: Vec<&Entry> = live(ix, "sla_result")
        .into_iter()
        .filter(|e| in_period(date_of(e, "period_start"), from, to))
        .collect();
    let met = results
        .iter()
        .filter(|e| computed(e, "met").as_deref() == Some("Met"))
        .count();
    let missed: Vec<&Entry> = results
        .iter()
        .copied()
        .filter(|e| computed(e, "met").as_deref() == Some("Breached"))
        .collect();
    sections.push(Section {
        heading: "Performance and SLA attainment".into(),
        facts: vec![
            (
                "SLA results in the period".into(),
                results.len().to_string(),
            ),
            (
                "Targets met".into(),
                format!("{met} ({})", percent(met, results.len())),
            ),
            ("Targets missed".into(), missed.len().to_string()),
        ],
        tables: vec![record_table(
            ix,
            "sla_result",
            "Targets missed",
            &["title", "sla", "period_start", "target", "measured"],
            &missed,
            "Every target was met.",
        )],
        notes_space: false,
    });

    let audits: Vec<&Entry> = live(ix, "audit")
        .into_iter()
        .filter(|e| {
            in_period(date_of(e, "conducted"), from, to)
                || in_period(date_of(e, "planned"), from, to)
        })
        .collect();
    let findings: Vec<&Entry> = live(ix, "audit_finding")
        .into_iter()
        .filter(|f| {
            f.record
                .links("audit")
                .iter()
                .any(|a| audits.iter().any(|x| &x.id == a))
        })
        .collect();
    sections.push(Section {
        heading: "Audit results".into(),
        facts: vec![
            ("Audits".into(), audits.len().to_string()),
            ("Findings".into(), findings.len().to_string()),
        ],
        tables: vec![
            record_table(
                ix,
                "audit",
                "Internal audits in the period",
                &[
                    "title",
                    "planned",
                    "conducted",
                    "lead_auditor",
                    "status",
                    "summary",
                ],
                &audits,
                "No audits in the period.",
            ),
            record_table(
                ix,
                "audit_finding",
                "Their findings",
                &["title", "audit", "clause", "kind", "nonconformity"],
                &findings,
                "No findings.",
            ),
        ],
        notes_space: false,
    });

    let ncs: Vec<&Entry> = live(ix, "nonconformity")
        .into_iter()
        .filter(|e| is_open(e) || in_period(date_of(e, "closed_on"), from, to))
        .collect();
    let corrective: Vec<&Entry> = live(ix, "action")
        .into_iter()
        .filter(|e| {
            e.record.text("kind") == "corrective"
                && (is_open(e) || in_period(date_of(e, "completed_on"), from, to))
        })
        .collect();
    sections.push(Section {
        heading: "Nonconformities and corrective actions".into(),
        facts: vec![
            (
                "Open nonconformities".into(),
                ncs.iter().filter(|e| is_open(e)).count().to_string(),
            ),
            (
                "Open corrective actions".into(),
                corrective.iter().filter(|e| is_open(e)).count().to_string(),
            ),
        ],
        tables: vec![
            record_table(
                ix,
                "nonconformity",
                "Nonconformities open or closed in the period",
                &["title", "origin", "severity", "owner", "due_date", "status"],
                &ncs,
                "No nonconformities.",
            ),
            record_table(
                ix,
                "action",
                "Corrective actions",
                &["title", "owner", "due_date", "status", "completed_on"],
                &corrective,
                "No corrective actions.",
            ),
        ],
        notes_space: false,
    });

    let risks: Vec<&Entry> = live(ix, "risk")
        .into_iter()
        .filter(|e| is_open(e))
        .collect();
    let mut high: Vec<&Entry> = risks
        .iter()
        .copied()
        .filter(|e| {
            e.record
                .int("likelihood")
                .zip(e.record.int("impact"))
                .is_some_and(|(l, i)| l.saturating_mul(i) >= 12)
        })
        .collect();
    crate::order::sort_by_key(&mut high, |e| {
        std::cmp::Reverse(
            e.record
                .int("likelihood")
                .unwrap_or(0)
                .saturating_mul(e.record.int("impact").unwrap_or(0)),
        )
    });
    sections.push(Section {
        heading: "Risks and opportunities".into(),
        facts: vec![
            (
                "Open risks and opportunities".into(),
                risks.len().to_string(),
            ),
            ("Scored 12 or more".into(), high.len().to_string()),
        ],
        tables: vec![record_table(
            ix,
            "risk",
            "Risks and opportunities scored 12 or more",
            &[
                "title",
                "kind",
                "score",
                "residual_score",
                "owner",
                "treatment",
                "status",
            ],
            &high,
            "None scored 12 or more.",
        )],
        notes_space: false,
    });

    let improvements: Vec<&Entry> = live(ix, "improvement")
        .into_iter()
        .filter(|e| is_open(e))
        .collect();
    sections.push(Section {
        heading: "Opportunities for improvement".into(),
        facts: vec![("Open".into(), improvements.len().to_string())],
        tables: vec![record_table(
            ix,
            "improvement",
            "Improvements not yet done",
            &["title", "source", "priority", "owner", "due_date", "status"],
            &improvements,
            "No open improvements.",
        )],
        notes_space: false,
    });

    sections.push(Section {
        heading: "Decisions and actions".into(),
        notes_space: true,
        ..Section::default()
    });
    Report {
        title: "Management review pack".into(),
        subtitle: format!(
            "Clause 9.3 · period {} to {}",
            long_date(from),
            long_date(to)
        ),
        sections,
    }
}

fn context_keys() -> Vec<&'static str> {
    registers::register("context_issue")
        .map(|d| {
            std::iter::once(d.title)
                .chain(d.columns.iter().copied())
                .collect()
        })
        .unwrap_or_default()
}

pub fn long_date(d: NaiveDate) -> String {
    crate::dates::long(d)
}

// ---- service report ------------------------------------------------------------

/// A service's report for `from`–`to`: SLA attainment, incidents and
/// requests, changes, and major events.
pub fn service_report(
    ix: &RecordIndex,
    service: &RecordId,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<Report> {
    let svc = ix.live_record(service)?;
    if svc.def.id != "service" {
        return None;
    }
    let for_service = |e: &&Entry, key: &str| e.record.links(key).contains(service);
    let slas: Vec<&Entry> = live(ix, "sla")
        .into_iter()
        .filter(|e| for_service(e, "service"))
        .collect();
    let results: Vec<&Entry> = live(ix, "sla_result")
        .into_iter()
        .filter(|e| {
            in_period(date_of(e, "period_start"), from, to)
                && e.record
                    .links("sla")
                    .iter()
                    .any(|s| slas.iter().any(|x| &x.id == s))
        })
        .collect();
    let met = results
        .iter()
        .filter(|e| computed(e, "met").as_deref() == Some("Met"))
        .count();
    let mut incidents: Vec<&Entry> = live(ix, "incident")
        .into_iter()
        .filter(|e| for_service(e, "service") && in_period(date_of(e, "opened"), from, to))
        .collect();
    crate::order::sort_by_key(&mut incidents, |e| date_of(e, "opened"));
    let major: Vec<&Entry> = incidents
        .iter()
        .copied()
        .filter(|e| e.record.get("major") == Some(&Value::Flag(true)))
        .collect();
    let requests: Vec<&Entry> = live(ix, "service_request")
        .into_iter()
        .filter(|e| for_service(e, "service") && in_period(date_of(e, "opened"), from, to))
        .collect();
    let changes: Vec<&Entry> = live(ix, "change")
        .into_iter()
        .filter(|e| {
            for_service(e, "services")
                && (in_period(date_of(e, "implemented"), from, to)
                    || in_period(date_of(e, "scheduled"), from, to))
        })
        .collect();
    let security: Vec<&Entry> = live(ix, "security_incident")
        .into_iter()
        .filter(|e| for_service(e, "services") && in_period(date_of(e, "opened"), from, to))
        .collect();
    let by_priority = |p: &str| {
        incidents
            .iter()
            .filter(|e| computed(e, "priority").as_deref() == Some(p))
            .count()
    };
    Some(Report {
        title: format!("Service report: {}", svc.title()),
        subtitle: format!("Clause 9.4 · {} to {}", long_date(from), long_date(to)),
        sections: vec![
            Section {
                heading: "SLA attainment".into(),
                facts: vec![
                    ("SLAs".into(), slas.len().to_string()),
                    ("Results in the period".into(), results.len().to_string()),
                    (
                        "Targets met".into(),
                        format!("{met} ({})", percent(met, results.len())),
                    ),
                ],
                tables: vec![record_table(
                    ix,
                    "sla_result",
                    "SLA results in the period",
                    &[
                        "title",
                        "sla",
                        "period_start",
                        "metric",
                        "target",
                        "measured",
                        "met",
                    ],
                    &results,
                    "No SLA results in the period.",
                )],
                notes_space: false,
            },
            Section {
                heading: "Incidents and service requests".into(),
                facts: vec![
                    ("Incidents".into(), incidents.len().to_string()),
                    (
                        "P1 / P2 / P3 / P4".into(),
                        format!(
                            "{} / {} / {} / {}",
                            by_priority("P1"),
                            by_priority("P2"),
                            by_priority("P3"),
                            by_priority("P4")
                        ),
                    ),
                    ("Service requests".into(), requests.len().to_string()),
                ],
                tables: vec![record_table(
                    ix,
                    "incident",
                    "Incidents opened in the period",
                    &["title", "opened", "priority", "status", "hours"],
                    &incidents,
                    "No incidents in the period.",
                )],
                notes_space: false,
            },
            Section {
                heading: "Changes".into(),
                facts: vec![("Changes".into(), changes.len().to_string())],
                tables: vec![record_table(
                    ix,
                    "change",
                    "Changes scheduled or implemented in the period",
                    &["title", "kind", "scheduled", "implemented", "outcome"],
                    &changes,
                    "No changes in the period.",
                )],
                notes_space: false,
            },
            Section {
                heading: "Major events".into(),
                facts: vec![
                    ("Major incidents".into(), major.len().to_string()),
                    ("Security incidents".into(), security.len().to_string()),
                ],
                tables: vec![
                    record_table(
                        ix,
                        "incident",
                        "Major incidents",
                        &["title", "opened", "resolved", "resolution"],
                        &major,
                        "No major incidents.",
                    ),
                    record_table(
                        ix,
                        "security_incident",
                        "Information security incidents",
                        &["title", "opened", "severity", "status"],
                        &security,
                        "No security incidents.",
                    ),
                ],
                notes_space: false,
            },
        ],
    })
}

// ---- audit report ----------------------------------------------------------------

/// One internal audit with its findings and the nonconformities they raised.
pub fn audit_report(ix: &RecordIndex, audit: &RecordId) -> Option<Report> {
    let a = ix.live_record(audit)?;
    if a.def.id != "audit" {
        return None;
    }
    let def = a.def;
    let facts: Vec<(String, String)> = [
        "planned",
        "conducted",
        "lead_auditor",
        "auditors",
        "auditees",
        "status",
    ]
    .iter()
    .filter_map(|k| def.field(k))
    .map(|f| {
        (
            f.label.to_owned(),
            cell_with(f, a.record.get(f.key), ix, false),
        )
    })
    .collect();
    let findings: Vec<&Entry> = live(ix, "audit_finding")
        .into_iter()
        .filter(|f| f.record.links("audit").contains(audit))
        .collect();
    let ncs: Vec<&Entry> = findings
        .iter()
        .flat_map(|f| f.record.links("nonconformity").to_vec())
        .filter_map(|id| ix.live_record(&id).map(|e| e.as_ref()))
        .collect();
    let text = |k: &str| a.record.text(k).to_owned();
    Some(Report {
        title: format!("Internal audit report: {}", a.title()),
        subtitle: "Clause 9.2".into(),
        sections: vec![
            Section {
                heading: "The audit".into(),
                facts: [
                    ("Scope".to_owned(), text("scope")),
                    ("Criteria".to_owned(), text("criteria")),
                ]
                .into_iter()
                .chain(facts)
                .collect(),
                ..Section::default()
            },
            Section {
                heading: "Summary of results".into(),
                facts: vec![("Summary".into(), text("summary"))],
                ..Section::default()
            },
            Section {
                heading: "Findings".into(),
                facts: vec![("Findings".into(), findings.len().to_string())],
                tables: vec![record_table(
                    ix,
                    "audit_finding",
                    "Findings of this audit",
                    &[
                        "title",
                        "clause",
                        "kind",
                        "description",
                        "nonconformity",
                        "owner",
                    ],
                    &findings,
                    "No findings recorded.",
                )],
                notes_space: false,
            },
            Section {
                heading: "Nonconformities raised".into(),
                tables: vec![record_table(
                    ix,
                    "nonconformity",
                    "Nonconformities from these findings",
                    &["title", "severity", "owner", "due_date", "status"],
                    &ncs,
                    "No nonconformities raised.",
                )],
                ..Section::default()
            },
        ],
    })
}

// ---- charts --------------------------------------------------------------------

/// Figures for the charts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charts {
    /// Per clause 4–10: its number, title and counts by status.
    pub checklist: Vec<(&'static Clause, Rollup)>,
    /// Live, open risks by likelihood (row) and impact (column), 1–5.
    pub inherent: [[usize; 5]; 5],
    /// The same by residual likelihood and impact, where assessed.
    pub residual: [[usize; 5]; 5],
    /// Incidents opened per month, the last 12 months to `today`: ("2027-03", n).
    pub incidents_by_month: Vec<(String, usize)>,
    /// SLA results per month: (month, met, measured).
    pub sla_by_month: Vec<(String, usize, usize)>,
    /// Open nonconformities per age band: (band label, n).
    pub nc_ages: Vec<(&'static str, usize)>,
}

fn months_to(today: NaiveDate) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..12 {
        out.push((y, m));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

pub fn charts(summary: &Summary, ix: &RecordIndex, today: NaiveDate) -> Charts {
    let items = &summary.checklist;
    let (per, _) = rollups(items.iter().map(|(c, s)| (*c, s.status)));
    let mut inherent = [[0; 5]; 5];
    let mut residual = [[0; 5]; 5];
    for e in ix.live("risk").filter(|e| is_open(e)) {
        let cell = |l: &str, i: &str| {
            e.record
                .int(l)
                .zip(e.record.int(i))
                .filter(|(l, i)| (1..=5).contains(l) && (1..=5).contains(i))
        };
        if let Some((l, i)) = cell("likelihood", "impact") {
            inherent[(l - 1) as usize][(i - 1) as usize] += 1;
        }
        if let Some((l, i)) = cell("residual_likelihood", "residual_impact") {
            residual[(l - 1) as usize][(i - 1) as usize] += 1;
        }
    }
    let months = months_to(today);
    let key = |(y, m): &(i32, u32)| format!("{y}-{m:02}");
    let slot = |d: Option<NaiveDate>| {
        let d = d?;
        months.iter().position(|ym| *ym == (d.year(), d.month()))
    };
    // One pass over each register, each record counted in its month.
    let mut incidents = [0usize; 12];
    for e in ix.live("incident") {
        if let Some(i) = slot(date_of(e, "opened")) {
            incidents[i] += 1;
        }
    }
    let mut sla = [(0usize, 0usize); 12];
    for e in ix.live("sla_result") {
        if let Some(i) = slot(date_of(e, "period_start")) {
            sla[i].1 += 1;
            if computed(e, "met").as_deref() == Some("Met") {
                sla[i].0 += 1;
            }
        }
    }
    let incidents_by_month = months
        .iter()
        .zip(incidents)
        .map(|(ym, n)| (key(ym), n))
        .collect();
    let sla_by_month = months
        .iter()
        .zip(sla)
        .map(|(ym, (met, n))| (key(ym), met, n))
        .collect();
    let nc_ages = AGE_BANDS
        .iter()
        .zip(crate::dashboard::nonconformity_ages(ix, today))
        .map(|((label, _, _), n)| (*label, n))
        .collect();
    Charts {
        checklist: per,
        inherent,
        residual,
        incidents_by_month,
        sla_by_month,
        nc_ages,
    }
}
