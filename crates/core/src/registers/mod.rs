//! The register engine: every register is declared as data ([`RegisterDef`]),
//! and everything else — validation, storage in the document, list queries,
//! the app's list and form — is derived from the declaration.

mod defs;
pub(crate) mod query;
mod value;

pub use defs::REGISTERS;
pub use query::{Query, SortDir};
pub use value::{FieldError, Record, RecordDraft, Value};

/// What kind of value a field holds.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// One line of text.
    Text { max: usize },
    /// Several paragraphs; stored as Automerge Text so concurrent edits of
    /// one description merge character by character.
    LongText { max: usize },
    /// A person's name.
    Person,
    /// One of a fixed list: `(stored key, label)`.
    Choice(&'static [(&'static str, &'static str)]),
    /// A whole number in a range.
    Integer { min: i64, max: i64 },
    /// A number with decimals in a range.
    Decimal { min: f64, max: f64 },
    /// A calendar date.
    Date,
    /// A date and time to the minute.
    DateTime,
    /// Yes or no.
    Flag,
    /// A link to one record (or several, if `many`) of another register.
    Link { to: &'static str, many: bool },
    /// Derived from other fields; never stored.
    Computed(fn(&Record) -> Option<Value>),
}

/// One field of a register.
#[derive(Clone, Copy, Debug)]
pub struct FieldDef {
    /// Key in the record map of the document; never changes once released.
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// A short hint shown under the label.
    pub help: &'static str,
}

impl FieldDef {
    pub const fn new(key: &'static str, label: &'static str, kind: Kind) -> Self {
        FieldDef {
            key,
            label,
            kind,
            required: false,
            help: "",
        }
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }

    pub fn is_stored(&self) -> bool {
        !matches!(self.kind, Kind::Computed(_))
    }

    /// Label for use inside a sentence ("Enter the title.").
    pub fn label_lower(&self) -> String {
        let mut chars = self.label.chars();
        match (chars.next(), chars.next()) {
            // Keep acronyms such as "SLA" as they are.
            (Some(a), Some(b)) if a.is_uppercase() && b.is_uppercase() => self.label.to_owned(),
            _ => self.label.to_lowercase(),
        }
    }

    /// Choice label of a stored key.
    pub fn choice_label(&self, key: &str) -> Option<&'static str> {
        match self.kind {
            Kind::Choice(options) => options.iter().find(|(k, _)| *k == key).map(|(_, l)| *l),
            _ => None,
        }
    }
}

/// A register: a named list of records of one shape.
#[derive(Debug)]
pub struct RegisterDef {
    /// Stable id stored in every record (`register` key).
    pub id: &'static str,
    /// Plural name, e.g. "Risks and opportunities".
    pub name: &'static str,
    /// Singular noun for buttons and messages, e.g. "risk".
    pub singular: &'static str,
    /// The clause it mainly serves, e.g. "6.1".
    pub clause: &'static str,
    /// One line saying what the register is for.
    pub about: &'static str,
    pub fields: &'static [FieldDef],
    /// Key of the field that names a record.
    pub title: &'static str,
    /// Keys of the fields shown as list columns, after the title.
    pub columns: &'static [&'static str],
    /// Default order of the list.
    pub sort: (&'static str, SortDir),
}

impl RegisterDef {
    pub fn field(&self, key: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn stored_fields(&self) -> impl Iterator<Item = &'static FieldDef> {
        self.fields.iter().filter(|f| f.is_stored())
    }

    /// The top-level clause (4–10) the register belongs to.
    pub fn clause_group(&self) -> &'static str {
        self.clause.split('.').next().unwrap_or(self.clause)
    }
}

/// The register with this id.
pub fn register(id: &str) -> Option<&'static RegisterDef> {
    REGISTERS.iter().find(|r| r.id == id)
}
