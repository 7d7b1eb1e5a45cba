//! Workbook files with attachments: one zip holding the document and every
//! attached file under its SHA-256. What is written reads back exactly, the
//! same input always gives the same bytes, and anything else — other zips,
//! hostile names, lies about sizes, cut or damaged bytes — is refused with a
//! plain reason and never a panic.

use std::io::{Cursor, Read, Write};

use proptest::prelude::*;
use sms_core::container::{
    self, Container, ContainerError, FileHash, MARKER, MAX_DOCUMENT_BYTES, MAX_ENTRIES,
    MAX_FILE_BYTES,
};
use sms_core::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::common::*;

const STORED: CompressionMethod = CompressionMethod::Stored;
const DEFLATED: CompressionMethod = CompressionMethod::Deflated;

/// A real workbook file, as "Download this workbook" writes one today.
fn document() -> Vec<u8> {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    wb.to_file()
}

/// Every byte value, a few times over.
fn every_byte() -> Vec<u8> {
    (0..1024).map(|i| i as u8).collect()
}

fn hashed(bytes: &[u8]) -> (FileHash, &[u8]) {
    (FileHash::of(bytes), bytes)
}

fn file_name(bytes: &[u8]) -> String {
    format!("files/{}", FileHash::of(bytes).to_hex())
}

/// `n` byte strings of 0 to 199 pseudo-random bytes (xorshift, fixed seed).
fn noise(n: usize) -> Vec<Vec<u8>> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| (0..next() % 200).map(|_| next() as u8).collect())
        .collect()
}

