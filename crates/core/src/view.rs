//! The materialized view: the current state of a workbook as the screen
//! reads it (every record with its metadata, the checklist, the name),
//! stored beside the Automerge chunks so a workbook can be shown without
//! loading its document first.
//!
//! A view is kept as a **base** (everything) followed by **patches** (the
//! records and checklist items one save changed). Each part says which set
//! of stored chunks it reflects, as a digest of their keys: `from` (the set
//! the part was written on top of) and `to` (the set after it). A view is
//! used only when a chain of parts starting at the base ends at exactly the
//! chunks in storage ([`View::assemble`]); anything else — a chunk another
//! tab wrote and no part covers, a part missing, bytes that fail their
//! checksum, an older or newer format — is refused, and the app loads the
//! document instead. Every part also carries the document heads it
//! reflects, which the app compares once the document is loaded.
//!
//! The encoding is a small binary format of our own (format
//! [`VIEW_FORMAT`]): length-prefixed strings, no field names repeated per
//! record beyond the short field key, and a checksum over the payload.

use std::collections::{BTreeMap, HashMap};

use automerge::ChangeHash;

use crate::binary::{Malformed, Reader, Writer};
use crate::catalogue::{self, Clause};
use crate::checklist::ItemState;
use crate::index::{Entry, RecordIndex};
use crate::workbook::{Delta, StoredRecord, Workbook};
use crate::{RecordId, WorkbookId};

/// Version of the view encoding; a view of another version is not used.
/// 2: checklist items carry their conflicted fields.
/// 3: the checksum also covers the part's kind (base or delta).
pub const VIEW_FORMAT: u8 = 4;

const MAGIC: &[u8; 4] = b"SMSV";
const HEADER: usize = 4 + 1 + 1 + 8;

/// Why a stored view cannot be used. Every case falls back to loading the
/// document; none of them is shown to people as an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    #[error("no view is stored")]
    Missing,
    #[error("the view is damaged: {0}")]
    Corrupt(String),
    #[error("the view has format {0}, this app reads format {VIEW_FORMAT}")]
    Format(u8),
    #[error("the view is of another workbook")]
    OtherWorkbook,
    #[error("the view does not reflect the stored chunks")]
    Stale,
}

/// The workbook-level state views read besides records: id, name and the
/// checklist. Kept in step with the document by [`Summary::refresh`].
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub id: WorkbookId,
    pub name: String,
    /// Every checklist item, in catalogue order.
    pub checklist: Vec<(&'static Clause, ItemState)>,
}

impl Summary {
    pub fn of(wb: &Workbook) -> Self {
        Summary {
            id: wb.id().clone(),
            name: wb.name(),
            checklist: wb.checklist(),
        }
    }

    /// A workbook's summary before anything is read: no name, every
    /// checklist item in its default state.
    pub fn blank(id: WorkbookId) -> Self {
        Summary {
            id,
            name: String::new(),
            checklist: catalogue::CLAUSES
                .iter()
                .filter(|c| catalogue::is_checklist_item(c))
                .map(|c| (c, ItemState::default()))
                .collect(),
        }
    }

    /// Reads again what `delta` says changed.
    pub fn refresh(&mut self, wb: &Workbook, delta: &Delta) {
        if delta.everything {
            *self = Summary::of(wb);
            return;
        }
        if delta.workbook {
            self.name = wb.name();
        }
        for (clause, state) in &mut self.checklist {
            if delta.checklist.contains(clause.number) {
                *state = wb.checklist_item(clause.number);
            }
        }
    }

    pub fn checklist_item(&self, number: &str) -> ItemState {
        self.checklist
            .iter()
            .find(|(c, _)| c.number == number)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    /// The checklist items a record is evidence for.
    pub fn evidenced_items(&self, id: &RecordId) -> Vec<&'static Clause> {
        self.checklist
            .iter()
            .filter(|(_, s)| s.evidence.contains(id))
            .map(|(c, _)| *c)
            .collect()
    }
}

/// A digest of a set of chunk keys (order does not matter).
pub fn chunk_digest<'a>(keys: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut keys: Vec<&str> = keys.into_iter().collect();
    crate::order::sort(&mut keys);
    keys.dedup();
    let mut h = Fnv::new();
    for k in keys {
        h.bytes(k.as_bytes());
        h.bytes(b"\n");
    }
    h.0
}

/// What one part of a view holds.
#[derive(Clone, Debug)]
pub struct ViewPart {
    pub workbook: WorkbookId,
    /// The base: the whole state. A patch holds only what changed.
    pub base: bool,
    /// Digest of the chunk set this part was written on top of (a base: 0).
    pub from: u64,
    /// Digest of the chunk set once this part is applied.
    pub to: u64,
    pub heads: Vec<ChangeHash>,
    pub name: Option<String>,
    pub checklist: Vec<(&'static Clause, ItemState)>,
    pub records: Vec<(RecordId, StoredRecord)>,
}

impl ViewPart {
    /// The whole state: every record of `index`, and `summary`.
    pub fn base(index: &RecordIndex, summary: &Summary, heads: Vec<ChangeHash>, to: u64) -> Self {
        ViewPart {
            workbook: summary.id.clone(),
            base: true,
            from: 0,
            to,
            heads,
            name: Some(summary.name.clone()),
            checklist: summary.checklist.clone(),
            records: index.entries().map(stored_of).collect(),
        }
    }

