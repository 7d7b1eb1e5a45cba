//! Workbook files with attachments: one zip archive holding the workbook
//! document and every attached file, each file under its SHA-256.
//!
//! The entries, in this order (see docs/FORMAT.md):
//! 1. `sms-workbook-container`, stored: exactly `SMS Workbook container 1\n`,
//!    which names the format and its version;
//! 2. `workbook.smsw`, deflated: the bytes of a plain `.smsw` file;
//! 3. `files/<sha256 in lower-case hex>`, stored: one per attached file, each
//!    hash once, in ascending order.
//!
//! Nothing else: no directories, no comments, no encryption, no ZIP64 entry
//! fields (a container is below 4 GiB; ZIP64 end records, needed past 65,535
//! entries, are read). Writing is deterministic: fixed dates (1980-01-01),
//! fixed permissions, files in hash order, so the same workbook and files
//! always give the same bytes.
//!
//! Reading takes untrusted bytes and never panics. It checks the archive's
//! frame itself (end record, central directory, the marker in the first
//! local header) before the zip crate decompresses anything, and refuses
//! whatever this module would not have written: unknown or repeated names,
//! another order, other compression, overlapping entries. Sizes are limited
//! twice, as declared before reading and as actually read (through
//! [`Read::take`], since a deflated entry can lie about its size), so the
//! memory used stays proportional to the input: attached files are stored,
//! so together they are no larger than the input, and the document is at
//! most [`MAX_DOCUMENT_BYTES`].
//!
//! Pure and in memory (`std::io::Cursor`): no file system, clock or threads,
//! so it runs the same natively and in a Web Worker.

use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read, Write};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

use crate::ids::hex;

/// Largest attached file, in bytes (50 MiB).
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Largest workbook document in a container, in bytes (256 MiB).
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;
/// Most entries in a container (the marker and the document included).
pub const MAX_ENTRIES: usize = 100_000;

/// Name of the first entry, which identifies a container.
pub const MARKER_NAME: &str = "sms-workbook-container";
/// Content of the first entry in this version of the format.
pub const MARKER: &[u8] = b"SMS Workbook container 1\n";
/// Name of the entry holding the workbook document.
pub const DOCUMENT_NAME: &str = "workbook.smsw";
/// Start of the name of every attached file's entry.
pub const FILES_PREFIX: &str = "files/";

/// What every version's marker starts with (then its version and `\n`).
const MARKER_PREFIX: &[u8] = b"SMS Workbook container ";
/// Longest marker read, in bytes.
const MARKER_MAX: u64 = 64;

// Zip records (PKWARE APPNOTE.TXT 4.3), all little-endian.
const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const END64_SIG: u32 = 0x0606_4b50;
const LOCATOR64_SIG: u32 = 0x0706_4b50;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const END_LEN: usize = 22;
const END64_LEN: usize = 56;
const LOCATOR64_LEN: usize = 20;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// General purpose flags: encrypted (bit 0), strong encryption (bit 6),
/// central directory encrypted (bit 13).
const ENCRYPTION_FLAGS: u16 = 0x0001 | 0x0040 | 0x2000;

/// A file's SHA-256, the address it is stored and sent under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileHash(pub [u8; 32]);

impl FileHash {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        FileHash(Sha256::digest(bytes).into())
    }

    /// 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Exactly 64 lower-case hex digits, as [`FileHash::to_hex`] writes.
    pub fn parse(s: &str) -> Option<Self> {
        let digits = s.as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Some(FileHash(out))
    }

    /// The first 12 hex digits, enough to tell files apart in a message.
    fn short(&self) -> String {
        hex(&self.0[..6])
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// A container read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// The workbook document: the bytes of a plain `.smsw` file.
    pub document: Vec<u8>,
    /// The attached files, each with its hash, in ascending hash order.
    pub files: Vec<(FileHash, Vec<u8>)>,
}

