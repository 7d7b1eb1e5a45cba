//! Writes the fixture workbook of the current schema version:
//! `cargo run -p sms-core --example write_fixture -- tests/fixtures/v<N>.smsw`
use chrono::{TimeZone, Utc};
use sms_core::{demo, ActorBytes, ChangeContext, RecordId, WorkbookId};

fn main() {
    let path = std::env::args().nth(1).expect("output path");
    let ctx = ChangeContext::new("Fixture", Utc.timestamp_opt(1_790_000_000, 0).unwrap());
    let mut n = 0u16;
    let data = demo::DemoData::parse(include_str!("../data/demo.json")).expect("demo data");
    let mut wb = demo::build(
        &data,
        WorkbookId::from_random([0x5a; 16]),
        ActorBytes([1; 16]),
        &ctx,
        || {
            n += 1;
            let [hi, lo] = n.to_be_bytes();
            RecordId::from_random([hi, lo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        },
    )
    .expect("demo");
    std::fs::write(&path, wb.save()).expect("write fixture");
}
