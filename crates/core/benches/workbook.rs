//! Benchmarks of the workbook operations at 1,000 and 10,000 incident
//! records (see `sms_testdata`).
//!
//!     cargo bench -p sms-core --bench workbook
//!
//! Before the timings it prints, for each size, the saved document size and
//! roughly how much resident memory a loaded workbook takes (measured in a
//! fresh process running this binary, on Linux only).

#[path = "shared/memory.rs"]
mod memory;

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode};
use sms_core::registers::{self, Query};
use sms_core::{
    ActorBytes, ChangeContext, Record, RecordId, RecordIndex, SortedList, Value, Workbook,
};
use sms_testdata::{self as generate, Rng};

const SIZES: [usize; 2] = [1_000, 10_000];
const SEED: u64 = 20_261_124;
/// How many edits the other copy makes in the merge benchmark.
const EDITS: usize = 1_000;

fn actor(n: u8) -> ActorBytes {
    ActorBytes([n; 16])
}

fn ctx(author: &str) -> ChangeContext {
    ChangeContext::new(author, Utc.timestamp_opt(1_860_000_000, 0).unwrap())
}

/// Everything one size needs, prepared once, outside the measurements.
struct Fixture {
    n: usize,
    /// The generated workbook, saved as a snapshot.
    bytes: Vec<u8>,
    /// The workbook loaded from `bytes`.
    loaded: Workbook,
    /// A copy of `loaded` that made [`EDITS`] edits, one change each.
    edited: Workbook,
    /// All live incidents of `loaded`.
    rows: Vec<(RecordId, Record)>,
    /// The service whose backlinks are measured.
    service: RecordId,
    /// The read model of `loaded`, and its incident list in default order.
    index: RecordIndex,
    list: SortedList,
    /// A new incident for the add benchmark.
    new_id: RecordId,
    new_record: Record,
}

impl Fixture {
    fn new(n: usize) -> Self {
        let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let bytes = generate::incidents(n, SEED, at)
            .expect("generated workbook")
            .save();
        let mut loaded = Workbook::load([bytes.as_slice()], actor(1)).expect("load");
        let rows = loaded.records("incident");
        assert_eq!(rows.len(), n);
        let (service, service_name) = loaded
            .records("service")
            .into_iter()
            .map(|(id, r)| {
                let name = r.text("name").to_owned();
                (id, name)
            })
            .next()
            .expect("a service");

        let mut edited = loaded.fork(actor(2));
        let stride = (rows.len() / EDITS).max(1);
        let mut made = 0;
        for (i, (id, record)) in rows.iter().enumerate().step_by(stride) {
            let mut r = record.clone();
            r.set("assignee", Value::Text(format!("Night shift {}", i % 7)));
            if edited.update_record(id, &r, &ctx("Ben Harris")).unwrap() {
                made += 1;
            }
        }
        // With fewer incidents than edits, edit the same records again.
        let mut round = 0;
        while made < EDITS {
            round += 1;
            for (id, record) in &rows {
                if made == EDITS {
                    break;
                }
                let mut r = record.clone();
                r.set("assignee", Value::Text(format!("Round {round}")));
                if edited.update_record(id, &r, &ctx("Ben Harris")).unwrap() {
                    made += 1;
                }
            }
        }

        // The merge benchmark relies on the edited copy holding everything
        // the loaded workbook has, plus the edits.
        let mut check = loaded.fork(actor(7));
        check.merge(&mut edited).unwrap();
        assert_eq!(check.heads(), edited.heads());
        assert!(edited.history().len() >= loaded.history().len() + EDITS);

        let mut rng = Rng::new(SEED ^ 0xadd);
        let def = registers::register("incident").unwrap();
        let opened = chrono::NaiveDate::from_ymd_opt(2028, 6, 1)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        let new_record = generate::incident_draft(&mut rng, &service, &service_name, opened)
            .validate(def)
            .expect("valid incident");
        let new_id = rng.record_id();
        let index = RecordIndex::build(&loaded);
        let list = SortedList::new(&index, def, None);

        Fixture {
            n,
            bytes,
            loaded,
            edited,
            rows,
            service,
            new_id,
            new_record,
            index,
            list,
        }
    }
}

fn query() -> Query {
    Query {
        search: "users timeout".into(),
        filters: vec![("status", "closed".into())],
        sort: None,
    }
}

/// Shorter measurements for the larger size, to keep the whole run short.
fn measurement_time(n: usize) -> Duration {
    if n >= 10_000 {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(3)
    }
}

