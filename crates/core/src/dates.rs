//! Dates and times as this app writes and reads them: ISO forms in
//! documents, forms and files, and day-month-year words on screen.
//!
//! Written by hand rather than through chrono's format strings: those
//! compile chrono's whole formatting and parsing engine into every
//! WebAssembly module, for the few fixed forms used here.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A year as ISO writes it: four digits, with a sign beyond 0–9999.
fn year(y: i32) -> String {
    if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else {
        format!("{y:+05}")
    }
}

/// `2027-03-05`.
pub fn iso(d: NaiveDate) -> String {
    format!("{}-{:02}-{:02}", year(d.year()), d.month(), d.day())
}

/// `2027-03-05T14:30` (`sep` `'T'`), or with `' '` between.
pub fn iso_minute(t: NaiveDateTime, sep: char) -> String {
    format!("{}{sep}{:02}:{:02}", iso(t.date()), t.hour(), t.minute())
}

/// `5 Mar 2027`.
pub fn short(d: NaiveDate) -> String {
    let month = MONTHS[d.month0() as usize];
    format!("{} {} {}", d.day(), &month[..3], year(d.year()))
}

/// `5 March 2027`.
pub fn long(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[d.month0() as usize],
        year(d.year())
    )
}

/// `5 Mar 2027 14:30`.
pub fn short_minute(t: NaiveDateTime) -> String {
    format!("{} {:02}:{:02}", short(t.date()), t.hour(), t.minute())
}

/// `5 Mar 2027 at 14:30`, for sentences.
pub fn short_at(t: NaiveDateTime) -> String {
    format!("{} at {:02}:{:02}", short(t.date()), t.hour(), t.minute())
}

/// Reads the digits at the start of `s`: at least one and at most `max`.
fn number(s: &str, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// A year: up to four digits, or any number of them after a sign.
fn read_year(s: &str) -> Option<(i32, &str)> {
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    let max = if rest.len() == s.len() { 4 } else { 9 };
    let (y, rest) = number(rest, max)?;
    Some((sign * i32::try_from(y).ok()?, rest))
}

/// `rest` after `c`, when it starts with it.
fn expect(s: &str, c: char) -> Option<&str> {
    s.strip_prefix(c)
}

/// A date written year, month, day with `-` between (`2027-03-05`, or
/// `2027-3-5`), and what follows it.
fn read_iso(s: &str) -> Option<(NaiveDate, &str)> {
    let (y, s) = read_year(s)?;
    let (m, s) = number(expect(s, '-')?, 2)?;
    let (d, s) = number(expect(s, '-')?, 2)?;
    Some((NaiveDate::from_ymd_opt(y, m, d)?, s))
}

/// `2027-03-05`, and nothing after it.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    match read_iso(s)? {
        (d, "") => Some(d),
        _ => None,
    }
}

