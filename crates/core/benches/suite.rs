//! The core's benchmark suite, on workbooks of records in every register
//! (`sms_testdata::workbook`), at the sizes in `SMS_BENCH_SIZES`
//! (comma separated, default 1000,10000,50000):
//!
//!     cargo bench -p sms-core --bench suite
//!     SMS_BENCH_SIZES=1000 SMS_BENCH_QUICK=1 cargo bench -p sms-core --bench suite
//!
//! Groups, each with one benchmark per size (`<group>/<n>`):
//! - `load`: open the saved snapshot (`Workbook::load`);
//! - `edit`: change one field of one record in an open workbook, and take
//!   the bytes to store (`update_record`, `take_unsaved`);
//! - `merge_1000`: merge a copy with 1,000 changes by someone else
//!   (`generate::edits`), then bring the read model up to date
//!   (`take_delta`, `RecordIndex::apply`);
//! - `preview_1000`: what merging that copy's 1,000 changes would do, read
//!   from their operations (`Workbook::preview_incoming`), without a copy
//!   of the workbook;
//! - `materialize`: read every record into the read model
//!   (`RecordIndex::build`);
//! - `view_open`: the fast start — the stored view decoded, checked and
//!   made the read model (`View::assemble`, `RecordIndex::from_stored`);
//! - `view_patch`: the view's part written with one edit's chunk;
//! - `filter`: one search keystroke on the incident list
//!   (`SortedList::filter`);
//! - `engine_edit`: one form save through the document engine, as the page
//!   sends it (`Edit::UpdateRecord` against the heads shown), with its
//!   update read and the reply encoded (`engine::codec::encode_edited`);
//! - `engine_refresh`: the whole read model as the engine sends it when a
//!   screen starts from nothing (`Engine::read_all`), encoded and decoded.
//!
//! `SMS_BENCH_QUICK=1` takes fewer, shorter samples (for CI). Before the
//! timings it prints one line per size, `SIZE {json}`: n, live records,
//! incidents, snapshot bytes, changes in the document, the merge copy's
//! changes and file size, and the growth of resident memory over loading
//! the snapshot in a fresh process (`rss_kib`, Linux only).

#[path = "shared/memory.rs"]
mod memory;

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode};
use sms_core::registers::{self, Query, REGISTERS};
use sms_core::view::{chunk_digest, Summary, View, ViewPart};
use sms_core::{
    ActorBytes, ChangeContext, Delta, Record, RecordId, RecordIndex, SortedList, Value, Workbook,
};
use sms_testdata as generate;

const SEED: u64 = 20_270_301;
const DEFAULT_SIZES: &str = "1000,10000,50000";
/// Changes in the copy that is merged.
const CHANGES: usize = 1_000;

fn actor(n: u8) -> ActorBytes {
    ActorBytes([n; 16])
}

fn sizes() -> Vec<usize> {
    let spec = std::env::var("SMS_BENCH_SIZES").unwrap_or_default();
    let spec = if spec.trim().is_empty() {
        DEFAULT_SIZES
    } else {
        spec.as_str()
    };
    spec.split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("SMS_BENCH_SIZES: not a size: {s:?}"))
        })
        .collect()
}

