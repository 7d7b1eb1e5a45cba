//! CSV as spreadsheets write and read it (RFC 4180): fields separated by
//! commas (or semicolons, as European Excel writes them), quoted when they
//! hold a separator, a quote or a line break, quotes doubled inside.

/// Rows of cells.
pub type Table = Vec<Vec<String>>;

/// Cells a spreadsheet would run as a formula start with one of these; on
/// export they get a leading apostrophe, which import takes off again.
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];

/// Writes `rows` as CSV with CRLF line ends and a UTF-8 byte-order mark (so
/// Excel reads accents right). Text that looks like a formula is written
/// with a leading apostrophe so a spreadsheet shows it instead of running it.
pub fn write(rows: &Table) -> String {
    let mut out = String::from('\u{feff}');
    for row in rows {
        let line: Vec<String> = row.iter().map(|c| quote(&guard(c))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Whether a spreadsheet would run `cell` once its leading apostrophes
/// are gone.
fn formula_like(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_START) && cell.parse::<f64>().is_err()
}

fn guard(cell: &str) -> String {
    if formula_like(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn quote(cell: &str) -> String {
    if cell.contains([',', ';', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// Why a CSV file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("a quoted cell that starts on line {0} is never closed")]
    Unclosed(usize),
    #[error("the file is empty")]
    Empty,
}

/// Reads CSV text: a byte-order mark is skipped; the separator is a comma,
/// or a semicolon when the first line has more semicolons than commas
/// outside quotes; empty lines are dropped. Cells that start with an
/// apostrophe before a formula character lose the apostrophe.
pub fn read(text: &str) -> Result<Table, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = separator(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    cell.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => {
                quoted = true;
                quote_line = line;
            }
            c if c == sep => row.push(unguard(std::mem::take(&mut cell))),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                row.push(unguard(std::mem::take(&mut cell)));
                push_row(&mut rows, std::mem::take(&mut row));
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(CsvError::Unclosed(quote_line));
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(unguard(cell));
        push_row(&mut rows, row);
    }
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    Ok(rows)
}

fn push_row(rows: &mut Table, row: Vec<String>) {
    if !(row.len() == 1 && row[0].trim().is_empty()) {
        rows.push(row);
    }
}

fn unguard(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest.to_owned(),
        _ => cell,
    }
}

fn separator(text: &str) -> char {
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semis > commas {
        ';'
    } else {
        ','
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_separators_line_breaks_and_formulas() {
        let rows = vec![
            vec!["Title".into(), "Notes".into()],
            vec!["Outage, major".into(), "He said \"now\"\nthen left".into()],
            vec!["=HYPERLINK(\"x\")".into(), "-5".into()],
        ];
        let text = write(&rows);
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"Outage, major\""));
        assert!(text.contains("'=HYPERLINK"), "a formula is not run: {text}");
        assert!(text.contains(",-5\r\n"), "a negative number stays a number");
        assert_eq!(read(&text).unwrap(), rows);
    }

    #[test]
    fn semicolons_crlf_and_bad_quotes() {
        assert_eq!(
            read("a;b\r\n1,5;\"x;y\"\r\n\r\n").unwrap(),
            vec![vec!["a", "b"], vec!["1,5", "x;y"]]
        );
        assert_eq!(read("a,\"b\n"), Err(CsvError::Unclosed(1)));
        assert_eq!(read("\u{feff}\n\n"), Err(CsvError::Empty));
    }

    proptest! {
        #[test]
        fn any_table_round_trips(rows in prop::collection::vec(
            prop::collection::vec("[a-z ,;\"\n=+'-]{0,8}", 2..4), 1..5)
        ) {
            // Rows of one empty cell are blank lines, which reading drops.
            let rows: Table = rows.into_iter()
                .filter(|r| !(r.len() == 1 && r[0].trim().is_empty()))
                .collect();
            prop_assume!(!rows.is_empty());
            let back = read(&write(&rows)).unwrap();
            prop_assert_eq!(back, rows);
        }
    }
}