/// A zip written directly with the zip crate, entries as given, to build
/// what `container::write` never would.
fn raw_zip(entries: &[(&str, CompressionMethod, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, method, bytes) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(*method)
            .last_modified_time(DateTime::default());
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The start of a well-formed container: marker and document.
fn head(doc: &[u8]) -> Vec<(&'static str, CompressionMethod, &[u8])> {
    vec![
        ("sms-workbook-container", STORED, MARKER),
        ("workbook.smsw", DEFLATED, doc),
    ]
}

fn find(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// `zip` with every `from` replaced by `to` (same length): a way to give
/// entries names (or repeat names) that a zip writer would refuse.
fn renamed(zip: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = zip.to_vec();
    let at = find(zip, from.as_bytes());
    assert!(!at.is_empty(), "{from} is in the zip");
    for i in at {
        out[i..i + to.len()].copy_from_slice(to.as_bytes());
    }
    out
}

/// Where the central directory header of entry `name` starts (its name's
/// last occurrence is in the directory, after all the data).
fn central_header(zip: &[u8], name: &str) -> usize {
    find(zip, name.as_bytes()).last().unwrap() - 46
}

fn put_u32(zip: &mut [u8], at: usize, value: u32) {
    zip[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn names(bytes: &[u8]) -> Vec<String> {
    let zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
    zip.file_names().map(str::to_owned).collect()
}

#[test]
fn file_hashes_are_lower_case_hex_sha256() {
    let empty = FileHash::of(b"");
    assert_eq!(
        empty.to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(FileHash::parse(&empty.to_hex()), Some(empty));
    let h = FileHash::of(&every_byte());
    assert_eq!(FileHash::parse(&h.to_hex()), Some(h));
    for bad in [
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
        "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ",
        "+3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "é3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "",
    ] {
        assert_eq!(FileHash::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn a_workbook_and_its_files_read_back_exactly() {
    let doc = document();
    let binary = every_byte();
    let empty: &[u8] = b"";
    let bytes = container::write(&doc, &[hashed(&binary), hashed(empty)]);

    let back = container::read(&bytes).unwrap();
    let mut files = vec![
        (FileHash::of(&binary), binary.clone()),
        (FileHash::of(empty), Vec::new()),
    ];
    files.sort();
    assert_eq!(
        back,
        Container {
            document: doc.clone(),
            files
        }
    );
    // The document is the workbook, unchanged.
    let wb = Workbook::load([back.document.as_slice()], actor(2)).unwrap();
    assert_eq!(risks(&wb).len(), 1);
}

#[test]
fn a_workbook_without_files_reads_back() {
    let doc = document();
    let back = container::read(&container::write(&doc, &[])).unwrap();
    assert_eq!(back.document, doc);
    assert!(back.files.is_empty());
}

#[test]
fn the_layout_is_exactly_the_documented_one() {
    let doc = document();
    let (a, b) = (b"first file".as_slice(), every_byte());
    let bytes = container::write(&doc, &[hashed(a), hashed(&b)]);

    let mut expected_files = vec![file_name(a), file_name(&b)];
    expected_files.sort();
    let mut expected = vec!["sms-workbook-container".to_owned(), "workbook.smsw".into()];
    expected.extend(expected_files);
    assert_eq!(names(&bytes), expected);

    let mut zip = ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
    assert!(zip.comment().is_empty());
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let method = if entry.name() == "workbook.smsw" {
            DEFLATED
        } else {
            STORED
        };
        assert_eq!(entry.compression(), method, "{}", entry.name());
        assert!(!entry.encrypted() && entry.is_file());
        assert_eq!(entry.last_modified(), Some(DateTime::default()));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        match i {
            0 => assert_eq!(content, b"SMS Workbook container 1\n"),
            1 => assert_eq!(content, doc),
            _ => assert_eq!(
                format!("files/{}", FileHash::of(&content).to_hex()),
                entry.name()
            ),
        }
    }
    // No extra fields or comments, in local or central headers.
    for name in names(&bytes) {
        let local = find(&bytes, name.as_bytes())[0] - 30;
        assert_eq!(&bytes[local + 28..local + 30], [0, 0], "{name}");
        let central = central_header(&bytes, &name);
        assert_eq!(&bytes[central + 30..central + 34], [0; 4], "{name}");
        assert_eq!(bytes[central + 5], 3, "made on Unix");
    }
    // The marker is readable in the first bytes.
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    assert_eq!(&bytes[30..52], b"sms-workbook-container");
}

#[test]
fn files_given_twice_are_written_once_in_hash_order() {
    let doc = document();
    let files: Vec<Vec<u8>> = (0u8..5).map(|i| vec![i; usize::from(i) * 10]).collect();
    let mut given: Vec<(FileHash, &[u8])> = files.iter().map(|f| hashed(f)).collect();
    given.extend(files.iter().rev().map(|f| hashed(f)));

    let bytes = container::write(&doc, &given);
    let back = container::read(&bytes).unwrap();
    let hashes: Vec<FileHash> = back.files.iter().map(|(h, _)| *h).collect();
    let mut expected: Vec<FileHash> = files.iter().map(|f| FileHash::of(f)).collect();
    expected.sort();
    assert_eq!(hashes, expected);
    for (hash, content) in &back.files {
        assert_eq!(FileHash::of(content), *hash);
    }
    assert_eq!(names(&bytes).len(), 2 + files.len());
}

#[test]
fn writing_is_deterministic() {
    let doc = document();
    let (a, b) = (every_byte(), b"evidence".to_vec());
    let once = container::write(&doc, &[hashed(&a), hashed(&b)]);
    let again = container::write(&doc, &[hashed(&b), hashed(&a), hashed(&b)]);
    assert_eq!(once, again);
}

#[test]
fn is_container_tells_containers_from_other_bytes() {
    let doc = document();
    assert!(container::is_container(&container::write(&doc, &[])));
    assert!(!container::is_container(&doc), "a plain .smsw file");
    assert!(!container::is_container(b""));
    assert!(!container::is_container(b"PK\x03\x04"));
    for noise in noise(200) {
        assert!(!container::is_container(&noise));
    }
    let other = raw_zip(&[("readme.txt", DEFLATED, b"hello")]);
    assert!(!container::is_container(&other));
    // The marker, but not first.
    let late = raw_zip(&[
        ("workbook.smsw", DEFLATED, &doc),
        ("sms-workbook-container", STORED, MARKER),
    ]);
    assert!(!container::is_container(&late));
}

#[test]
fn other_files_are_not_a_workbook() {
    use ContainerError::NotAWorkbook;
    let doc = document();
    assert_eq!(
        container::read(&doc),
        Err(NotAWorkbook),
        "a plain .smsw file"
    );
    assert_eq!(container::read(b""), Err(NotAWorkbook));
    assert_eq!(container::read(b"hello, world"), Err(NotAWorkbook));
    for noise in noise(200) {
        assert_eq!(container::read(&noise), Err(NotAWorkbook), "{noise:?}");
    }
    let other = raw_zip(&[("readme.txt", DEFLATED, b"hello")]);
    assert_eq!(container::read(&other), Err(NotAWorkbook));
    let late = raw_zip(&[
        ("workbook.smsw", DEFLATED, &doc),
        ("sms-workbook-container", STORED, MARKER),
    ]);
    assert_eq!(container::read(&late), Err(NotAWorkbook));
    for marker in [
        b"SMS Workbook container 1".as_slice(),
        b"SMS Workbook container 01\n",
        b"SMS Workbook container 0\n",
        b"SMS Workbook container x\n",
        b"SMS Workbook container 1\n\n",
        b"sms workbook container 1\n",
        b"",
    ] {
        let mut entries = head(&doc);
        entries[0].2 = marker;
        assert_eq!(
            container::read(&raw_zip(&entries)),
            Err(NotAWorkbook),
            "{marker:?}"
        );
    }
    // A deflated marker cannot be told from the first bytes.
    let mut entries = head(&doc);
    entries[0].1 = DEFLATED;
    assert_eq!(container::read(&raw_zip(&entries)), Err(NotAWorkbook));
}

#[test]
fn a_newer_version_says_so() {
    for marker in [
        b"SMS Workbook container 2\n".as_slice(),
        b"SMS Workbook container 10\n",
    ] {
        // Whatever a later version puts after its marker.
        let bytes = raw_zip(&[
            ("sms-workbook-container", STORED, marker),
            ("manifest.json", DEFLATED, b"{}"),
        ]);
        assert!(container::is_container(&bytes));
        assert_eq!(
            container::read(&bytes),
            Err(ContainerError::NewerVersion),
            "{marker:?}"
        );
    }
}

#[test]
fn the_document_must_be_there_once_and_not_empty() {
    let doc = document();
    let file = every_byte();
    let name = file_name(&file);

    let missing = raw_zip(&[
        ("sms-workbook-container", STORED, MARKER),
        (&name, STORED, &file),
    ]);
    assert_eq!(
        container::read(&missing),
        Err(ContainerError::MissingDocument)
    );
    let marker_only = raw_zip(&[("sms-workbook-container", STORED, MARKER)]);
    assert_eq!(
        container::read(&marker_only),
        Err(ContainerError::MissingDocument)
    );

    let mut entries = head(&doc);
    entries.push(("workbook.smsx", DEFLATED, &doc));
    let twice = renamed(&raw_zip(&entries), "workbook.smsx", "workbook.smsw");
    assert_eq!(
        container::read(&twice),
        Err(ContainerError::DuplicateDocument)
    );

    for method in [STORED, DEFLATED] {
        let empty = raw_zip(&[
            ("sms-workbook-container", STORED, MARKER),
            ("workbook.smsw", method, b""),
        ]);
        assert_eq!(container::read(&empty), Err(ContainerError::EmptyDocument));
    }

    // Stored instead of deflated is still the document.
    let mut entries = head(&doc);
    entries[1].1 = STORED;
    assert_eq!(container::read(&raw_zip(&entries)).unwrap().document, doc);
}

#[test]
fn names_other_than_the_three_forms_are_refused() {
    let doc = document();
    let file = every_byte();
    let hex = FileHash::of(&file).to_hex();
    let names = [
        format!("files/../{}", &hex[3..]),
        format!("/files/{}", &hex[1..]),
        format!("files\\{hex}"),
        format!("files/{}", hex.to_uppercase()),
        format!("files/{}", &hex[1..]),
        format!("files/{hex}0"),
        format!("files/{hex}/"),
        format!("files//{hex}"),
        format!("./files/{hex}"),
        format!("Files/{hex}"),
        "files/".to_owned(),
        "files".to_owned(),
        "/workbook.smsw".to_owned(),
        "../workbook.smsw".to_owned(),
        "C:\\workbook.smsw".to_owned(),
        "Workbook.smsw".to_owned(),
        "workbook.smsw/".to_owned(),
        "readme.txt".to_owned(),
        String::new(),
    ];
    for name in &names {
        let mut entries = head(&doc);
        entries.push((name, STORED, &file));
        let bytes = raw_zip(&entries);
        assert_eq!(
            container::read(&bytes),
            Err(ContainerError::UnexpectedEntry(name.clone())),
            "{name:?}"
        );
    }
    // The marker again, further on.
    let mut entries = head(&doc);
    entries.push(("sms-workbook-containex", STORED, MARKER));
    let bytes = renamed(
        &raw_zip(&entries),
        "sms-workbook-containex",
        "sms-workbook-container",
    );
    assert_eq!(
        container::read(&bytes),
        Err(ContainerError::UnexpectedEntry(
            "sms-workbook-container".into()
        ))
    );
    // A directory entry.
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, method, bytes) in head(&doc) {
        let options = SimpleFileOptions::default().compression_method(method);
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.add_directory("files/", SimpleFileOptions::default())
        .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(
        container::read(&bytes),
        Err(ContainerError::UnexpectedEntry("files/".into()))
    );
    // Names that are not text are shown as well as possible.
    let mut entries = head(&doc);
    entries.push(("files/x", STORED, &file));
    let bytes = renamed(&raw_zip(&entries), "files/x", "files/\u{1}");
    assert_eq!(
        container::read(&bytes),
        Err(ContainerError::UnexpectedEntry("files/\u{fffd}".into()))
    );
}

#[test]
fn a_file_twice_is_refused() {
    let doc = document();
    let (a, b) = (every_byte(), b"other".to_vec());
    let (name_a, name_b) = (file_name(&a), file_name(&b));
    let mut entries = head(&doc);
    entries.push((&name_a, STORED, &a));
    entries.push((&name_b, STORED, &a));
    let bytes = renamed(&raw_zip(&entries), &name_b, &name_a);
    assert_eq!(
        container::read(&bytes),
        Err(ContainerError::DuplicateFile(FileHash::of(&a)))
    );
}

#[test]
fn a_file_that_does_not_match_its_fingerprint_is_refused() {
    let doc = document();
    let (a, b) = (every_byte(), b"other".to_vec());
    let mut entries = head(&doc);
    let name = file_name(&a);
    entries.push((&name, STORED, &b));
    let err = container::read(&raw_zip(&entries)).unwrap_err();
    assert_eq!(err, ContainerError::HashMismatch(FileHash::of(&a)));
    assert_eq!(
        err.to_string(),
        format!(
            "an attached file does not match its fingerprint ({}…)",
            &FileHash::of(&a).to_hex()[..12]
        )
    );
}

#[test]
fn entries_out_of_order_are_refused() {
    let doc = document();
    let (a, b) = (every_byte(), b"other".to_vec());
    let (mut low, mut high) = ((file_name(&a), &a), (file_name(&b), &b));
    if low.0 > high.0 {
        std::mem::swap(&mut low, &mut high);
    }
    let marker = ("sms-workbook-container", STORED, MARKER);
    let descending = raw_zip(&[
        marker,
        ("workbook.smsw", DEFLATED, &doc),
        (&high.0, STORED, high.1),
        (&low.0, STORED, low.1),
    ]);
    assert_eq!(
        container::read(&descending),
        Err(ContainerError::OutOfOrder)
    );
    let document_late = raw_zip(&[
        marker,
        (&low.0, STORED, low.1),
        ("workbook.smsw", DEFLATED, &doc),
    ]);
    assert_eq!(
        container::read(&document_late),
        Err(ContainerError::OutOfOrder)
    );
    let ascending = raw_zip(&[
        marker,
        ("workbook.smsw", DEFLATED, &doc),
        (&low.0, STORED, low.1),
        (&high.0, STORED, high.1),
    ]);
    assert_eq!(container::read(&ascending).unwrap().files.len(), 2);
}

#[test]
fn entries_must_lie_where_the_directory_says_and_never_overlap() {
    let doc = document();
    let (a, b) = (every_byte(), b"other".to_vec());
    let bytes = container::write(&doc, &[hashed(&a), hashed(&b)]);
    let names = names(&bytes);
    let (second, third) = (&names[2], &names[3]);
    let offset_of = |bytes: &[u8], name: &str| {
        let at = central_header(bytes, name) + 42;
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    };

    // The last file said to start where the one before it does.
    let mut same = bytes.clone();
    let at = central_header(&same, third) + 42;
    put_u32(&mut same, at, offset_of(&bytes, second));
    assert_eq!(container::read(&same), Err(ContainerError::Damaged));

    // ... or inside the data of the one before it.
    let mut inside = bytes.clone();
    put_u32(&mut inside, at, offset_of(&bytes, second) + 40);
    assert_eq!(container::read(&inside), Err(ContainerError::Damaged));

    // A local header naming another entry than the directory does.
    let mut other = bytes.clone();
    let local = find(&bytes, third.as_bytes())[0];
    other[local + 6] = if other[local + 6] == b'0' { b'1' } else { b'0' };
    assert_eq!(container::read(&other), Err(ContainerError::Damaged));
}

#[test]
fn compressed_files_are_refused() {
    let doc = document();
    let file = every_byte();
    let name = file_name(&file);
    let mut entries = head(&doc);
    entries.push((&name, DEFLATED, &file));
    assert_eq!(
        container::read(&raw_zip(&entries)),
        Err(ContainerError::Compression)
    );
    // A method SMS Workbook never uses (BZIP2, 12) for the document.
    let mut bytes = raw_zip(&head(&doc));
    let at = central_header(&bytes, "workbook.smsw");
    bytes[at + 10] = 12;
    assert_eq!(container::read(&bytes), Err(ContainerError::Compression));
}

#[test]
fn encrypted_entries_are_refused() {
    let doc = document();
    let file = every_byte();
    let name = file_name(&file);
    let mut entries = head(&doc);
    entries.push((&name, STORED, &file));
    let plain = raw_zip(&entries);
    for entry in ["workbook.smsw", name.as_str()] {
        for flag in [0x0001u8, 0x0040] {
            let mut bytes = plain.clone();
            let at = central_header(&bytes, entry);
            bytes[at + 8] |= flag;
            assert_eq!(
                container::read(&bytes),
                Err(ContainerError::Encrypted),
                "{entry} {flag}"
            );
        }
    }
    // The marker's own flag, in the first local header.
    let mut bytes = plain.clone();
    bytes[6] |= 1;
    assert_eq!(container::read(&bytes), Err(ContainerError::Encrypted));
}

#[test]
fn declared_sizes_over_the_limits_are_refused_before_reading() {
    let doc = document();
    let file = every_byte();
    let name = file_name(&file);
    let mut entries = head(&doc);
    entries.push((&name, STORED, &file));
    let plain = raw_zip(&entries);

    let mut bytes = plain.clone();
    let at = central_header(&bytes, &name);
    put_u32(&mut bytes, at + 20, MAX_FILE_BYTES as u32 + 1);
    put_u32(&mut bytes, at + 24, MAX_FILE_BYTES as u32 + 1);
    let err = container::read(&bytes).unwrap_err();
    assert_eq!(err, ContainerError::FileTooLarge(FileHash::of(&file)));
    assert!(err
        .to_string()
        .starts_with("an attached file is larger than 50 MB ("));

    let mut bytes = plain.clone();
    let at = central_header(&bytes, "workbook.smsw");
    put_u32(&mut bytes, at + 24, MAX_DOCUMENT_BYTES as u32 + 1);
    assert_eq!(
        container::read(&bytes),
        Err(ContainerError::DocumentTooLarge)
    );

    // Declared within the limit but larger than the input: no room is
    // taken for it, the reading finds the lie.
    let mut bytes = plain.clone();
    let at = central_header(&bytes, &name);
    put_u32(&mut bytes, at + 20, MAX_FILE_BYTES as u32);
    put_u32(&mut bytes, at + 24, MAX_FILE_BYTES as u32);
    assert_eq!(container::read(&bytes), Err(ContainerError::Damaged));
}

#[test]
fn a_file_over_50_mib_is_refused() {
    let doc = document();
    let big = vec![7u8; MAX_FILE_BYTES as usize + 1];
    let name = format!("files/{}", FileHash::of(b"big").to_hex());
    let mut entries = head(&doc);
    entries.push((&name, STORED, &big));
    assert_eq!(
        container::read(&raw_zip(&entries)),
        Err(ContainerError::FileTooLarge(FileHash::of(b"big")))
    );
    // Exactly the limit is allowed.
    let limit = &big[..MAX_FILE_BYTES as usize];
    let back = container::read(&container::write(&doc, &[hashed(limit)])).unwrap();
    assert_eq!(back.files[0].1.len() as u64, MAX_FILE_BYTES);
}

#[test]
fn a_document_that_inflates_past_its_declared_size_is_refused() {
    let zeros = vec![0u8; 1 << 20];
    let mut bytes = raw_zip(&[
        ("sms-workbook-container", STORED, MARKER),
        ("workbook.smsw", DEFLATED, &zeros),
    ]);
    assert!(bytes.len() < 10_000, "a small bomb");
    let at = central_header(&bytes, "workbook.smsw");
    put_u32(&mut bytes, at + 24, 1000);
    assert_eq!(container::read(&bytes), Err(ContainerError::Damaged));
}

#[test]
fn more_than_100_000_entries_are_refused() {
    // A ZIP64 end record (the only way to count past 65,535) claiming
    // 100,001 entries.
    let bytes = container::write(&document(), &[]);
    let end = bytes.len() - 22;
    let dir_size = u32::from_le_bytes(bytes[end + 12..end + 16].try_into().unwrap());
    let dir_start = u32::from_le_bytes(bytes[end + 16..end + 20].try_into().unwrap());
    let count = MAX_ENTRIES as u64 + 1;
    let mut hostile = bytes[..end].to_vec();
    let record_at = hostile.len() as u64;
    hostile.extend(0x0606_4b50u32.to_le_bytes());
    hostile.extend(44u64.to_le_bytes());
    hostile.extend([45, 0, 45, 0]);
    hostile.extend([0; 8]);
    hostile.extend(count.to_le_bytes());
    hostile.extend(count.to_le_bytes());
    hostile.extend(u64::from(dir_size).to_le_bytes());
    hostile.extend(u64::from(dir_start).to_le_bytes());
    hostile.extend(0x0706_4b50u32.to_le_bytes());
    hostile.extend(0u32.to_le_bytes());
    hostile.extend(record_at.to_le_bytes());
    hostile.extend(1u32.to_le_bytes());
    hostile.extend(0x0605_4b50u32.to_le_bytes());
    hostile.extend([0; 4]);
    hostile.extend([0xff; 4]);
    hostile.extend([0xff; 8]);
    hostile.extend([0; 2]);
    assert_eq!(
        container::read(&hostile),
        Err(ContainerError::TooManyEntries)
    );
}

#[test]
fn more_entries_than_a_classic_zip_counts_read_back() {
    // 65,535 entries is the most the classic end record counts; past it the
    // writer adds the ZIP64 end record, which reading understands.
    let doc = document();
    let files: Vec<[u8; 4]> = (0u32..65_540).map(u32::to_le_bytes).collect();
    let given: Vec<(FileHash, &[u8])> = files.iter().map(|f| hashed(f)).collect();
    let bytes = container::write(&doc, &given);
    let back = container::read(&bytes).unwrap();
    assert_eq!(back.files.len(), files.len());
    assert!(back.files.windows(2).all(|w| w[0].0 < w[1].0));
}

/// A container with a few files, for cutting and damaging.
fn sample() -> (Vec<u8>, Container) {
    let doc = document();
    let (a, b, c) = (every_byte(), b"".to_vec(), b"short".to_vec());
    let bytes = container::write(&doc, &[hashed(&a), hashed(&b), hashed(&c)]);
    let read = container::read(&bytes).unwrap();
    (bytes, read)
}

#[test]
fn a_container_cut_anywhere_is_refused() {
    let (bytes, _) = sample();
    let cuts = (0..bytes.len())
        .step_by(7)
        .chain(bytes.len() - 30..bytes.len());
    for cut in cuts {
        let part = &bytes[..cut];
        let err = container::read(part).unwrap_err();
        if cut > 0 {
            assert_eq!(err, ContainerError::Damaged, "cut at {cut}");
        }
    }
}

#[test]
fn damaged_bytes_are_refused_or_read_exactly_as_written() {
    let (bytes, original) = sample();
    for at in (0..bytes.len()).step_by(3) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= flip;
            if let Ok(read) = container::read(&damaged) {
                // Only fields that say nothing about the content (dates,
                // attributes, versions) can change unnoticed.
                assert_eq!(read, original, "flip {flip:#x} at {at}");
            }
        }
    }
}

#[test]
fn errors_read_as_plain_words() {
    let h = FileHash::of(b"x");
    let short = &h.to_hex()[..12];
    for (err, text) in [
        (
            ContainerError::Damaged,
            "the file is damaged or cut short".to_owned(),
        ),
        (
            ContainerError::NotAWorkbook,
            "the file holds something other than a workbook".into(),
        ),
        (
            ContainerError::NewerVersion,
            "it was written by a newer version of SMS Workbook".into(),
        ),
        (
            ContainerError::FileTooLarge(h),
            format!("an attached file is larger than 50 MB ({short}…)"),
        ),
        (
            ContainerError::UnexpectedEntry("files/../x".into()),
            "the file holds something a workbook file never does (“files/../x”)".into(),
        ),
    ] {
        assert_eq!(err.to_string(), text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any document and files read back as written: the files once each,
    /// in hash order; writing again gives the same bytes.
    #[test]
    fn anything_written_reads_back(
        doc in prop::collection::vec(any::<u8>(), 1..3000),
        files in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..2000), 0..6),
    ) {
        let given: Vec<(FileHash, &[u8])> = files.iter().map(|f| hashed(f)).collect();
        let bytes = container::write(&doc, &given);
        prop_assert!(container::is_container(&bytes));
        prop_assert_eq!(&container::write(&doc, &given), &bytes);
        let back = container::read(&bytes).unwrap();
        let mut expected: Vec<(FileHash, Vec<u8>)> =
            files.iter().map(|f| (FileHash::of(f), f.clone())).collect();
        expected.sort();
        expected.dedup();
        prop_assert_eq!(back, Container { document: doc, files: expected });
    }

    /// Damage anywhere, of any kind, never makes reading panic, and what
    /// still reads is what was written.
    #[test]
    fn damage_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let (bytes, original) = sample();
        let mut damaged = bytes.clone();
        for (at, value) in edits {
            damaged[at.index(bytes.len())] = value;
        }
        if let Ok(read) = container::read(&damaged) {
            prop_assert_eq!(read, original.clone());
        }
        let _ = container::read(&damaged[..cut.index(damaged.len())]);
    }

    /// Bytes that start like a container and go on as noise are refused.
    #[test]
    fn noise_after_a_container_start_is_refused(
        keep in 0usize..200,
        noise in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let (bytes, _) = sample();
        let mut hostile = bytes[..keep.min(bytes.len())].to_vec();
        hostile.extend(noise);
        prop_assert!(container::read(&hostile).is_err());
    }
}