/// Why a container was refused, in words for the person who opened it.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// Not a zip, or a zip without the container's marker first.
    #[error("the file holds something other than a workbook")]
    NotAWorkbook,
    /// The marker names a later version of the format.
    #[error("it was written by a newer version of SMS Workbook")]
    NewerVersion,
    /// Truncated, or bytes changed: the zip structure or a checksum is wrong.
    #[error("the file is damaged or cut short")]
    Damaged,
    #[error("the file is locked with a password, which SMS Workbook never does")]
    Encrypted,
    /// More than [`MAX_ENTRIES`] entries.
    #[error("the file holds too many attached files (more than 100,000 entries)")]
    TooManyEntries,
    /// A name other than the three forms (shown, shortened if long).
    #[error("the file holds something a workbook file never does (“{0}”)")]
    UnexpectedEntry(String),
    #[error("the file holds no workbook")]
    MissingDocument,
    #[error("the file holds more than one workbook")]
    DuplicateDocument,
    #[error("the workbook in the file is empty")]
    EmptyDocument,
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    #[error("the workbook in the file is larger than 256 MB")]
    DocumentTooLarge,
    #[error("an attached file is in the file twice ({}…)", .0.short())]
    DuplicateFile(FileHash),
    /// Larger than [`MAX_FILE_BYTES`].
    #[error("an attached file is larger than 50 MB ({}…)", .0.short())]
    FileTooLarge(FileHash),
    #[error("an attached file does not match its fingerprint ({}…)", .0.short())]
    HashMismatch(FileHash),
    /// The marker is not first, the document not second, or the files are
    /// not in ascending hash order.
    #[error("the parts of the file are not in the order SMS Workbook writes them")]
    OutOfOrder,
    /// An attached file not stored, or the document neither stored nor
    /// deflated.
    #[error("the file is compressed in a way SMS Workbook does not write")]
    Compression,
}

/// Whether `bytes` look like a container (a zip whose first entry is the
/// marker) rather than a plain workbook document. Cheap: looks at the first
/// 52 bytes only (the first local header and its name).
pub fn is_container(bytes: &[u8]) -> bool {
    let name = MARKER_NAME.as_bytes();
    u32_at(bytes, 0) == Some(LOCAL_SIG)
        && u16_at(bytes, 26) == Some(name.len() as u16)
        && bytes.get(LOCAL_LEN..LOCAL_LEN + name.len()) == Some(name)
}

/// Writes a container: the document and the files, each given with its hash
/// (which must be `FileHash::of(bytes)`; checked in debug builds). Files
/// given twice are written once.
///
/// The caller keeps the document within [`MAX_DOCUMENT_BYTES`] and not
/// empty, each file within [`MAX_FILE_BYTES`], and the entries within
/// [`MAX_ENTRIES`] (checked in debug builds), or [`read`] refuses the result.
///
/// # Panics
/// Only if an entry is 4 GiB or more, far past those limits (and past what
/// wasm32 can hold).
pub fn write(document: &[u8], files: &[(FileHash, &[u8])]) -> Vec<u8> {
    let files: BTreeMap<FileHash, &[u8]> = files
        .iter()
        .map(|&(hash, bytes)| {
            debug_assert_eq!(hash, FileHash::of(bytes), "file given under another hash");
            debug_assert!(bytes.len() as u64 <= MAX_FILE_BYTES, "file too large");
            (hash, bytes)
        })
        .collect();
    debug_assert!(!document.is_empty(), "empty document");
    debug_assert!(
        document.len() as u64 <= MAX_DOCUMENT_BYTES,
        "document too large"
    );
    debug_assert!(files.len() + 2 <= MAX_ENTRIES, "too many files");

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut put = |name: &str, method: CompressionMethod, bytes: &[u8]| {
        zip.start_file(name, options(method))?;
        zip.write_all(bytes)?;
        Ok::<_, zip::result::ZipError>(())
    };
    let written = put(MARKER_NAME, CompressionMethod::Stored, MARKER)
        .and_then(|()| put(DOCUMENT_NAME, CompressionMethod::Deflated, document))
        .and_then(|()| {
            files.iter().try_for_each(|(hash, bytes)| {
                let name = format!("{FILES_PREFIX}{}", hash.to_hex());
                put(&name, CompressionMethod::Stored, bytes)
            })
        })
        .and_then(|()| zip.finish());
    written
        .expect("entries below 4 GiB are always written to memory")
        .into_inner()
}

