//! The evidence pack: one zip for an audit, with a folder per checklist
//! item holding that item's own attached files and the files attached to
//! the records that evidence it, and an index (HTML for reading, CSV for a
//! spreadsheet) naming for every file its clause, item, status, owner,
//! SHA-256, dates and the record it comes from.
//!
//! [`fields`] lists what goes in from the read model (on the page),
//! [`from_fields`] decides where each file goes and [`write`] builds the
//! zip from bytes the caller looks up by hash (both in the zip worker). A file whose bytes are
//! not on this device is listed in the index as such and left out.

use std::collections::HashSet;
use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use chrono::NaiveDate;

use crate::attachments::{Attachment, FileHash};
use crate::catalogue::Clause;
use crate::checklist::ItemStatus;
use crate::view::Summary;
use crate::RecordIndex;

/// One file in the pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackEntry {
    pub clause: &'static Clause,
    pub status: ItemStatus,
    pub owner: String,
    /// Where it is attached: "This checklist item", or the evidence
    /// record ("Risk: Backups never restored").
    pub from: String,
    pub hash: FileHash,
    pub effective: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Its path in the zip: `<clause folder>/<file name>`.
    pub path: String,
}

/// Strings per file in [`fields`].
pub const FIELDS: usize = 8;

/// What goes into the pack, as plain strings, [`FIELDS`] per file: every
/// checklist item's own files, then the files of its evidence records
/// (live ones), in catalogue order. Each file gives its clause, the item's
/// status and owner, what it is attached to, its hash, dates and name.
/// Strings, so the page (which has the read model) hands them to the worker
/// that writes the zip, and [`from_fields`] makes the plan there.
pub fn fields(summary: &Summary, ix: &RecordIndex) -> Vec<String> {
    let date = |d: Option<NaiveDate>| d.map(crate::dates::iso).unwrap_or_default();
    let mut out = Vec::new();
    for (clause, state) in &summary.checklist {
        let mut push = |from: &str, a: &Attachment| {
            out.extend([
                clause.number.to_owned(),
                state.status.key().to_owned(),
                state.owner.clone(),
                from.to_owned(),
                a.hash.to_hex(),
                date(a.effective),
                date(a.valid_until),
                a.name.clone(),
            ]);
        };
        for a in &state.attachments {
            push("This checklist item", a);
        }
        for id in &state.evidence {
            if let Some(e) = ix.get(id).filter(|e| !e.deleted) {
                let from = format!("{}: {}", capitalised(e.def.singular), e.title());
                for a in &e.attachments {
                    push(&from, a);
                }
            }
        }
    }
    out
}

/// The pack's plan from [`fields`]: each file gets its path, a folder per
/// clause and a name safe for any unpacker and unique in its folder. `None`
/// if `fields` are not such a list.
pub fn from_fields(fields: &[String]) -> Option<Vec<PackEntry>> {
    if !fields.len().is_multiple_of(FIELDS) {
        return None;
    }
    let date = |s: &str| -> Option<Option<NaiveDate>> {
        if s.is_empty() {
            Some(None)
        } else {
            crate::dates::parse_iso(s).map(Some)
        }
    };
    let mut taken = HashSet::new();
    let mut last = "";
    let mut out = Vec::with_capacity(fields.len() / FIELDS);
    for f in fields.chunks_exact(FIELDS) {
        let clause = crate::catalogue::clause(&f[0])?;
        if clause.number != last {
            taken.clear();
            last = clause.number;
        }
        let folder = safe_name(&format!("{} {}", clause.number, clause.title));
        let name = unique(safe_name(&f[7]), &mut taken);
        out.push(PackEntry {
            clause,
            status: ItemStatus::from_key(&f[1])?,
            owner: f[2].clone(),
            from: f[3].clone(),
            hash: FileHash::parse(&f[4])?,
            effective: date(&f[5])?,
            valid_until: date(&f[6])?,
            path: format!("{folder}/{name}"),
        });
    }
    Some(out)
}

/// Longest folder or file name written, in characters.
const NAME_MAX: usize = 100;

/// `name` made safe as one part of a path in a zip anyone may unpack:
/// no separators, no control or reserved characters, no leading dots or
/// trailing dots and spaces, and not too long (the extension is kept).
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    let cleaned = if cleaned.is_empty() { "file" } else { cleaned };
    if cleaned.chars().count() <= NAME_MAX {
        return cleaned.to_owned();
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 10 => (s, format!(".{e}")),
        _ => (cleaned, String::new()),
    };
    let keep = NAME_MAX - ext.chars().count();
    let stem: String = stem.chars().take(keep).collect();
    format!("{}{ext}", stem.trim_end_matches(['.', ' ']))
}

/// `name`, or `name (2)`, `name (3)`… before its extension, whichever is
/// not in `taken` yet (compared without case, as Windows and macOS do).
fn unique(name: String, taken: &mut HashSet<String>) -> String {
    if taken.insert(name.to_lowercase()) {
        return name;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|candidate| taken.insert(candidate.to_lowercase()))
        .expect("some number is free")
}

