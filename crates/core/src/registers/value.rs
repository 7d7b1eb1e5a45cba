//! Field values, records and drafts, and validation of a draft against its
//! register's declaration.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::{FieldDef, Kind, RegisterDef};
use crate::ids::RecordId;

/// A stored (or computed) field value. An empty field has no value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Dec(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Flag(bool),
    Links(Vec<RecordId>),
}

impl Value {
    /// Text form used by drafts (what a form control holds).
    pub fn to_draft(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Dec(d) => format_decimal(*d),
            Value::Date(d) => crate::dates::iso(*d),
            Value::DateTime(d) => crate::dates::iso_minute(*d, 'T'),
            Value::Flag(b) => b.to_string(),
            Value::Links(ids) => ids
                .iter()
                .map(RecordId::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Dec(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::DateTime(d) => Some(d.date()),
            _ => None,
        }
    }

    pub fn links(&self) -> &[RecordId] {
        match self {
            Value::Links(ids) => ids,
            _ => &[],
        }
    }
}

pub(crate) fn format_decimal(d: f64) -> String {
    let s = format!("{d:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// A valid record: field key → value, for the stored fields that have one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    pub values: BTreeMap<&'static str, Value>,
}

impl Record {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    pub fn text(&self, key: &str) -> &str {
        self.get(key).and_then(Value::as_text).unwrap_or("")
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Value::as_int)
    }

    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        self.get(key).and_then(Value::as_date)
    }

    pub fn links(&self, key: &str) -> &[RecordId] {
        self.get(key).map(Value::links).unwrap_or(&[])
    }

    /// Value of a field, computing it if it is a computed field.
    pub fn value_of(&self, field: &FieldDef) -> Option<Value> {
        match field.kind {
            Kind::Computed(f) => f(self),
            _ => self.get(field.key).cloned(),
        }
    }

    pub fn set(&mut self, key: &'static str, value: Value) {
        self.values.insert(key, value);
    }
}

/// A message about one field, shown next to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Key of the field.
    pub field: &'static str,
    pub message: String,
}

/// What a form holds: each field as text (several links: ids separated by
/// spaces).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordDraft {
    pub values: BTreeMap<&'static str, String>,
}

impl RecordDraft {
    /// A new record's starting values: the first option of required choices.
    pub fn new(def: &RegisterDef) -> Self {
        let mut d = RecordDraft::default();
        for f in def.stored_fields() {
            if let (Kind::Choice(options), true) = (f.kind, f.required) {
                if let Some((k, _)) = options.first() {
                    d.values.insert(f.key, (*k).to_owned());
                }
            }
        }
        d
    }

    pub fn from_record(def: &RegisterDef, r: &Record) -> Self {
        let mut d = RecordDraft::default();
        for f in def.stored_fields() {
            if let Some(v) = r.get(f.key) {
                d.values.insert(f.key, v.to_draft());
            }
        }
        d
    }

    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.values.insert(key, value.into());
    }

    /// The error for one field, if any: used to validate as the person types.
    pub fn field_error(&self, def: &RegisterDef, key: &str) -> Option<FieldError> {
        let f = def.field(key)?;
        parse_field(f, self.get(key)).err()
    }

    /// The fields that are valid so far, for showing computed values live
    /// while a form is being filled in.
    pub fn partial(&self, def: &RegisterDef) -> Record {
        let mut record = Record::default();
        for f in def.stored_fields() {
            if let Ok(Some(v)) = parse_field(f, self.get(f.key)) {
                record.set(f.key, v);
            }
        }
        record
    }

    /// Turns the draft into a valid record, or says what is wrong with each
    /// field (in declaration order). Whether linked records exist is checked
    /// by the workbook when the record is stored.
    pub fn validate(&self, def: &RegisterDef) -> Result<Record, Vec<FieldError>> {
        let mut record = Record::default();
        let mut errors = Vec::new();
        for f in def.stored_fields() {
            match parse_field(f, self.get(f.key)) {
                Ok(Some(v)) => record.set(f.key, v),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(record)
        } else {
            Err(errors)
        }
    }
}

fn parse_field(f: &FieldDef, raw: &str) -> Result<Option<Value>, FieldError> {
    let err = |message: String| FieldError {
        field: f.key,
        message,
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return if f.required && !matches!(f.kind, Kind::Flag) {
            Err(err(match f.kind {
                Kind::Choice(_) | Kind::Link { .. } => format!("Choose {}.", f.label_lower_the()),
                _ => format!("Enter {}.", f.label_lower_the()),
            }))
        } else {
            Ok(None)
        };
    }
    let too_long = |max: usize| {
        (raw.chars().count() > max).then(|| {
            err(format!(
                "Keep {} to {max} characters or fewer.",
                f.label_lower_the()
            ))
        })
    };
    match f.kind {
        Kind::Text { max } | Kind::LongText { max } => match too_long(max) {
            Some(e) => Err(e),
            None => Ok(Some(Value::Text(raw.to_owned()))),
        },
        Kind::Person => match too_long(100) {
            Some(e) => Err(e),
            None => Ok(Some(Value::Text(raw.to_owned()))),
        },
        Kind::Choice(options) => {
            if options.iter().any(|(k, _)| *k == raw) {
                Ok(Some(Value::Text(raw.to_owned())))
            } else {
                let labels: Vec<_> = options.iter().map(|(_, l)| l.to_lowercase()).collect();
                Err(err(format!("Choose one of: {}.", labels.join(", "))))
            }
        }
        Kind::Integer { min, max } => match raw.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(Some(Value::Int(v))),
            _ => Err(err(format!("Enter a whole number from {min} to {max}."))),
        },
        Kind::Decimal { min, max } => match raw.replace(',', ".").parse::<f64>() {
            Ok(v) if v.is_finite() && v >= min && v <= max => Ok(Some(Value::Dec(v))),
            _ => Err(err(format!(
                "Enter a number from {} to {}.",
                format_decimal(min),
                format_decimal(max)
            ))),
        },
        Kind::Date => crate::dates::parse_iso(raw)
            .map(|d| Some(Value::Date(d)))
            .ok_or_else(|| err("Enter a date, for example 2027-03-31.".into())),
        Kind::DateTime => crate::dates::parse_iso_minute(raw, &['T'], true)
            .map(|d| Some(Value::DateTime(d)))
            .ok_or_else(|| err("Enter a date and time, for example 2027-03-31 14:30.".into())),
        Kind::Flag => match raw {
            "true" | "yes" => Ok(Some(Value::Flag(true))),
            "false" | "no" => Ok(Some(Value::Flag(false))),
            _ => Err(err("Choose yes or no.".into())),
        },
        Kind::Link { many, .. } => {
            let ids: Option<Vec<RecordId>> = raw.split_whitespace().map(RecordId::parse).collect();
            match ids {
                Some(mut ids) if many || ids.len() == 1 => {
                    crate::order::sort(&mut ids);
                    ids.dedup();
                    Ok(Some(Value::Links(ids)))
                }
                _ => Err(err(format!("Choose {}.", f.label_lower_the()))),
            }
        }
        Kind::Computed(_) => Ok(None),
    }
}

impl FieldDef {
    /// "the title", "the SLA": for messages.
    pub fn label_lower_the(&self) -> String {
        format!("the {}", self.label_lower())
    }
}