fn quick() -> bool {
    std::env::var("SMS_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Everything one size needs, prepared once, outside the measurements.
struct Fixture {
    n: usize,
    /// The generated workbook, saved as a snapshot.
    bytes: Vec<u8>,
    /// The workbook loaded from `bytes`.
    loaded: Workbook,
    /// A copy of `loaded` with [`CHANGES`] more changes, one record each.
    edited: Workbook,
    /// What merging `edited` into `loaded` brings, as a file.
    merge_bytes: usize,
    /// The read model of `loaded`, and its incident list in default order.
    list: SortedList,
    /// An incident, and two versions of it that differ in one field.
    incident: RecordId,
    versions: [Record; 2],
}

impl Fixture {
    fn new(n: usize) -> Self {
        let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let started = Instant::now();
        let mut generated = generate::workbook(n, SEED, at).expect("generated workbook");
        let generating = started.elapsed();
        let bytes = generated.save();
        drop(generated);
        let mut loaded = Workbook::load([bytes.as_slice()], actor(1)).expect("load");
        let later = at + chrono::Duration::days(generate::WORKBOOK_DAYS);
        let mut edited = generate::edits(&mut loaded, CHANGES, SEED ^ 0xed17, later, "Elif Demir")
            .expect("edits");
        let merge_bytes = edited.to_file().len();
        eprintln!(
            "{n} records: generated in {:.1} s, {CHANGES} changes made in {:.1} s",
            generating.as_secs_f64(),
            started.elapsed().as_secs_f64() - generating.as_secs_f64()
        );

        let def = registers::register("incident").unwrap();
        let index = RecordIndex::build(&loaded);
        let list = SortedList::new(&index, def, None);
        let (incident, record) = loaded
            .records("incident")
            .into_iter()
            .nth(n / 4)
            .or_else(|| loaded.records("incident").into_iter().next())
            .expect("an incident");
        let mut a = record.clone();
        a.set("assignee", Value::Text("Night shift A".into()));
        let mut b = record;
        b.set("assignee", Value::Text("Night shift B".into()));

        Fixture {
            n,
            bytes,
            loaded,
            edited,
            merge_bytes,
            list,
            incident,
            versions: [a, b],
        }
    }

    /// The `SIZE` line's figures.
    fn describe(&mut self) -> serde_json::Value {
        let records: usize = REGISTERS
            .iter()
            .map(|d| self.loaded.records(d.id).len())
            .sum();
        serde_json::json!({
            "n": self.n,
            "records": records,
            "incidents": self.loaded.records("incident").len(),
            "snapshot_bytes": self.bytes.len(),
            "changes": self.loaded.history().len(),
            "merge": { "changes": CHANGES, "bytes": self.merge_bytes },
            "rss_kib": memory::growth_of_loading(&self.bytes, &format!("suite-{}", self.n)),
        })
    }
}

fn ctx(author: &str) -> ChangeContext {
    ChangeContext::new(author, Utc.timestamp_opt(1_860_000_000, 0).unwrap())
}

/// Criterion's settings for one size.
fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    if quick() {
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_secs(1));
    } else if n >= 10_000 {
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
    } else {
        g.sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
}

fn bench_all(c: &mut Criterion, fixtures: &mut [Fixture]) {
    let mut g = c.benchmark_group("load");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter() {
        configure(&mut g, f.n);
        g.bench_with_input(BenchmarkId::from_parameter(f.n), &f.bytes, |b, bytes| {
            b.iter_with_large_drop(|| {
                Workbook::load([black_box(bytes.as_slice())], actor(3)).unwrap()
            })
        });
    }
    g.finish();

    // One edit in an open workbook (loaded, so everything counts as saved):
    // the update and the bytes to store. Each iteration writes the other
    // version, so every one changes the field.
    let mut g = c.benchmark_group("edit");
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let mut wb = Workbook::load([f.bytes.as_slice()], actor(4)).unwrap();
        let ctx = ctx("Chen Wei");
        let mut turn = 0;
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter(|| {
                turn = 1 - turn;
                let changed = wb
                    .update_record(&f.incident, black_box(&f.versions[turn]), &ctx)
                    .unwrap();
                assert!(changed);
                wb.take_unsaved().expect("bytes to store")
            })
        });
    }
    g.finish();

    // A form saved against the heads it was opened at, after someone
    // else's change arrived meanwhile: the save is made in isolation at
    // those heads and merged (what every stale form's save costs).
    let mut g = c.benchmark_group("edit_seen");
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let mut wb = Workbook::load([f.bytes.as_slice()], actor(5)).unwrap();
        let mut other = wb.fork(actor(6));
        let ctx = ctx("Chen Wei");
        let mut turn = 0;
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter(|| {
                turn = 1 - turn;
                let seen = wb.heads();
                other
                    .update_record(&f.incident, &f.versions[1 - turn], &ctx)
                    .unwrap();
                wb.apply_remote(&other.changes_after(&seen)).unwrap();
                wb.update_record_seen(&f.incident, black_box(&f.versions[turn]), &seen, &ctx)
                    .unwrap();
                let theirs = other.heads();
                other.apply_remote(&wb.changes_after(&theirs)).unwrap();
                wb.take_unsaved().expect("bytes to store")
            })
        });
    }
    g.finish();

    // A file of 1,000 changes merged into the open workbook, and the read
    // model brought up to date. The copy to merge into and its read model
    // are made outside the measurement.
    let mut g = c.benchmark_group("merge_1000");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let Fixture {
            loaded, edited, n, ..
        } = f;
        g.bench_function(BenchmarkId::from_parameter(*n), |b| {
            b.iter_batched(
                || {
                    let mut base = loaded.fork(actor(5));
                    base.track_changes();
                    let index = RecordIndex::build(&base);
                    (base, index)
                },
                |(mut base, mut index)| {
                    base.merge(edited).unwrap();
                    let delta = base.take_delta();
                    index.apply(&base, &delta);
                    (base, index, delta)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    // The preview of the same 1,000 changes: read from their operations
    // against the open workbook, which stays as it is.
    let mut g = c.benchmark_group("preview_1000");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let Fixture {
            loaded, edited, n, ..
        } = f;
        let incoming = loaded
            .incoming(edited)
            .expect("changes of the same workbook");
        g.bench_function(BenchmarkId::from_parameter(*n), |b| {
            b.iter(|| loaded.preview_incoming(black_box(&incoming)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("materialize");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter() {
        configure(&mut g, f.n);
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| RecordIndex::build(black_box(&f.loaded)))
        });
    }
    g.finish();

    // The fast start: the stored view decoded, checked and made the read
    // model (what the app does instead of `load` + `materialize`).
    let mut g = c.benchmark_group("view_open");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let index = RecordIndex::build(&f.loaded);
        let summary = Summary::of(&f.loaded);
        let digest = chunk_digest(["snapshot"]);
        let base = ViewPart::base(&index, &summary, f.loaded.heads(), digest).encode();
        let id = f.loaded.id().clone();
        eprintln!("{} records: view base {} bytes", f.n, base.len());
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| {
                let view = View::assemble(&id, Some(black_box(&base)), &[], digest).expect("view");
                (RecordIndex::from_stored(view.records), view.summary)
            })
        });
    }
    g.finish();

    // Writing the view's part for one edit (a patch of one record).
    let mut g = c.benchmark_group("view_patch");
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let index = RecordIndex::build(&f.loaded);
        let summary = Summary::of(&f.loaded);
        let delta = Delta {
            records: [f.incident.clone()].into_iter().collect(),
            ..Delta::default()
        };
        let heads = f.loaded.heads();
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter(|| {
                ViewPart::patch(&index, &summary, black_box(&delta), heads.clone(), 1, 2).encode()
            })
        });
    }
    g.finish();

    // One keystroke in the incident list's search box.
    let mut g = c.benchmark_group("filter");
    let q = Query {
        search: "time".into(),
        ..Query::default()
    };
    for f in fixtures.iter() {
        configure(&mut g, f.n);
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| f.list.filter(black_box(&q)))
        });
    }
    g.finish();
}