/// The same options for every entry, whatever the platform: no clock
/// (1980-01-01 00:00, the earliest DOS date), Unix, read-write for the owner.
fn options(method: CompressionMethod) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(0o644)
}

/// Reads and checks a container. The input is untrusted: anything this
/// module would not have written is refused (see [`ContainerError`]); it
/// never panics, and allocates at most a small multiple of the input's size
/// (the document alone may inflate, to at most [`MAX_DOCUMENT_BYTES`]).
pub fn read(bytes: &[u8]) -> Result<Container, ContainerError> {
    use ContainerError::*;

    if !is_container(bytes) {
        return Err(if cut_in_first_header(bytes) {
            Damaged
        } else {
            NotAWorkbook
        });
    }
    // The version first, from the first local header alone: a later version
    // may lay out everything after its marker differently.
    check_marker(bytes)?;

    let dir = central_directory(bytes)?;
    let entries = &dir.entries;
    let Some(marker) = entries.first() else {
        return Err(Damaged);
    };
    if marker.name != MARKER_NAME.as_bytes() || marker.offset != 0 {
        return Err(NotAWorkbook);
    }
    if entries.windows(2).any(|w| w[0].offset >= w[1].offset) {
        return Err(Damaged);
    }

    // What each entry is, then each rule in turn, so that the error names
    // the most telling problem.
    let mut kinds = Vec::with_capacity(entries.len());
    kinds.push(Kind::Marker);
    let mut seen = HashSet::new();
    for entry in &entries[1..] {
        let kind = match kind(&entry.name) {
            Some(Kind::Marker) | None => return Err(UnexpectedEntry(shown(&entry.name))),
            Some(kind) => kind,
        };
        if let Kind::File(hash) = kind {
            if !seen.insert(hash) {
                return Err(DuplicateFile(hash));
            }
        }
        kinds.push(kind);
    }
    match kinds.iter().filter(|k| **k == Kind::Document).count() {
        0 => return Err(MissingDocument),
        1 => {}
        _ => return Err(DuplicateDocument),
    }
    // The document second, then the files in strictly ascending order.
    if kinds[1] != Kind::Document {
        return Err(OutOfOrder);
    }
    let mut previous = None;
    for kind in &kinds[2..] {
        match *kind {
            Kind::File(hash) if previous.is_none_or(|p| p < hash) => previous = Some(hash),
            _ => return Err(OutOfOrder),
        }
    }

    for (entry, &kind) in entries.iter().zip(&kinds) {
        if entry.flags & ENCRYPTION_FLAGS != 0 {
            return Err(Encrypted);
        }
        let (limit, methods, too_large): (u64, &[u16], ContainerError) = match kind {
            Kind::Marker => (MARKER_MAX, &[STORED], NotAWorkbook),
            Kind::Document => (MAX_DOCUMENT_BYTES, &[STORED, DEFLATED], DocumentTooLarge),
            Kind::File(hash) => (MAX_FILE_BYTES, &[STORED], FileTooLarge(hash)),
        };
        // Declared sizes, before anything is decompressed.
        if entry.size > limit {
            return Err(too_large);
        }
        if !methods.contains(&entry.method) {
            return Err(Compression);
        }
        if entry.method == STORED && entry.compressed != entry.size {
            return Err(Damaged);
        }
        if kind == Kind::Document && entry.size == 0 {
            return Err(EmptyDocument);
        }
    }

    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| Damaged)?;
    if zip.len() != entries.len() || zip.offset() != 0 || zip.central_directory_start() != dir.start
    {
        return Err(Damaged);
    }
    let end_of = |i: usize| entries.get(i + 1).map_or(dir.start, |next| next.offset);
    let mut read_at =
        |i: usize, limit: u64| read_entry(&mut zip, bytes, i, &entries[i], end_of(i), limit);

    if read_at(0, MARKER_MAX).map_err(|_| Damaged)? != MARKER {
        return Err(Damaged);
    }
    let document = read_at(1, MAX_DOCUMENT_BYTES).map_err(|e| match e {
        Failure::TooLarge => DocumentTooLarge,
        Failure::Damaged => Damaged,
    })?;
    if document.is_empty() {
        return Err(EmptyDocument);
    }
    let mut files = Vec::with_capacity(entries.len() - 2);
    for (i, &kind) in kinds.iter().enumerate().skip(2) {
        let Kind::File(hash) = kind else {
            return Err(Damaged);
        };
        let content = read_at(i, MAX_FILE_BYTES).map_err(|e| match e {
            Failure::TooLarge => FileTooLarge(hash),
            Failure::Damaged => Damaged,
        })?;
        if FileHash::of(&content) != hash {
            return Err(HashMismatch(hash));
        }
        files.push((hash, content));
    }
    Ok(Container { document, files })
}