/// `s` with its first letter capitalised ("risk" → "Risk").
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The index as CSV: one row per file.
pub fn index_csv(entries: &[PackEntry], here: &dyn Fn(&FileHash) -> bool) -> String {
    let mut rows = vec![[
        "Clause",
        "Item",
        "Status",
        "Owner",
        "File",
        "SHA-256",
        "Effective date",
        "Valid until",
        "Attached to",
        "In this pack",
    ]
    .map(str::to_owned)
    .to_vec()];
    let date = |d: Option<chrono::NaiveDate>| d.map(crate::dates::iso).unwrap_or_default();
    for e in entries {
        rows.push(vec![
            e.clause.number.to_owned(),
            e.clause.title.to_owned(),
            e.status.label().to_owned(),
            e.owner.clone(),
            e.path.clone(),
            e.hash.to_hex(),
            date(e.effective),
            date(e.valid_until),
            e.from.clone(),
            if here(&e.hash) {
                "yes"
            } else {
                "no: not on this device"
            }
            .to_owned(),
        ]);
    }
    crate::csv::write(&rows)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The index as a standalone HTML page: a table per clause, each file a
/// link to it in the pack.
pub fn index_html(
    workbook: &str,
    entries: &[PackEntry],
    here: &dyn Fn(&FileHash) -> bool,
    made: chrono::NaiveDate,
) -> String {
    let mut h = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evidence pack — {name}</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse;width:100%}}\
         th,td{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}}\
         code{{font-size:.8rem;word-break:break-all}}</style></head><body>\n\
         <h1>Evidence pack — {name}</h1>\n<p>Made on {made}. {n} files. Each file's SHA-256 lets anyone check it is the file attached in the workbook.</p>\n",
        name = escape(workbook),
        made = crate::dates::long(made),
        n = entries.len(),
    );
    let mut last: Option<&str> = None;
    for e in entries {
        if last != Some(e.clause.number) {
            if last.is_some() {
                h.push_str("</tbody></table>\n");
            }
            last = Some(e.clause.number);
            h.push_str(&format!(
                "<h2>{} {}</h2>\n<p>Status: {}{}</p>\n<table><thead><tr><th>File</th><th>Attached to</th>\
                 <th>Effective date</th><th>Valid until</th><th>SHA-256</th></tr></thead><tbody>\n",
                escape(e.clause.number),
                escape(e.clause.title),
                e.status.label(),
                if e.owner.is_empty() {
                    String::new()
                } else {
                    format!(" · Owner: {}", escape(&e.owner))
                },
            ));
        }
        let file = if here(&e.hash) {
            let href: String = e
                .path
                .split('/')
                .map(percent_encode)
                .collect::<Vec<_>>()
                .join("/");
            format!("<a href=\"{}\">{}</a>", escape(&href), escape(&e.path))
        } else {
            format!(
                "{} (not on the device that made this pack)",
                escape(&e.path)
            )
        };
        let date = |d: Option<chrono::NaiveDate>| d.map(crate::dates::iso).unwrap_or_default();
        h.push_str(&format!(
            "<tr><td>{file}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            escape(&e.from),
            date(e.effective),
            date(e.valid_until),
            e.hash.to_hex(),
        ));
    }
    if last.is_some() {
        h.push_str("</tbody></table>\n");
    } else {
        h.push_str(
            "<p>No files are attached to the checklist items or their evidence records yet.</p>\n",
        );
    }
    h.push_str("</body></html>\n");
    h
}

/// A path part as a URL path segment.
fn percent_encode(part: &str) -> String {
    let mut out = String::new();
    for b in part.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes the pack: `index.html`, `index.csv` and each file whose bytes
/// `bytes` finds, under its path.
pub fn write(
    workbook: &str,
    entries: &[PackEntry],
    bytes: &dyn Fn(&FileHash) -> Option<Vec<u8>>,
    made: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    let mut present = HashSet::new();
    let mut files = Vec::new();
    for e in entries {
        if let Some(b) = bytes(&e.hash) {
            present.insert(e.hash);
            files.push((e.path.as_str(), b));
        }
    }
    let here = |h: &FileHash| present.contains(h);
    let options = |method| {
        SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(DateTime::default())
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut put = |name: &str, method, data: &[u8]| -> Result<(), String> {
        zip.start_file(name, options(method))
            .map_err(|e| e.to_string())?;
        zip.write_all(data).map_err(|e| e.to_string())
    };
    put(
        "index.html",
        CompressionMethod::Deflated,
        index_html(workbook, entries, &here, made).as_bytes(),
    )?;
    put(
        "index.csv",
        CompressionMethod::Deflated,
        index_csv(entries, &here).as_bytes(),
    )?;
    for (path, data) in &files {
        put(path, CompressionMethod::Stored, data)?;
    }
    zip.finish()
        .map(Cursor::into_inner)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_unique() {
        assert_eq!(safe_name("a/b\\c:d*e?f\"g<h>i|j"), "a-b-c-d-e-f-g-h-i-j");
        assert_eq!(safe_name("../../etc/passwd"), "-..-etc-passwd");
        assert_eq!(safe_name("..."), "file");
        assert_eq!(safe_name(" report. "), "report");
        let long = format!("{}.pdf", "x".repeat(300));
        let s = safe_name(&long);
        assert_eq!(s.chars().count(), NAME_MAX);
        assert!(s.ends_with(".pdf"));
        let mut taken = HashSet::new();
        assert_eq!(unique("a.pdf".into(), &mut taken), "a.pdf");
        assert_eq!(unique("A.pdf".into(), &mut taken), "A (2).pdf");
        assert_eq!(unique("a.pdf".into(), &mut taken), "a (3).pdf");
        assert_eq!(unique("notes".into(), &mut taken), "notes");
        assert_eq!(unique("notes".into(), &mut taken), "notes (2)");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b a=\"x\">&'"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