    /// What `delta` changed, read from `index` and `summary`.
    pub fn patch(
        index: &RecordIndex,
        summary: &Summary,
        delta: &Delta,
        heads: Vec<ChangeHash>,
        from: u64,
        to: u64,
    ) -> Self {
        if delta.everything {
            let mut all = Self::base(index, summary, heads, to);
            all.base = false;
            all.from = from;
            return all;
        }
        ViewPart {
            workbook: summary.id.clone(),
            base: false,
            from,
            to,
            heads,
            name: delta.workbook.then(|| summary.name.clone()),
            checklist: summary
                .checklist
                .iter()
                .filter(|(c, _)| delta.checklist.contains(c.number))
                .cloned()
                .collect(),
            records: delta
                .records
                .iter()
                .filter_map(|id| index.get(id).map(stored_of))
                .collect(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 + self.records.len() * 400));
        w.0.extend_from_slice(MAGIC);
        w.0.push(VIEW_FORMAT);
        w.0.push(u8::from(self.base));
        w.0.extend_from_slice(&[0; 8]);
        w.str(self.workbook.as_str());
        w.0.extend_from_slice(&self.from.to_le_bytes());
        w.0.extend_from_slice(&self.to.to_le_bytes());
        w.uint(self.heads.len() as u64);
        for h in &self.heads {
            w.0.extend_from_slice(&h.0);
        }
        match &self.name {
            Some(n) => {
                w.0.push(1);
                w.str(n);
            }
            None => w.0.push(0),
        }
        w.uint(self.checklist.len() as u64);
        for (c, s) in &self.checklist {
            w.item(c, s);
        }
        w.uint(self.records.len() as u64);
        for (id, r) in &self.records {
            w.record(id, r);
        }
        let sum = part_sum(w.0[5], &w.0[HEADER..]);
        w.0[6..HEADER].copy_from_slice(&sum.to_le_bytes());
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ViewError> {
        let (mut part, at, n) = Self::decode_head(bytes)?;
        let mut r = Reader { b: bytes, at };
        part.records.reserve(n);
        for _ in 0..n {
            part.records.push(r.record()?);
        }
        if r.at != bytes.len() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(part)
    }

    /// Everything before the records (checked against the checksum of the
    /// whole part), where the records start, and how many there are.
    fn decode_head(bytes: &[u8]) -> Result<(Self, usize, usize), ViewError> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(corrupt("not a view"));
        }
        if bytes[4] != VIEW_FORMAT {
            return Err(ViewError::Format(bytes[4]));
        }
        let base = match bytes[5] {
            0 => false,
            1 => true,
            _ => return Err(corrupt("unknown kind")),
        };
        let sum = u64::from_le_bytes(bytes[6..HEADER].try_into().expect("8 bytes"));
        if part_sum(bytes[5], &bytes[HEADER..]) != sum {
            return Err(corrupt("checksum mismatch"));
        }
        let mut r = Reader {
            b: bytes,
            at: HEADER,
        };
        let workbook = WorkbookId::parse(r.str()?).ok_or_else(|| corrupt("workbook id"))?;
        let from = r.u64_fixed()?;
        let to = r.u64_fixed()?;
        let n = r.len(32)?;
        let mut heads = Vec::with_capacity(n);
        for _ in 0..n {
            let b: [u8; 32] = r.take(32)?.try_into().expect("32 bytes");
            heads.push(ChangeHash(b));
        }
        let name = match r.byte()? {
            0 => None,
            1 => Some(r.str()?.to_owned()),
            _ => return Err(corrupt("name")),
        };
        let n = r.len(6)?;
        let mut checklist = Vec::with_capacity(n);
        for _ in 0..n {
            checklist.push(r.item()?);
        }
        let n = r.len(8)?;
        Ok((
            ViewPart {
                workbook,
                base,
                from,
                to,
                heads,
                name,
                checklist,
                records: Vec::new(),
            },
            r.at,
            n,
        ))
    }
}

/// A view assembled from its stored parts.
#[derive(Debug)]
pub struct View {
    pub summary: Summary,
    pub heads: Vec<ChangeHash>,
    pub records: Vec<(RecordId, StoredRecord)>,
}