/// Whether `bytes` are the start of a container cut inside its first local
/// header (too short for [`is_container`] to tell).
fn cut_in_first_header(bytes: &[u8]) -> bool {
    let name = MARKER_NAME.as_bytes();
    let sig = LOCAL_SIG.to_le_bytes();
    let n = bytes.len().min(sig.len());
    !bytes.is_empty()
        && bytes.len() < LOCAL_LEN + name.len()
        && bytes[..n] == sig[..n]
        && bytes
            .get(26..28)
            .is_none_or(|len| len == (name.len() as u16).to_le_bytes())
        && bytes
            .get(LOCAL_LEN..)
            .is_none_or(|got| name.starts_with(got))
}

/// Checks the marker's text in the first local header (stored, its sizes in
/// the header): this version, a later one, or not a container at all.
fn check_marker(bytes: &[u8]) -> Result<(), ContainerError> {
    use ContainerError::*;
    let field = |at| u16_at(bytes, at).ok_or(Damaged);
    let size = u32_at(bytes, 22).ok_or(Damaged)?;
    if field(6)? & ENCRYPTION_FLAGS != 0 {
        return Err(Encrypted);
    }
    if field(8)? != STORED || u32_at(bytes, 18) != Some(size) || u64::from(size) > MARKER_MAX {
        return Err(NotAWorkbook);
    }
    let start = LOCAL_LEN + MARKER_NAME.len() + usize::from(field(28)?);
    let text = bytes.get(start..start + size as usize).ok_or(Damaged)?;
    match marker_version(text) {
        Some(1) => Ok(()),
        Some(_) => Err(NewerVersion),
        None => Err(NotAWorkbook),
    }
}