/// A date written day, month, year with `sep` between (`31/03/2027`).
pub fn parse_dmy(s: &str, sep: char) -> Option<NaiveDate> {
    let (d, s) = number(s, 2)?;
    let (m, s) = number(expect(s, sep)?, 2)?;
    let (y, s) = read_year(expect(s, sep)?)?;
    if !s.is_empty() {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `2027-03-05T14:30`, with one of `seps` between date and time and, when
/// `seconds`, optional seconds (`:05`).
pub fn parse_iso_minute(s: &str, seps: &[char], seconds: bool) -> Option<NaiveDateTime> {
    let (date, s) = read_iso(s)?;
    let mut chars = s.chars();
    if !seps.contains(&chars.next()?) {
        return None;
    }
    let (h, s) = number(chars.as_str(), 2)?;
    let (m, s) = number(expect(s, ':')?, 2)?;
    let (sec, s) = match s.strip_prefix(':') {
        Some(rest) if seconds => number(rest, 2)?,
        _ => (0, s),
    };
    if !s.is_empty() {
        return None;
    }
    Some(date.and_time(NaiveTime::from_hms_opt(h, m, sec)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn writes_as_chrono_did() {
        for date in [
            d(2027, 3, 5),
            d(1, 1, 1),
            d(9999, 12, 31),
            d(12345, 6, 7),
            d(-44, 3, 15),
        ] {
            assert_eq!(iso(date), date.format("%Y-%m-%d").to_string());
            assert_eq!(short(date), date.format("%-d %b %Y").to_string());
            assert_eq!(long(date), date.format("%-d %B %Y").to_string());
            let t = date.and_hms_opt(9, 5, 7).unwrap();
            assert_eq!(iso_minute(t, 'T'), t.format("%Y-%m-%dT%H:%M").to_string());
            assert_eq!(iso_minute(t, ' '), t.format("%Y-%m-%d %H:%M").to_string());
            assert_eq!(short_minute(t), t.format("%-d %b %Y %H:%M").to_string());
            assert_eq!(short_at(t), t.format("%-d %b %Y at %H:%M").to_string());
        }
    }

    #[test]
    fn reads_what_it_writes_and_what_people_type() {
        for date in [
            d(2027, 3, 5),
            d(1, 1, 1),
            d(9999, 12, 31),
            d(12345, 6, 7),
            d(-44, 3, 15),
        ] {
            assert_eq!(parse_iso(&iso(date)), Some(date));
            let t = date.and_hms_opt(9, 5, 0).unwrap();
            assert_eq!(
                parse_iso_minute(&iso_minute(t, 'T'), &['T'], false),
                Some(t)
            );
            assert_eq!(
                parse_iso_minute(&iso_minute(t, ' '), &[' ', 'T'], true),
                Some(t)
            );
        }
        assert_eq!(parse_iso("2027-3-5"), Some(d(2027, 3, 5)));
        assert_eq!(parse_dmy("31/03/2027", '/'), Some(d(2027, 3, 31)));
        assert_eq!(parse_dmy("1.3.2027", '.'), Some(d(2027, 3, 1)));
        assert_eq!(
            parse_iso_minute("2027-03-05T14:30:59", &['T'], true),
            d(2027, 3, 5).and_hms_opt(14, 30, 59)
        );
        for bad in [
            "",
            "2027",
            "2027-13-01",
            "2027-02-30",
            "2027-03-05x",
            "20270-03-05",
            "2027/03/05",
            " 2027-03-05",
            "2027-03-005",
            "-",
            "+",
            "2027--3-05",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad:?}");
        }
        for bad in [
            "2027-03-05",
            "2027-03-05T25:00",
            "2027-03-05T14:60",
            "2027-03-05 14:30",
            "2027-03-05T14",
            "2027-03-05T14:30:",
            "2027-03-05T14:30:00",
        ] {
            assert_eq!(parse_iso_minute(bad, &['T'], false), None, "{bad:?}");
        }
        assert_eq!(parse_iso_minute("2027-03-05T14:30:61", &['T'], true), None);
        assert_eq!(parse_dmy("31/03/2027/", '/'), None);
        assert_eq!(parse_dmy("31.03/2027", '/'), None);
    }

    #[test]
    fn reads_what_chrono_read() {
        // Everything chrono read in these forms reads the same; anything
        // else it refused is refused.
        let samples = [
            "2027-03-05",
            "2027-3-5",
            "0001-01-01",
            "1-1-1",
            "+12345-06-07",
            "-0044-03-15",
            "2027-02-29",
            "2028-02-29",
            "99999-01-01",
            "2027-03-05 ",
            "2027-03-05T10:00",
            "2027-03-05T10:00:30",
            "2027-03-05 10:00",
            "2027-03-05T1:2",
            "2027-03-05T10:00:60",
        ];
        for s in samples {
            let ours = parse_iso(s);
            if let Some(v) = ours {
                assert_eq!(
                    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
                    Some(v),
                    "{s:?}"
                );
            }
            if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                assert!(ours.is_some(), "{s:?}");
            }
            for (fmt, seps, secs) in [
                ("%Y-%m-%dT%H:%M", &['T'][..], false),
                ("%Y-%m-%d %H:%M", &[' '][..], false),
            ] {
                let chrono = NaiveDateTime::parse_from_str(s, fmt).ok();
                assert_eq!(parse_iso_minute(s, seps, secs), chrono, "{s:?} {fmt}");
            }
            let ours = parse_iso_minute(s, &['T'], true);
            let chrono = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
                .ok();
            if s.ends_with(":60") {
                // chrono takes a leap second; a person's time has none.
                assert_eq!(ours, None);
            } else {
                assert_eq!(ours, chrono, "{s:?}");
            }
        }
    }
}