impl View {
    /// Puts a view of `workbook` together from its `base` and `patches`
    /// (in the order they were written), and checks that it reflects exactly
    /// the chunks whose keys digest to `stored`. Patches whose `from` does
    /// not continue the chain (written by a tab that had not seen another
    /// tab's part) are skipped; if the chain then does not reach `stored`,
    /// the view is stale. [`Assembler`] does the same a slice at a time.
    pub fn assemble(
        workbook: &WorkbookId,
        base: Option<&[u8]>,
        patches: &[&[u8]],
        stored: u64,
    ) -> Result<View, ViewError> {
        let mut a = Assembler::new(workbook, base.map(<[u8]>::to_vec), patches, stored)?;
        while !a.step(usize::MAX)? {}
        a.finish()
    }
}

/// Assembles a view a few records at a time, so that opening a large
/// workbook never holds the page for long: [`Assembler::new`] checks
/// everything that can refuse the view (checksums, format, workbook, the
/// chain of patches reaching the stored chunks) before any record is read;
/// [`Assembler::step`] reads the next records of the base; and
/// [`Assembler::finish`] lays the patches over them.
pub struct Assembler {
    base: Vec<u8>,
    at: usize,
    left: usize,
    head: ViewPart,
    patches: Vec<ViewPart>,
}

impl Assembler {
    pub fn new(
        workbook: &WorkbookId,
        base: Option<Vec<u8>>,
        patches: &[&[u8]],
        stored: u64,
    ) -> Result<Self, ViewError> {
        let base = base.ok_or(ViewError::Missing)?;
        let (head, at, left) = ViewPart::decode_head(&base)?;
        if !head.base {
            return Err(corrupt("the base is a patch"));
        }
        if &head.workbook != workbook {
            return Err(ViewError::OtherWorkbook);
        }
        let mut chain = head.to;
        let mut used = Vec::new();
        for bytes in patches {
            let part = ViewPart::decode(bytes)?;
            if &part.workbook != workbook || part.base || part.from != chain {
                continue;
            }
            chain = part.to;
            used.push(part);
        }
        if chain != stored {
            return Err(ViewError::Stale);
        }
        Ok(Assembler {
            base,
            at,
            left,
            head,
            patches: used,
        })
    }

    /// How many records of the base are still to be read.
    pub fn remaining(&self) -> usize {
        self.left
    }

    /// Reads up to `max` more records of the base; `true` once all are read.
    pub fn step(&mut self, max: usize) -> Result<bool, ViewError> {
        let mut r = Reader {
            b: &self.base,
            at: self.at,
        };
        let n = max.min(self.left);
        self.head.records.reserve(n);
        for _ in 0..n {
            self.head.records.push(r.record()?);
        }
        self.at = r.at;
        self.left -= n;
        if self.left == 0 && self.at != self.base.len() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(self.left == 0)
    }

    /// The view, once [`Self::step`] has said every record is read.
    pub fn finish(self) -> Result<View, ViewError> {
        if self.left > 0 {
            return Err(corrupt("not every record was read"));
        }
        let base = self.head;
        let mut heads = base.heads;
        let mut name = base.name.unwrap_or_default();
        let mut checklist: BTreeMap<&'static str, ItemState> = base
            .checklist
            .into_iter()
            .map(|(c, s)| (c.number, s))
            .collect();
        let mut newer: HashMap<RecordId, StoredRecord> = HashMap::new();
        for part in self.patches {
            heads = part.heads;
            if let Some(n) = part.name {
                name = n;
            }
            for (c, s) in part.checklist {
                checklist.insert(c.number, s);
            }
            newer.extend(part.records);
        }
        let mut records = base.records;
        if !newer.is_empty() {
            for (id, r) in &mut records {
                if let Some(n) = newer.remove(id) {
                    *r = n;
                }
            }
            records.extend(newer);
        }
        Ok(View {
            summary: Summary {
                id: base.workbook,
                name,
                checklist: catalogue::checklist_items()
                    .map(|c| (c, checklist.remove(c.number).unwrap_or_default()))
                    .collect(),
            },
            heads,
            records,
        })
    }
}

fn stored_of(e: &std::sync::Arc<Entry>) -> (RecordId, StoredRecord) {
    (
        e.id.clone(),
        StoredRecord {
            def: e.def,
            deleted: e.deleted,
            record: e.record.clone(),
            info: e.info.clone(),
            conflicts: e.conflicts.clone(),
            attachments: e.attachments.clone(),
        },
    )
}

fn corrupt(what: &str) -> ViewError {
    ViewError::Corrupt(what.to_owned())
}

impl From<Malformed> for ViewError {
    fn from(e: Malformed) -> Self {
        ViewError::Corrupt(e.0)
    }
}

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The checksum of a part: its payload's, with the kind byte mixed in so
/// a base damaged into a delta (or back) is noticed too. Multiplying by an
/// odd constant is one-to-one, so any change of the kind changes the sum.
fn part_sum(kind: u8, payload: &[u8]) -> u64 {
    checksum(payload) ^ (u64::from(kind) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A fast checksum over 8-byte words (FNV-style mixing per word), enough
/// to notice damaged or truncated bytes; not a defence against tampering.
fn checksum(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        h ^= u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(29);
    }
    let mut f = Fnv(h);
    f.bytes(words.remainder());
    f.0
}
