//! What the dashboard shows, computed from the workbook: reviews that are
//! overdue, upcoming audits and reviews, open nonconformities and actions
//! by age, and the risk heat map. Every figure keeps the records behind it.

use chrono::NaiveDate;

use crate::index::Entry;
use crate::registers::{Kind, REGISTERS};
use crate::{RecordId, RecordIndex};

/// Date fields that say when something is next due.
const DUE_FIELDS: &[&str] = &[
    "review_date",
    "next_due",
    "next_review",
    "next_test",
    "due_date",
];

/// Status values after which nothing is due any more.
const FINISHED: &[&str] = &[
    "closed",
    "done",
    "cancelled",
    "retired",
    "resolved",
    "achieved",
    "missed",
    "rejected",
    "fulfilled",
    "withdrawn",
    "expired",
];

/// What a date is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Record(RecordId),
    /// A checklist item, by its clause number.
    Item(&'static str),
}

/// A record or checklist item with a date that matters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dated {
    pub subject: Subject,
    /// The record's register (`"checklist"` for a checklist item).
    pub register: &'static str,
    pub title: String,
    /// Label of the date field, e.g. "Review date".
    pub what: &'static str,
    pub date: NaiveDate,
}

/// An open record and how many days it has been open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aged {
    pub id: RecordId,
    pub register: &'static str,
    pub title: String,
    pub days: i64,
}

/// Age bands for open items.
pub const AGE_BANDS: [(&str, i64, i64); 3] = [
    ("Under 30 days", 0, 29),
    ("30 to 90 days", 30, 90),
    ("Over 90 days", 91, i64::MAX),
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// Due dates that have passed, oldest first.
    pub overdue: Vec<Dated>,
    /// Audits and management reviews in the next 90 days, soonest first.
    pub upcoming: Vec<Dated>,
    /// Open nonconformities, oldest first.
    pub open_nonconformities: Vec<Aged>,
    /// Open corrective actions, oldest first.
    pub open_corrective_actions: Vec<Aged>,
    /// Live, not closed risks by likelihood (row, 1–5) and impact (column, 1–5).
    pub heat: [[Vec<RecordId>; 5]; 5],
}

/// Whether a status means nothing is due any more.
pub fn is_finished(status: &str) -> bool {
    FINISHED.contains(&status)
}

/// Whether a record is still open: neither its status nor its decision is
/// a finished one.
pub fn is_open_record(e: &Entry) -> bool {
    !is_finished(e.record.text("status")) && !is_finished(e.record.text("decision"))
}

/// Days an open record has been open on `today`: since its `opened` date,
/// or since it was created when that is empty.
pub fn days_open(e: &Entry, opened: &str, today: NaiveDate) -> Option<i64> {
    let since = e
        .record
        .date(opened)
        .or_else(|| e.info.created_at.map(|t| t.date_naive()))?;
    Some((today - since).num_days().max(0))
}

/// How many open nonconformities fall in each of [`AGE_BANDS`], counted
/// as [`Dashboard::compute`] counts them, without computing the rest.
pub fn nonconformity_ages(index: &RecordIndex, today: NaiveDate) -> [usize; 3] {
    let mut out = [0; 3];
    for e in index.live("nonconformity").filter(|e| is_open_record(e)) {
        if let Some(days) = days_open(e, "raised_on", today) {
            if let Some(i) = AGE_BANDS
                .iter()
                .position(|(_, lo, hi)| days >= *lo && days <= *hi)
            {
                out[i] += 1;
            }
        }
    }
    out
}

