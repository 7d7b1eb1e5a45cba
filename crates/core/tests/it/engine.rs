//! The register engine: declarations, validation, computed fields, queries.

use std::collections::BTreeSet;

use crate::common::*;
use sms_core::catalogue;
use sms_core::registers::{self, Kind, Query, RecordDraft, SortDir, REGISTERS};
use sms_core::Value;

#[test]
fn declarations_are_consistent() {
    let mut ids = BTreeSet::new();
    for def in REGISTERS {
        assert!(ids.insert(def.id), "duplicate register {}", def.id);
        let mut keys = BTreeSet::new();
        for f in def.fields {
            assert!(keys.insert(f.key), "{}: duplicate field {}", def.id, f.key);
            assert!(!f.label.is_empty());
            match f.kind {
                Kind::Link { to, .. } => assert!(
                    registers::register(to).is_some(),
                    "{}.{} links to unknown {to}",
                    def.id,
                    f.key
                ),
                Kind::Choice(options) => {
                    assert!(!options.is_empty());
                    let uniq: BTreeSet<_> = options.iter().map(|(k, _)| k).collect();
                    assert_eq!(
                        uniq.len(),
                        options.len(),
                        "{}.{} has duplicate options",
                        def.id,
                        f.key
                    );
                }
                _ => {}
            }
        }
        let title = def.field(def.title).expect("title field exists");
        assert!(title.required, "{}: the title field is required", def.id);
        assert!(
            matches!(title.kind, Kind::Text { .. } | Kind::Person),
            "{}: title is text",
            def.id
        );
        for c in def.columns {
            assert!(def.field(c).is_some(), "{}: column {c}", def.id);
        }
        assert!(def.field(def.sort.0).is_some(), "{}: sort key", def.id);
        assert!(!def.about.is_empty() && def.about.ends_with('.'));
    }
    assert!(
        REGISTERS.len() >= 40,
        "every register the standard needs: {}",
        REGISTERS.len()
    );
}

#[test]
fn the_catalogue_and_the_engine_name_the_same_registers() {
    let engine: BTreeSet<_> = REGISTERS.iter().map(|d| d.id).collect();
    let catalogue: BTreeSet<_> = catalogue::REGISTER_IDS.iter().copied().collect();
    assert_eq!(engine, catalogue);
}

#[test]
fn validation_reports_each_bad_field_in_order() {
    let def = registers::register("incident").unwrap();
    let mut d = RecordDraft::new(def);
    d.set("title", "   ");
    d.set("opened", "yesterday");
    d.set("impact", "enormous");
    d.set("escalated", "maybe");
    let errors = d.validate(def).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["title", "opened", "impact", "escalated"]);
    assert_eq!(errors[0].message, "Enter the title.");
    assert_eq!(
        errors[1].message,
        "Enter a date and time, for example 2027-03-31 14:30."
    );
    assert_eq!(errors[2].message, "Choose one of: low, medium, high.");
    assert_eq!(
        d.field_error(def, "title").unwrap().message,
        "Enter the title."
    );
    assert_eq!(d.field_error(def, "description"), None);
}

#[test]
fn numbers_dates_and_lengths_are_checked() {
    let def = registers::register("risk").unwrap();
    let base = [
        ("title", "A"),
        ("owner", "Ana"),
        ("likelihood", "3"),
        ("impact", "3"),
    ];
    let check = |key: &'static str, value: &str| {
        let mut d = RecordDraft::new(def);
        for (k, v) in base {
            d.set(k, v);
        }
        d.set(key, value);
        d.validate(def).err().map(|e| e[0].message.clone())
    };
    assert_eq!(
        check("likelihood", "6").as_deref(),
        Some("Enter a whole number from 1 to 5.")
    );
    assert_eq!(
        check("likelihood", "2.5").as_deref(),
        Some("Enter a whole number from 1 to 5.")
    );
    assert_eq!(
        check("review_date", "2027-02-30").as_deref(),
        Some("Enter a date, for example 2027-03-31.")
    );
    assert_eq!(check("review_date", "2027-02-28"), None);
    assert_eq!(
        check("title", &"é".repeat(200)),
        None,
        "length counts characters"
    );
    assert_eq!(
        check("title", &"é".repeat(201)).as_deref(),
        Some("Keep the title to 200 characters or fewer.")
    );
    let util = registers::register("capacity").unwrap();
    let mut d = RecordDraft::new(util);
    d.set("title", "Storage");
    d.set("utilisation", "85,5");
    assert_eq!(
        d.validate(util).unwrap().get("utilisation"),
        Some(&Value::Dec(85.5)),
        "a decimal comma is accepted"
    );
}