/// The version a marker names: `SMS Workbook container <n>\n`, `<n>` a
/// decimal number from 1 without leading zeros.
fn marker_version(text: &[u8]) -> Option<u32> {
    let digits = text.strip_prefix(MARKER_PREFIX)?.strip_suffix(b"\n")?;
    if digits.is_empty() || digits.len() > 9 || digits[0] == b'0' {
        return None;
    }
    digits.iter().try_fold(0u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Marker,
    Document,
    File(FileHash),
}

fn kind(name: &[u8]) -> Option<Kind> {
    if name == MARKER_NAME.as_bytes() {
        return Some(Kind::Marker);
    }
    if name == DOCUMENT_NAME.as_bytes() {
        return Some(Kind::Document);
    }
    let digits = name.strip_prefix(FILES_PREFIX.as_bytes())?;
    FileHash::parse(std::str::from_utf8(digits).ok()?).map(Kind::File)
}

/// An entry's name as it may be shown: at most 80 characters, control
/// characters replaced.
fn shown(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    let mut out: String = name
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if name.chars().nth(80).is_some() {
        out.push('…');
    }
    out
}

/// One entry as the central directory declares it.
#[derive(Clone)]
struct Entry {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    compressed: u64,
    size: u64,
    /// Where its local header starts.
    offset: u64,
}

struct Directory {
    entries: Vec<Entry>,
    /// Where the central directory starts (where the last entry must end).
    start: u64,
}

/// Reads the central directory strictly: the end record last in the file
/// with no comment, one disk, the directory right before it (or before the
/// ZIP64 end record and locator), its entries exactly filling it.
fn central_directory(bytes: &[u8]) -> Result<Directory, ContainerError> {
    use ContainerError::*;
    let end_at = bytes.len().checked_sub(END_LEN).ok_or(Damaged)?;
    let end = &bytes[end_at..];
    let e16 = |at| u16_at(end, at).ok_or(Damaged);
    let e32 = |at| u32_at(end, at).ok_or(Damaged);
    if e32(0)? != END_SIG || e16(4)? != 0 || e16(6)? != 0 || e16(20)? != 0 || e16(8)? != e16(10)? {
        return Err(Damaged);
    }
    let (count, size, offset) = (e16(10)?, e32(12)?, e32(16)?);
    let (count, size, start, dir_end) =
        if count == u16::MAX || size == u32::MAX || offset == u32::MAX {
            let loc_at = end_at.checked_sub(LOCATOR64_LEN).ok_or(Damaged)?;
            let loc = &bytes[loc_at..end_at];
            let rec_at = loc_at.checked_sub(END64_LEN).ok_or(Damaged)?;
            let rec = &bytes[rec_at..loc_at];
            let r32 = |at| u32_at(rec, at).ok_or(Damaged);
            let r64 = |at| u64_at(rec, at).ok_or(Damaged);
            if u32_at(loc, 0) != Some(LOCATOR64_SIG)
                || u32_at(loc, 4) != Some(0)
                || u64_at(loc, 8) != Some(rec_at as u64)
                || u32_at(loc, 16) != Some(1)
                || r32(0)? != END64_SIG
                || r64(4)? != (END64_LEN - 12) as u64
                || r32(16)? != 0
                || r32(20)? != 0
                || r64(24)? != r64(32)?
            {
                return Err(Damaged);
            }
            let (count64, size64, start64) = (r64(32)?, r64(40)?, r64(48)?);
            // The classic fields hold the same values, or say "see ZIP64".
            if (count != u16::MAX && u64::from(count) != count64)
                || (size != u32::MAX && u64::from(size) != size64)
                || (offset != u32::MAX && u64::from(offset) != start64)
            {
                return Err(Damaged);
            }
            (count64, size64, start64, rec_at)
        } else {
            (u64::from(count), u64::from(size), u64::from(offset), end_at)
        };
    if count > MAX_ENTRIES as u64 {
        return Err(TooManyEntries);
    }
    if start.checked_add(size) != Some(dir_end as u64)
        || count.saturating_mul(CENTRAL_LEN as u64) > size
    {
        return Err(Damaged);
    }
    let dir = &bytes[start as usize..dir_end];

    let mut entries = Vec::with_capacity(count as usize);
    let mut at = 0usize;
    for _ in 0..count {
        let h = dir
            .get(at..at.checked_add(CENTRAL_LEN).ok_or(Damaged)?)
            .ok_or(Damaged)?;
        let f16 = |at| u16_at(h, at).ok_or(Damaged);
        let f32 = |at| u32_at(h, at).ok_or(Damaged);
        // Sizes and offset of u32::MAX would be in a ZIP64 extra field,
        // which a container never needs.
        let (compressed, size, offset) = (f32(20)?, f32(24)?, f32(42)?);
        if f32(0)? != CENTRAL_SIG || f16(34)? != 0 || [compressed, size, offset].contains(&u32::MAX)
        {
            return Err(Damaged);
        }
        let name_len = usize::from(f16(28)?);
        let name_at = at + CENTRAL_LEN;
        let name_end = name_at.checked_add(name_len).ok_or(Damaged)?;
        let name = dir.get(name_at..name_end).ok_or(Damaged)?;
        at = name_end
            .checked_add(usize::from(f16(30)?) + usize::from(f16(32)?))
            .ok_or(Damaged)?;
        entries.push(Entry {
            name: name.to_vec(),
            flags: f16(8)?,
            method: f16(10)?,
            compressed: u64::from(compressed),
            size: u64::from(size),
            offset: u64::from(offset),
        });
    }
    if at != dir.len() {
        return Err(Damaged);
    }
    Ok(Directory { entries, start })
}

#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Damaged,
    TooLarge,
}

