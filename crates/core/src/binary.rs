//! The binary primitives the stored view (`crate::view`) and the engine's
//! messages (`crate::engine::codec`) are written with: variable-length
//! numbers, length-prefixed text, record ids, values, records with their
//! metadata and checklist items. Readers refuse truncated or malformed
//! input with [`Malformed`] and never trust a count further than the bytes
//! that are left.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::attachments::{Attachment, FileHash, On};
use crate::catalogue::{self, Clause};
use crate::checklist::{ItemState, ItemStatus};
use crate::registers::{self, Record, RegisterDef, Value};
use crate::workbook::{RecordInfo, StoredRecord};
use crate::{AttachmentId, RecordId};

/// Bytes that do not hold what they should; says what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed {}", self.0)
    }
}

pub(crate) fn corrupt(what: &str) -> Malformed {
    Malformed(what.to_owned())
}

/// The field of `def` called `key`, as the declaration spells it.
pub(crate) fn field_key(def: &'static RegisterDef, key: &str) -> Result<&'static str, Malformed> {
    def.field(key)
        .map(|f| f.key)
        .ok_or_else(|| corrupt("field"))
}

/// Appends values to bytes.
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }
    pub(crate) fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    pub(crate) fn ids(&mut self, ids: &[RecordId]) {
        self.uint(ids.len() as u64);
        for id in ids {
            self.str(id.as_str());
        }
    }
    pub(crate) fn value(&mut self, v: &Value) {
        match v {
            Value::Text(s) => {
                self.0.push(0);
                self.str(s);
            }
            Value::Int(i) => {
                self.0.push(1);
                self.int(*i);
            }
            Value::Dec(d) => {
                self.0.push(2);
                self.0.extend_from_slice(&d.to_le_bytes());
            }
            Value::Date(d) => {
                self.0.push(3);
                self.int(i64::from(d.num_days_from_ce()));
            }
            Value::DateTime(t) => {
                self.0.push(4);
                let t = t.and_utc();
                self.int(t.timestamp());
                self.uint(u64::from(t.timestamp_subsec_nanos()));
            }
            Value::Flag(b) => {
                self.0.push(5);
                self.0.push(u8::from(*b));
            }
            Value::Links(ids) => {
                self.0.push(6);
                self.ids(ids);
            }
        }
    }
}

/// Reads values back, refusing anything malformed in words and never
/// allocating more than the input could hold.
pub(crate) struct Reader<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(crate) fn byte(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u64_fixed(&mut self) -> Result<u64, Malformed> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    pub(crate) fn uint(&mut self) -> Result<u64, Malformed> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err(corrupt("number"))
    }
    /// A count of items that each take at least `min` bytes: refused when
    /// the rest of the input could not hold them (so a damaged count never
    /// allocates much).
    pub(crate) fn len(&mut self, min: usize) -> Result<usize, Malformed> {
        let n = usize::try_from(self.uint()?).map_err(|_| corrupt("count"))?;
        if n.saturating_mul(min) > self.b.len() - self.at {
            return Err(corrupt("count"));
        }
        Ok(n)
    }
    pub(crate) fn int(&mut self) -> Result<i64, Malformed> {
        let u = self.uint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
    pub(crate) fn str(&mut self) -> Result<&'a str, Malformed> {
        let n = self.len(1)?;
        std::str::from_utf8(self.take(n)?).map_err(|_| corrupt("text"))
    }
    pub(crate) fn ids(&mut self) -> Result<Vec<RecordId>, Malformed> {
        let n = self.len(33)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(RecordId::parse(self.str()?).ok_or_else(|| corrupt("link"))?);
        }
        Ok(out)
    }
    pub(crate) fn value(&mut self) -> Result<Value, Malformed> {
        Ok(match self.byte()? {
            0 => Value::Text(self.str()?.to_owned()),
            1 => Value::Int(self.int()?),
            2 => Value::Dec(f64::from_le_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            )),
            3 => Value::Date(
                i32::try_from(self.int()?)
                    .ok()
                    .and_then(NaiveDate::from_num_days_from_ce_opt)
                    .ok_or_else(|| corrupt("date"))?,
            ),
            4 => {
                let secs = self.int()?;
                let nanos = u32::try_from(self.uint()?).map_err(|_| corrupt("time"))?;
                Value::DateTime(
                    DateTime::<Utc>::from_timestamp(secs, nanos)
                        .map(|t| t.naive_utc())
                        .ok_or_else(|| corrupt("time"))?,
                )
            }
            5 => Value::Flag(self.byte()? != 0),
            6 => Value::Links(self.ids()?),
            _ => return Err(corrupt("value kind")),
        })
    }
}

