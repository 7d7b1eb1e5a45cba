use crate::common::*;
use chrono::NaiveDate;
use sms_core::dashboard::{Dashboard, AGE_BANDS};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn overdue_reviews_heat_map_and_ages() {
    let mut wb = new_workbook();
    let r = |t: &str, l: &str, i: &str, review: &str, status: &str| {
        record(
            "risk",
            &[
                ("title", t),
                ("owner", "Ana"),
                ("likelihood", l),
                ("impact", i),
                ("review_date", review),
                ("status", status),
            ],
        )
    };
    wb.add_record(
        "risk",
        &rid(1),
        &r("Overdue", "4", "5", "2026-10-01", "treating"),
        &ctx("Ana", 1),
    )
    .unwrap();
    wb.add_record(
        "risk",
        &rid(2),
        &r("Later", "4", "5", "2027-10-01", "assessed"),
        &ctx("Ana", 2),
    )
    .unwrap();
    wb.add_record(
        "risk",
        &rid(3),
        &r("Closed and old", "1", "1", "2020-01-01", "closed"),
        &ctx("Ana", 3),
    )
    .unwrap();
    let nc = record(
        "nonconformity",
        &[
            ("title", "Late reviews"),
            ("origin", "audit"),
            ("description", "d"),
            ("severity", "minor"),
            ("owner", "Ana"),
            ("status", "open"),
            ("raised_on", "2026-07-01"),
        ],
    );
    wb.add_record("nonconformity", &rid(4), &nc, &ctx("Ana", 4))
        .unwrap();
    let audit = record(
        "audit",
        &[
            ("title", "Q1 audit"),
            ("scope", "All"),
            ("planned", "2026-12-15"),
            ("status", "planned"),
        ],
    );
    wb.add_record("audit", &rid(5), &audit, &ctx("Ana", 5))
        .unwrap();

    let d = Dashboard::compute(&sms_core::RecordIndex::build(&wb), day("2026-11-24"));
    let overdue: Vec<_> = d
        .overdue
        .iter()
        .map(|x| (x.title.as_str(), x.what))
        .collect();
    assert_eq!(overdue, [("Overdue", "Review date")]);
    let mut hot = d.heat[3][4].clone();
    hot.sort();
    assert_eq!(hot, vec![rid(1), rid(2)], "likelihood 4, impact 5");
    assert!(d.heat[0][0].is_empty(), "closed risks are not on the map");
    assert_eq!(d.open_nonconformities.len(), 1);
    assert_eq!(d.open_nonconformities[0].days, 146);
    assert_eq!(
        Dashboard::in_band(&d.open_nonconformities, (AGE_BANDS[2].1, AGE_BANDS[2].2)).len(),
        1
    );
    assert_eq!(d.upcoming.len(), 1);
    assert_eq!(d.upcoming[0].date, day("2026-12-15"));
}