impl Dashboard {
    pub fn compute(index: &RecordIndex, today: NaiveDate) -> Self {
        let mut d = Dashboard::default();
        let ninety = today + chrono::Days::new(90);
        for def in REGISTERS {
            let due: Vec<_> = def
                .fields
                .iter()
                .filter(|f| matches!(f.kind, Kind::Date) && DUE_FIELDS.contains(&f.key))
                .collect();
            for e in index.live(def.id) {
                let (id, r) = (&e.id, &e.record);
                // Attached evidence past its validity, whatever the
                // record's status: named with the record it is on.
                for a in e.attachments.iter().filter(|a| a.expired(today)) {
                    d.overdue.push(Dated {
                        subject: Subject::Record(id.clone()),
                        register: def.id,
                        title: format!("{} on {}", a.name, r.text(def.title)),
                        what: "Evidence valid until",
                        date: a.valid_until.unwrap_or(today),
                    });
                }
                if !is_open_record(e) {
                    continue;
                }
                let title = || r.text(def.title).to_owned();
                for f in &due {
                    if let Some(date) = r.date(f.key) {
                        if date < today {
                            d.overdue.push(Dated {
                                subject: Subject::Record(id.clone()),
                                register: def.id,
                                title: title(),
                                what: f.label,
                                date,
                            });
                        }
                    }
                }
                let upcoming = match def.id {
                    "audit" => r.date("planned").filter(|_| r.text("status") == "planned"),
                    "management_review" => r.date("date").filter(|_| r.text("status") == "planned"),
                    _ => None,
                };
                if let Some(date) = upcoming.filter(|d| *d >= today && *d <= ninety) {
                    let what = def
                        .field(if def.id == "audit" { "planned" } else { "date" })
                        .map(|f| f.label)
                        .unwrap_or("Date");
                    d.upcoming.push(Dated {
                        subject: Subject::Record(id.clone()),
                        register: def.id,
                        title: title(),
                        what,
                        date,
                    });
                }
                match def.id {
                    "nonconformity" => {
                        if let Some(days) = days_open(e, "raised_on", today) {
                            d.open_nonconformities.push(Aged {
                                id: id.clone(),
                                register: def.id,
                                title: title(),
                                days,
                            });
                        }
                    }
                    "action" if r.text("kind") == "corrective" => {
                        if let Some(days) = days_open(e, "created", today) {
                            d.open_corrective_actions.push(Aged {
                                id: id.clone(),
                                register: def.id,
                                title: title(),
                                days,
                            });
                        }
                    }
                    "risk" => {
                        if let (Some(l), Some(i)) = (r.int("likelihood"), r.int("impact")) {
                            if (1..=5).contains(&l) && (1..=5).contains(&i) {
                                d.heat[(l - 1) as usize][(i - 1) as usize].push(id.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        d.sort_overdue();
        crate::order::sort_by(&mut d.upcoming, |a, b| {
            a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title))
        });
        crate::order::sort_by_key(&mut d.open_nonconformities, |a| std::cmp::Reverse(a.days));
        crate::order::sort_by_key(&mut d.open_corrective_actions, |a| {
            std::cmp::Reverse(a.days)
        });
        d
    }

    fn sort_overdue(&mut self) {
        crate::order::sort_by(&mut self.overdue, |a, b| {
            a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title))
        });
    }

    /// Adds the checklist items' own evidence past its validity to what is
    /// overdue.
    pub fn add_items(
        &mut self,
        checklist: &[(
            &'static crate::catalogue::Clause,
            crate::checklist::ItemState,
        )],
        today: NaiveDate,
    ) {
        let before = self.overdue.len();
        for (clause, state) in checklist {
            for a in state.attachments.iter().filter(|a| a.expired(today)) {
                self.overdue.push(Dated {
                    subject: Subject::Item(clause.number),
                    register: "checklist",
                    title: format!("{} on checklist item {}", a.name, clause.number),
                    what: "Evidence valid until",
                    date: a.valid_until.unwrap_or(today),
                });
            }
        }
        if self.overdue.len() > before {
            self.sort_overdue();
        }
    }

    /// Items of `items` in an age band.
    pub fn in_band(items: &[Aged], band: (i64, i64)) -> Vec<&Aged> {
        items
            .iter()
            .filter(|a| a.days >= band.0 && a.days <= band.1)
            .collect()
    }
}
