//! Spreadsheets in and out: tables of text cells (as `sms_core::transfer`
//! makes them) written to an XLSX workbook with one sheet per table, and
//! the first sheet of an XLSX file read back as a table.
//!
//! This crate is built into its own WebAssembly module, run in a Web Worker
//! and loaded only when someone exports or imports a spreadsheet: the XLSX
//! writer and reader are several hundred kilobytes the app's first visit
//! does not need.

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::{Deserialize, Serialize};

/// One sheet: a name and rows of cells (the first row is the header).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// Excel's limits on a sheet name: 31 characters, none of `[]:*?/\`, and
/// unique within the workbook.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let clean = clean.trim().trim_matches('\'');
    let base: String = if clean.is_empty() {
        "Sheet".into()
    } else {
        clean.chars().take(31).collect()
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!(" ({n})");
        candidate = format!(
            "{}{suffix}",
            base.chars().take(31 - suffix.len()).collect::<String>()
        );
        n += 1;
    }
    candidate
}

/// A cell that reads as a plain number is written as a number, so sums and
/// filters work in the spreadsheet; everything else as text (never as a
/// formula).
fn as_number(cell: &str) -> Option<f64> {
    let plain = !cell.is_empty()
        && cell.len() <= 15
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && !(cell.len() > 1 && cell.starts_with('0') && !cell.starts_with("0."))
        && !cell.starts_with('.')
        && !cell.ends_with('.');
    plain
        .then(|| cell.parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite())
}

/// Writes every sheet into one XLSX workbook: a bold, frozen header row,
/// text wrapped, columns sized to their content (within reason).
pub fn write(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_text_wrap();
    let mut taken = Vec::new();
    for sheet in sheets {
        let name = sheet_name(&sheet.name, &taken);
        taken.push(name.clone());
        let ws = book.add_worksheet();
        ws.set_name(&name)?;
        let mut widths: Vec<usize> = Vec::new();
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r16, c16) = (r as u32, c as u16);
                match (r, as_number(cell)) {
                    (0, _) => {
                        ws.write_string_with_format(r16, c16, cell, &header)?;
                    }
                    (_, Some(n)) => {
                        ws.write_number(r16, c16, n)?;
                    }
                    _ => {
                        ws.write_string(r16, c16, cell)?;
                    }
                }
                if widths.len() <= c {
                    widths.resize(c + 1, 8);
                }
                let longest = cell.lines().map(|l| l.chars().count()).max().unwrap_or(0);
                widths[c] = widths[c].max(longest.min(60));
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).min(62.0))?;
        }
        if !sheet.rows.is_empty() {
            ws.set_freeze_panes(1, 0)?;
        }
    }
    if sheets.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer()
}

/// Why a spreadsheet could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel date serial (days since 1899-12-30, time as the fraction) as
/// `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM` when it has a time of day.
fn excel_date(serial: f64) -> String {
    let days = serial.floor() as i64;
    let minutes = ((serial - serial.floor()) * 1440.0).round() as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days - 25569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if minutes == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}",
            minutes / 60,
            minutes % 60
        )
    }
}

/// The sheets of an XLSX file by name, and the rows of the first one (or
/// of `sheet`, if given), as text.
pub fn read(
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<(Vec<String>, Vec<Vec<String>>), ReadError> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| {
        ReadError(format!(
            "this is not an Excel workbook (.xlsx) that can be read ({e})"
        ))
    })?;
    let names = book.sheet_names();
    let wanted = match sheet {
        Some(s) => s.to_owned(),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ReadError("the workbook has no sheets".into()))?,
    };
    let range = book
        .worksheet_range(&wanted)
        .map_err(|e| ReadError(format!("the sheet “{wanted}” could not be read ({e})")))?;
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(text_of).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(ReadError(format!("the sheet “{wanted}” is empty")));
    }
    Ok((names, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_are_written_and_read_back_cell_by_cell() {
        let rows = vec![
            vec![
                "ID".to_owned(),
                "Title".into(),
                "Likelihood".into(),
                "Notes".into(),
                "Code".into(),
            ],
            vec![
                "a1".into(),
                "=SUM(A1)".into(),
                "3".into(),
                "Two\nlines, “quoted”".into(),
                "007".into(),
            ],
            vec![
                "a2".into(),
                "Flood".into(),
                "".into(),
                "-".into(),
                "1.50".into(),
            ],
        ];
        let bytes = write(&[
            Sheet {
                name: "Risks and opportunities".into(),
                rows: rows.clone(),
            },
            Sheet {
                name: "Checklist: items/[all]".into(),
                rows: vec![vec!["Clause".into()], vec!["4.1".into()]],
            },
        ])
        .unwrap();
        let (names, back) = read(&bytes, None).unwrap();
        assert_eq!(names, ["Risks and opportunities", "Checklist  items  all"]);
        assert_eq!(back[0], rows[0]);
        assert_eq!(back[1], rows[1], "a formula stays text, leading zeros stay");
        assert_eq!(back[2][..4], rows[2][..4]);
        assert_eq!(back[2][4], "1.5", "a number is a number");
        let (_, second) = read(&bytes, Some("Checklist  items  all")).unwrap();
        assert_eq!(second, [vec!["Clause"], vec!["4.1"]]);
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        let long = "A register with a very long name indeed";
        let first = sheet_name(long, &[]);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(long, std::slice::from_ref(&first));
        assert!(
            second.ends_with(" (2)") && second.chars().count() <= 31,
            "{second}"
        );
        assert_eq!(sheet_name("", &[]), "Sheet");
    }

    #[test]
    fn excel_dates_read_as_iso_dates() {
        assert_eq!(excel_date(45_383.0), "2024-04-01");
        assert_eq!(excel_date(45_383.5), "2024-04-01 12:00");
        assert_eq!(excel_date(25_569.0), "1970-01-01");
    }

    #[test]
    fn what_is_not_a_workbook_is_refused_in_words() {
        let e = read(b"not a zip file", None).unwrap_err();
        assert!(e.0.starts_with("this is not an Excel workbook"), "{e}");
    }
}