#[test]
fn computed_fields() {
    let get = |register: &str, fields: &[(&'static str, &str)], key: &str| {
        let def = registers::register(register).unwrap();
        record(register, fields).value_of(def.field(key).unwrap())
    };
    let r = [
        ("title", "A"),
        ("owner", "Ana"),
        ("likelihood", "4"),
        ("impact", "5"),
        ("residual_likelihood", "2"),
        ("residual_impact", "2"),
    ];
    assert_eq!(get("risk", &r, "score"), Some(Value::Int(20)));
    assert_eq!(
        get("risk", &r, "band"),
        Some(Value::Text("Critical".into()))
    );
    assert_eq!(get("risk", &r, "residual_score"), Some(Value::Int(4)));
    let inc = [
        ("title", "Mail down"),
        ("opened", "2026-10-01T09:00"),
        ("resolved", "2026-10-01T11:30"),
        ("impact", "high"),
        ("urgency", "medium"),
        ("status", "resolved"),
    ];
    assert_eq!(
        get("incident", &inc, "priority"),
        Some(Value::Text("P2".into()))
    );
    assert_eq!(get("incident", &inc, "hours"), Some(Value::Dec(2.5)));
    let sla = |dir: &str, measured: &str| {
        let fields = [
            ("title", "x"),
            ("sla", rid(1).as_str().to_owned().leak() as &str),
            ("period_start", "2026-10-01"),
            ("metric", "m"),
            ("direction", dir),
            ("target", "99.5"),
            ("measured", measured),
        ];
        get("sla_result", &fields, "met")
    };
    assert_eq!(sla("at_least", "99.7"), Some(Value::Text("Met".into())));
    assert_eq!(
        sla("at_least", "99.1"),
        Some(Value::Text("Breached".into()))
    );
    assert_eq!(sla("at_most", "99.1"), Some(Value::Text("Met".into())));
    assert_eq!(
        get(
            "budget",
            &[
                ("title", "b"),
                ("period", "2026"),
                ("budget", "1000"),
                ("actual", "1200.5")
            ],
            "variance"
        ),
        Some(Value::Dec(-200.5))
    );
}

#[test]
fn queries_search_filter_and_sort() {
    let def = registers::register("risk").unwrap();
    let rows: Vec<_> = [
        ("Flood in basement", "2", "5", "open"),
        ("Phishing", "4", "5", "closed"),
        ("Supplier failure", "3", "3", "open"),
        ("Flood of tickets", "1", "1", "open"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (t, l, im, st))| {
        let status = if *st == "open" {
            "identified"
        } else {
            "closed"
        };
        (
            rid(i as u8),
            record(
                "risk",
                &[
                    ("title", t),
                    ("owner", "Ana"),
                    ("likelihood", l),
                    ("impact", im),
                    ("status", status),
                ],
            ),
        )
    })
    .collect();
    let titles = |q: &Query| -> Vec<String> {
        q.apply(def, &rows)
            .into_iter()
            .map(|i| rows[i].1.text("title").to_owned())
            .collect()
    };

    // Default: most severe first.
    assert_eq!(
        titles(&Query::default()),
        [
            "Phishing",
            "Flood in basement",
            "Supplier failure",
            "Flood of tickets"
        ]
    );
    // Every term must match, case-insensitively, across text and choice labels.
    assert_eq!(
        titles(&Query {
            search: "FLOOD basement".into(),
            ..Query::default()
        }),
        ["Flood in basement"]
    );
    assert_eq!(
        titles(&Query {
            search: "identified flood".into(),
            ..Query::default()
        }),
        ["Flood in basement", "Flood of tickets"]
    );
    // Filters on a choice field.
    assert_eq!(
        titles(&Query {
            filters: vec![("status", "closed".into())],
            ..Query::default()
        }),
        ["Phishing"]
    );
    // Sort by another field, both ways; ties broken by title.
    assert_eq!(
        titles(&Query {
            sort: Some(("title", SortDir::Asc)),
            ..Query::default()
        }),
        [
            "Flood in basement",
            "Flood of tickets",
            "Phishing",
            "Supplier failure"
        ]
    );
    assert_eq!(
        titles(&Query {
            sort: Some(("likelihood", SortDir::Asc)),
            ..Query::default()
        })[0],
        "Flood of tickets"
    );
}