impl Writer {
    pub(crate) fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    pub(crate) fn time(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => {
                self.0.push(1);
                self.int(t.timestamp_millis());
            }
            None => self.0.push(0),
        }
    }
    /// A record: its id, then [`Self::stored`].
    pub(crate) fn record(&mut self, id: &RecordId, r: &StoredRecord) {
        self.str(id.as_str());
        self.stored(r);
    }
    /// A record's register, deleted mark, creation, conflicts and values.
    pub(crate) fn stored(&mut self, r: &StoredRecord) {
        self.str(r.def.id);
        self.0.push(u8::from(r.deleted));
        self.time(r.info.created_at);
        self.str(&r.info.created_by);
        self.uint(r.conflicts.len() as u64);
        for k in &r.conflicts {
            self.str(k);
        }
        self.uint(r.record.values.len() as u64);
        for (k, v) in &r.record.values {
            self.str(k);
            self.value(v);
        }
        self.attachments(&r.attachments);
    }
    /// Attached files, in order.
    pub(crate) fn attachments(&mut self, list: &[Attachment]) {
        self.uint(list.len() as u64);
        for a in list {
            self.str(a.id.as_str());
            self.0.extend_from_slice(&a.hash.0);
            self.str(&a.name);
            self.str(&a.media_type);
            self.uint(a.size);
            self.str(&a.added_by);
            self.time(a.added_at);
            self.date(a.effective);
            self.date(a.valid_until);
        }
    }
    /// What an attachment is on.
    pub(crate) fn on(&mut self, on: &On) {
        match on {
            On::Record(id) => {
                self.0.push(0);
                self.str(id.as_str());
            }
            On::Item(c) => {
                self.0.push(1);
                self.str(c.number);
            }
        }
    }
    /// A date, if any, as days from the common era.
    pub(crate) fn date(&mut self, d: Option<NaiveDate>) {
        match d {
            Some(d) => {
                self.0.push(1);
                self.int(i64::from(d.num_days_from_ce()));
            }
            None => self.0.push(0),
        }
    }
    /// A checklist item's clause and state.
    pub(crate) fn item(&mut self, c: &Clause, s: &ItemState) {
        self.str(c.number);
        self.state(s);
    }
    /// A checklist item's state.
    pub(crate) fn state(&mut self, s: &ItemState) {
        self.str(s.status.key());
        self.str(&s.owner);
        self.str(&s.notes);
        self.str(&s.justification);
        self.ids(&s.evidence);
        self.uint(s.conflicts.len() as u64);
        for k in &s.conflicts {
            self.str(k);
        }
        self.attachments(&s.attachments);
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Reader { b, at: 0 }
    }
    pub(crate) fn done(&self) -> bool {
        self.at == self.b.len()
    }
    pub(crate) fn bool(&mut self) -> Result<bool, Malformed> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("flag")),
        }
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.len(1)?;
        self.take(n)
    }
    pub(crate) fn opt_str(&mut self) -> Result<Option<&'a str>, Malformed> {
        Ok(if self.bool()? {
            Some(self.str()?)
        } else {
            None
        })
    }
    pub(crate) fn time(&mut self) -> Result<Option<DateTime<Utc>>, Malformed> {
        Ok(if self.byte()? != 0 {
            Some(
                DateTime::<Utc>::from_timestamp_millis(self.int()?)
                    .ok_or_else(|| corrupt("time"))?,
            )
        } else {
            None
        })
    }
    pub(crate) fn record(&mut self) -> Result<(RecordId, StoredRecord), Malformed> {
        let id = RecordId::parse(self.str()?).ok_or_else(|| corrupt("record id"))?;
        Ok((id, self.stored()?))
    }
    pub(crate) fn stored(&mut self) -> Result<StoredRecord, Malformed> {
        let def = registers::register(self.str()?).ok_or_else(|| corrupt("register"))?;
        let deleted = self.byte()? != 0;
        let created_at = self.time()?;
        let created_by = self.str()?.to_owned();
        let k = self.len(1)?;
        let mut conflicts = Vec::with_capacity(k);
        for _ in 0..k {
            conflicts.push(field_key(def, self.str()?)?);
        }
        let k = self.len(2)?;
        let mut values = BTreeMap::new();
        for _ in 0..k {
            let key = field_key(def, self.str()?)?;
            values.insert(key, self.value()?);
        }
        Ok(StoredRecord {
            def,
            deleted,
            record: Record { values },
            info: RecordInfo {
                created_at,
                created_by,
            },
            conflicts,
            attachments: self.attachments()?,
        })
    }
    pub(crate) fn item(&mut self) -> Result<(&'static Clause, ItemState), Malformed> {
        let clause = catalogue::clause(self.str()?).ok_or_else(|| corrupt("clause"))?;
        Ok((clause, self.state()?))
    }
    pub(crate) fn state(&mut self) -> Result<ItemState, Malformed> {
        let status = ItemStatus::from_key(self.str()?).ok_or_else(|| corrupt("status"))?;
        let state = ItemState {
            status,
            owner: self.str()?.to_owned(),
            notes: self.str()?.to_owned(),
            justification: self.str()?.to_owned(),
            evidence: self.ids()?,
            conflicts: {
                let k = self.len(1)?;
                let mut conflicts = Vec::with_capacity(k);
                for _ in 0..k {
                    let key = self.str()?;
                    conflicts.push(
                        crate::conflicts::CHECKLIST_FIELDS
                            .into_iter()
                            .find(|f| *f == key)
                            .ok_or_else(|| corrupt("checklist field"))?,
                    );
                }
                conflicts
            },
            attachments: self.attachments()?,
        };
        Ok(state)
    }
}