/// The document engine's share: what a page (or a worker) pays per edit and
/// for a whole read model.
fn bench_engine(c: &mut Criterion, fixtures: &mut [Fixture]) {
    use sms_core::engine::{codec, Done, Edit, Engine};
    let mut g = c.benchmark_group("engine_edit");
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let wb = Workbook::load([f.bytes.as_slice()], actor(6)).unwrap();
        let mut engine = Engine::from_workbook(wb, &ctx("Chen Wei")).engine;
        let ctx = ctx("Chen Wei");
        let mut turn = 0;
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter(|| {
                turn ^= 1;
                let seen = engine.read(&Delta::default()).heads;
                let (r, update) = engine.edit(
                    Edit::UpdateRecord {
                        id: f.incident.clone(),
                        record: f.versions[turn].clone(),
                        seen,
                    },
                    &ctx,
                );
                assert_eq!(r.as_ref().ok(), Some(&Done::Changed(true)));
                let reply = codec::encode_edited(&r, &update);
                (reply, engine.take_save(false))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("engine_refresh");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter_mut() {
        configure(&mut g, f.n);
        let wb = Workbook::load([f.bytes.as_slice()], actor(7)).unwrap();
        let mut engine = Engine::from_workbook(wb, &ctx("Chen Wei")).engine;
        let bytes = codec::encode_edited(&Ok(Done::Nothing), &engine.read_all());
        eprintln!(
            "{} records: whole read model as one engine message, {} bytes",
            f.n,
            bytes.len()
        );
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| {
                let bytes = codec::encode_edited(&Ok(Done::Nothing), &engine.read_all());
                codec::decode_edited(black_box(&bytes)).expect("decoded")
            })
        });
    }
    g.finish();
}

fn main() {
    if memory::run_child() {
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut fixtures: Vec<Fixture> = sizes().into_iter().map(Fixture::new).collect();
    for f in fixtures.iter_mut() {
        println!("SIZE {}", f.describe());
    }
    bench_all(&mut c, &mut fixtures);
    bench_engine(&mut c, &mut fixtures);
    c.final_summary();
}