/// Reads entry `i` of `bytes`, which the zip crate must see as `entry`
/// does (and its local header name it the same), whose data must end by
/// `end` (entries never overlap), and whose content may be at most `limit`
/// bytes, whatever its header says.
fn read_entry(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    bytes: &[u8],
    i: usize,
    entry: &Entry,
    end: u64,
    limit: u64,
) -> Result<Vec<u8>, Failure> {
    if entry.size > limit {
        return Err(Failure::TooLarge);
    }
    let local = usize::try_from(entry.offset).map_err(|_| Failure::Damaged)?;
    let local_name = local
        .checked_add(LOCAL_LEN)
        .and_then(|at| bytes.get(at..at.checked_add(entry.name.len())?));
    if u16_at(bytes, local.saturating_add(26)) != Some(entry.name.len() as u16)
        || local_name != Some(entry.name.as_slice())
    {
        return Err(Failure::Damaged);
    }
    let mut file = zip.by_index(i).map_err(|_| Failure::Damaged)?;
    let data_end = file
        .data_start()
        .and_then(|start| start.checked_add(entry.compressed));
    if file.name_raw() != entry.name.as_slice()
        || file.header_start() != entry.offset
        || file.compressed_size() != entry.compressed
        || file.size() != entry.size
        || method_number(file.compression()) != Some(entry.method)
        || file.encrypted()
        || data_end.is_none_or(|data_end| data_end > end)
    {
        return Err(Failure::Damaged);
    }
    // Never more room up front than the input could fill.
    let mut out = Vec::with_capacity(entry.size.min(bytes.len() as u64) as usize);
    Read::by_ref(&mut file)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|_| Failure::Damaged)?;
    if out.len() as u64 > limit {
        return Err(Failure::TooLarge);
    }
    if out.len() as u64 != entry.size {
        return Err(Failure::Damaged);
    }
    Ok(out)
}

fn method_number(method: CompressionMethod) -> Option<u16> {
    match method {
        CompressionMethod::Stored => Some(STORED),
        CompressionMethod::Deflated => Some(DEFLATED),
        _ => None,
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deflated entry of a mebibyte of zeros whose header says 10 bytes.
    fn bomb() -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("bomb", options(CompressionMethod::Deflated))
            .unwrap();
        zip.write_all(&vec![0u8; 1 << 20]).unwrap();
        let mut bytes = zip.finish().unwrap().into_inner();
        let start = central_directory(&bytes).unwrap().start as usize;
        bytes[start + 24..start + 28].copy_from_slice(&10u32.to_le_bytes());
        bytes
    }

    #[test]
    fn reading_stops_at_the_limit_whatever_the_header_says() {
        let bytes = bomb();
        let dir = central_directory(&bytes).unwrap();
        assert_eq!(dir.entries[0].size, 10);
        let mut zip = ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        let read = |zip: &mut ZipArchive<_>, limit| {
            read_entry(zip, &bytes, 0, &dir.entries[0], dir.start, limit)
        };
        // Past the limit, though the header promised less: too large.
        assert_eq!(read(&mut zip, 100), Err(Failure::TooLarge));
        // Within the limit but not what the header said: damaged.
        assert_eq!(read(&mut zip, 2 << 20), Err(Failure::Damaged));
        // A declared size past the limit is refused before reading.
        let mut lying = dir.entries[0].clone();
        lying.size = 101;
        assert_eq!(
            read_entry(&mut zip, &bytes, 0, &lying, dir.start, 100),
            Err(Failure::TooLarge)
        );
    }

    #[test]
    fn marker_versions() {
        assert_eq!(marker_version(MARKER), Some(1));
        assert_eq!(marker_version(b"SMS Workbook container 2\n"), Some(2));
        assert_eq!(
            marker_version(b"SMS Workbook container 999999999\n"),
            Some(999_999_999)
        );
        for bad in [
            b"SMS Workbook container 1000000000\n".as_slice(),
            b"SMS Workbook container 01\n",
            b"SMS Workbook container \n",
            b"SMS Workbook container 1",
            b"SMS Workbook container 1 \n",
            b"SMS Workbook container -1\n",
        ] {
            assert_eq!(marker_version(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn names_are_shown_short_and_printable() {
        assert_eq!(shown(b"files/../x"), "files/../x");
        assert_eq!(shown(b"a\nb\x00"), "a\u{fffd}b\u{fffd}");
        assert_eq!(shown(&[0xff, b'a']), "\u{fffd}a");
        let long = "x".repeat(81);
        assert_eq!(shown(long.as_bytes()), format!("{}…", &long[..80]));
        assert_eq!(shown(&long.as_bytes()[..80]), &long[..80]);
    }
}