fn bench_all(c: &mut Criterion, fixtures: &mut [Fixture]) {
    let mut g = c.benchmark_group("load");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        g.bench_with_input(BenchmarkId::from_parameter(f.n), &f.bytes, |b, bytes| {
            b.iter_with_large_drop(|| {
                Workbook::load([black_box(bytes.as_slice())], actor(3)).unwrap()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("save");
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter(|| f.loaded.save())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("records");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| f.loaded.records(black_box("incident")))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("query");
    let def = registers::register("incident").unwrap();
    for f in fixtures.iter() {
        let q = query();
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter(|| q.apply(def, black_box(&f.rows)))
        });
    }
    g.finish();

    // The first add after opening a workbook, which does some one-off work
    // besides the add: each iteration loads the workbook afresh (outside the
    // measurement), so every add sees a workbook of the same size. Loading
    // takes far longer than the add, hence few iterations.
    let mut g = c.benchmark_group("add_record");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter() {
        g.measurement_time(Duration::from_millis(50));
        let ctx = ctx("Chen Wei");
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_batched(
                || Workbook::load([f.bytes.as_slice()], actor(4)).unwrap(),
                |mut wb| {
                    wb.add_record("incident", &f.new_id, &f.new_record, &ctx)
                        .unwrap();
                    wb
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    // Further adds: one copy per sample, which has already added one record,
    // then adds one new record per iteration (a sample adds a few hundred at
    // most, a small part of the workbook).
    let mut g = c.benchmark_group("add_record_next");
    for f in fixtures.iter_mut() {
        g.measurement_time(Duration::from_secs(1));
        let ctx = ctx("Chen Wei");
        let mut rng = Rng::new(SEED ^ 0xadd2);
        let Fixture {
            loaded,
            new_id,
            new_record,
            n,
            ..
        } = f;
        g.bench_function(BenchmarkId::from_parameter(*n), |b| {
            b.iter_custom(|iters| {
                let mut copy = loaded.fork(actor(4));
                copy.add_record("incident", new_id, new_record, &ctx)
                    .unwrap();
                let ids: Vec<RecordId> = (0..iters).map(|_| rng.record_id()).collect();
                let start = Instant::now();
                for id in &ids {
                    copy.add_record("incident", black_box(id), new_record, &ctx)
                        .unwrap();
                }
                start.elapsed()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("merge_1000_changes");
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        let Fixture {
            loaded, edited, n, ..
        } = f;
        g.bench_function(BenchmarkId::from_parameter(*n), |b| {
            b.iter_batched(
                || loaded.fork(actor(5)),
                |mut base| {
                    base.merge(edited).unwrap();
                    base
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("index_build");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| RecordIndex::build(black_box(&f.loaded)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("sort_list");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| SortedList::new(black_box(&f.index), def, None))
        });
    }
    g.finish();

    // One keystroke in the search box: filter the sorted list.
    let mut g = c.benchmark_group("filter_keystroke");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        let q = Query {
            search: "network".into(),
            ..Query::default()
        };
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| f.list.filter(black_box(&q)))
        });
    }
    g.finish();

    // What the screen costs after one edit: the delta, re-reading the one
    // record into the index, and moving it in the sorted list (the edit
    // itself is not measured).
    let mut g = c.benchmark_group("edit_to_screen");
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        let mut copy = f.loaded.fork(actor(8));
        copy.track_changes();
        let mut index = RecordIndex::build(&copy);
        let mut list = SortedList::new(&index, def, None);
        let (id, record) = f.rows[f.rows.len() / 2].clone();
        let mut round = 0u64;
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let mut r = record.clone();
                    r.set("title", Value::Text(format!("Edited {round}")));
                    copy.update_record(&id, &r, &ctx("Chen Wei")).unwrap();
                    let start = Instant::now();
                    let delta = copy.take_delta();
                    index.apply(&copy, &delta);
                    if let Some(next) = list.refreshed(&index) {
                        list = next;
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }
    g.finish();

    // Merging a file of 1,000 changes and bringing the screen up to date.
    let mut g = c.benchmark_group("merge_1000_to_screen");
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        let Fixture {
            loaded, edited, n, ..
        } = f;
        g.bench_function(BenchmarkId::from_parameter(*n), |b| {
            b.iter_batched(
                || {
                    let mut base = loaded.fork(actor(5));
                    base.track_changes();
                    let index = RecordIndex::build(&base);
                    let list = SortedList::new(&index, def, None);
                    (base, index, list)
                },
                |(mut base, mut index, list)| {
                    base.merge(edited).unwrap();
                    let delta = base.take_delta();
                    index.apply(&base, &delta);
                    let list = list.refreshed(&index).unwrap_or(list);
                    (base, index, list)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    // The Activity page: every change's metadata (no operations read).
    let mut g = c.benchmark_group("history");
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| f.edited.history())
        });
    }
    g.finish();

    // A record's History section: its timeline with old → new values, in
    // a workbook of n records plus 1,000 edits.
    let mut g = c.benchmark_group("record_history");
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        let id = f.rows[0].0.clone();
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| {
                let t = f.edited.record_history(black_box(&id));
                assert!(t.len() >= 2, "added and edited");
                t
            })
        });
    }
    g.finish();

    // A whole register out to CSV text, and that text back in: read,
    // columns matched, every row checked, then stored in one change.
    let mut g = c.benchmark_group("export_csv");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        let def = registers::register("incident").unwrap();
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| {
                sms_core::csv::write(&sms_core::transfer::register_table(
                    def,
                    f.list.rows(),
                    &f.index,
                ))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("import_csv_plan");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        let def = registers::register("incident").unwrap();
        let text = sms_core::csv::write(&sms_core::transfer::register_table(
            def,
            f.list.rows(),
            &f.index,
        ));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            let mut rng = Rng::new(SEED ^ 0x1337);
            b.iter_with_large_drop(|| {
                let table = sms_core::csv::read(black_box(&text)).unwrap();
                let mut mapping = sms_core::transfer::guess_mapping(def, &table[0]);
                mapping[0] = None; // new records, not the ids already there
                let plan = sms_core::transfer::plan_import(def, &table, &mapping, &f.index, || {
                    rng.record_id()
                });
                assert_eq!(plan.good().len(), f.n);
                plan
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("import_csv_store");
    g.sampling_mode(SamplingMode::Flat);
    for f in fixtures.iter_mut() {
        g.measurement_time(measurement_time(f.n));
        g.sample_size(10);
        let def = registers::register("incident").unwrap();
        let table = sms_core::transfer::register_table(def, f.list.rows(), &f.index);
        let mut mapping = sms_core::transfer::guess_mapping(def, &table[0]);
        mapping[0] = None;
        let mut rng = Rng::new(SEED ^ 0x5eed);
        let good =
            sms_core::transfer::plan_import(def, &table, &mapping, &f.index, || rng.record_id())
                .good();
        let loaded = &mut f.loaded;
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_batched(
                || loaded.fork(actor(9)),
                |mut wb| {
                    wb.import_records("incident", &good, "bench.csv", &ctx("Cy"))
                        .unwrap();
                    wb
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("backlinks");
    for f in fixtures.iter() {
        g.measurement_time(measurement_time(f.n));
        g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
            b.iter_with_large_drop(|| f.loaded.backlinks(black_box(&f.service)))
        });
    }
    g.finish();
}

fn report_sizes(fixtures: &[Fixture]) {
    println!("Saved size, resident memory after loading (growth, in a fresh process), long text:");
    let def = registers::register("incident").unwrap();
    for f in fixtures {
        let memory = match memory::growth_of_loading(&f.bytes, &format!("workbook-{}", f.n)) {
            Some(kib) => format!("+{:.1} MiB", kib as f64 / 1024.0),
            None => "not measured".into(),
        };
        // Long text is stored as Automerge text: one operation per character.
        let chars: usize = f
            .rows
            .iter()
            .flat_map(|(_, r)| {
                def.fields
                    .iter()
                    .filter(|d| matches!(d.kind, registers::Kind::LongText { .. }))
                    .map(move |d| r.text(d.key).chars().count())
            })
            .sum();
        println!(
            "  {:>6} incidents: saved {:>9} bytes ({:.2} MiB); loaded {memory}; {:.0} long-text characters per incident",
            f.n,
            f.bytes.len(),
            f.bytes.len() as f64 / (1024.0 * 1024.0),
            chars as f64 / f.n as f64
        );
    }
}

fn main() {
    if memory::run_child() {
        return;
    }
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    let mut fixtures: Vec<Fixture> = SIZES.iter().map(|&n| Fixture::new(n)).collect();
    // Not in `cargo test --benches`, which runs every benchmark once.
    if std::env::args().any(|a| a == "--bench") {
        report_sizes(&fixtures);
    }
    bench_all(&mut c, &mut fixtures);
    c.final_summary();
}