impl Reader<'_> {
    /// Attached files written by [`Writer::attachments`].
    pub(crate) fn attachments(&mut self) -> Result<Vec<Attachment>, Malformed> {
        // An attachment takes at least 32 bytes (its hash) and more.
        let n = self.len(40)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.attachment_id()?;
            let hash = FileHash(
                self.take(32)?
                    .try_into()
                    .map_err(|_| corrupt("file hash"))?,
            );
            out.push(Attachment {
                id,
                hash,
                name: self.str()?.to_owned(),
                media_type: self.str()?.to_owned(),
                size: self.uint()?,
                added_by: self.str()?.to_owned(),
                added_at: self.time()?,
                effective: self.date()?,
                valid_until: self.date()?,
            });
        }
        Ok(out)
    }
    pub(crate) fn attachment_id(&mut self) -> Result<AttachmentId, Malformed> {
        AttachmentId::parse(self.str()?).ok_or_else(|| corrupt("attachment id"))
    }
    /// What an attachment is on, written by [`Writer::on`].
    pub(crate) fn on(&mut self) -> Result<On, Malformed> {
        Ok(match self.byte()? {
            0 => On::Record(RecordId::parse(self.str()?).ok_or_else(|| corrupt("record id"))?),
            1 => On::item(self.str()?).ok_or_else(|| corrupt("clause"))?,
            _ => return Err(corrupt("attached to")),
        })
    }
    pub(crate) fn date(&mut self) -> Result<Option<NaiveDate>, Malformed> {
        Ok(if self.bool()? {
            let days = i32::try_from(self.int()?).map_err(|_| corrupt("date"))?;
            Some(NaiveDate::from_num_days_from_ce_opt(days).ok_or_else(|| corrupt("date"))?)
        } else {
            None
        })
    }
}
