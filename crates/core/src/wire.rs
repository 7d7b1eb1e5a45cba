//! The live-sync relay's wire format: the single definition of the frames
//! in docs/RELAY.md (JSON text frames, blobs in base64url). The relay, the
//! app and the relay's tests all read and write frames through this module.
//!
//! - Client → relay: [`ClientOut`] is what a client sends; [`parse`] is the
//!   relay's strict reader of it ([`ClientFrame`], or a [`Refusal`] with the
//!   [`ErrorCode`] to answer with).
//! - Relay → client: [`ServerFrame`] is what the relay sends;
//!   [`ServerIn::parse`] is a client's reader of it.
//!
//! Client frames are read through one flat struct of optional, borrowed
//! fields rather than a tagged enum, so that a frame of a known type with a
//! missing field can be told apart from a malformed one (`bad_hello` versus
//! `bad_frame`) and a 2 MiB blob is not copied before it is decoded.

use serde::{Deserialize, Serialize};

use crate::crypto::{b64, RoomId};

/// Why the relay closes a connection (the `code` of an `error` frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadFrame,
    BadHello,
    NoRoom,
    Forbidden,
    TooBig,
    RoomFull,
    TooFast,
    BadSnapshot,
    /// A code this version does not know (from a newer relay). The relay
    /// never sends it; a client reads any unknown code as this.
    #[serde(other)]
    Other,
}

// ---- client → relay -------------------------------------------------------

/// A frame a client sends. Strings are borrowed: a blob is base64url text
/// the caller already holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientOut<'a> {
    /// `room`: 32 lower-case hex digits; `token`: 32 bytes in base64url;
    /// `owner`: the room owner's secret (32 bytes in base64url), sent only
    /// by the browser that created the room — never in a share link.
    Hello {
        room: &'a str,
        token: &'a str,
        since: u64,
        create: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        owner: Option<&'a str>,
    },
    Push {
        id: u64,
        blob: &'a str,
    },
    Snapshot {
        id: u64,
        upto: u64,
        blob: &'a str,
    },
    /// Deletes the room and everything in it (the owner only).
    Delete {
        id: u64,
    },
    Ping,
}

impl ClientOut<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client frames always serialise")
    }
}

/// Attached files' frames a client sends (docs/RELAY.md, "Attached
/// files"); apart from [`ClientOut`], so a client that never sends them
/// does not carry them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FileOut<'a> {
    /// Which of these files (ids in 64 lower-case hex digits, at most
    /// [`MAX_FILES_ASKED`]) the room holds whole.
    Files { id: u64, files: &'a [String] },
    /// One sealed part of a file (`part` from 0, of `parts`).
    FilePut {
        id: u64,
        file: &'a str,
        part: u32,
        parts: u32,
        blob: &'a str,
    },
    /// Every part of a file, if the room holds it whole.
    FileGet { id: u64, file: &'a str },
}

impl FileOut<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client frames always serialise")
    }
}

/// Most file ids one `files` frame may ask about.
pub const MAX_FILES_ASKED: usize = 1000;

/// A frame from a client, checked.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame<'a> {
    Hello(Hello),
    Push {
        id: u64,
        /// The blob as sent (canonical base64url), reused for fan-out.
        text: &'a str,
        blob: Vec<u8>,
    },
    Snapshot {
        id: u64,
        upto: u64,
        blob: Vec<u8>,
    },
    Delete {
        id: u64,
    },
    Files {
        id: u64,
        files: Vec<[u8; 32]>,
    },
    FilePut {
        id: u64,
        file: [u8; 32],
        part: u32,
        parts: u32,
        blob: Vec<u8>,
    },
    FileGet {
        id: u64,
        file: [u8; 32],
    },
    Ping,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Hello {
    pub room: RoomId,
    pub token: [u8; 32],
    pub since: u64,
    pub create: bool,
    /// The owner's secret, from the browser that created the room.
    pub owner: Option<[u8; 32]>,
}

/// A frame the relay refuses, with the code to answer it with.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: &'static str,
}

fn refuse(code: ErrorCode, message: &'static str) -> Refusal {
    Refusal { code, message }
}

#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    room: Option<&'a str>,
    token: Option<&'a str>,
    since: Option<u64>,
    create: Option<bool>,
    owner: Option<&'a str>,
    id: Option<u64>,
    upto: Option<u64>,
    blob: Option<&'a str>,
    file: Option<&'a str>,
    part: Option<u32>,
    parts: Option<u32>,
    #[serde(borrow)]
    files: Option<Vec<&'a str>>,
}

/// A file id: 64 lower-case hex digits.
fn file_id(s: &str) -> Result<[u8; 32], Refusal> {
    let bad = || refuse(ErrorCode::BadFrame, "a file id is 64 lower-case hex digits");
    if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad());
    }
    crate::crypto::unhex(s)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)
}

/// Parses one text frame from a client. A field of the wrong type, a
/// string with JSON escapes (never needed for hex or base64url) or an
/// unknown `type` is a `bad_frame`; a `hello` with a missing or invalid
/// field is a `bad_hello`.
pub fn parse(text: &str) -> Result<ClientFrame<'_>, Refusal> {
    let raw: RawFrame = serde_json::from_str(text).map_err(|_| {
        #[derive(Deserialize)]
        struct Kind<'a> {
            #[serde(rename = "type", borrow)]
            kind: &'a str,
        }
        match serde_json::from_str::<Kind>(text) {
            Ok(Kind { kind: "hello" }) => {
                refuse(ErrorCode::BadHello, "hello has a field of the wrong type")
            }
            _ => refuse(ErrorCode::BadFrame, "not a relay frame"),
        }
    })?;
    match raw.kind {
        "hello" => parse_hello(&raw).map(ClientFrame::Hello),
        "push" => {
            let (Some(id), Some(text)) = (raw.id, raw.blob) else {
                return Err(refuse(ErrorCode::BadFrame, "push needs id and blob"));
            };
            Ok(ClientFrame::Push {
                id,
                text,
                blob: blob(text)?,
            })
        }
        "snapshot" => {
            let (Some(id), Some(upto), Some(text)) = (raw.id, raw.upto, raw.blob) else {
                return Err(refuse(
                    ErrorCode::BadFrame,
                    "snapshot needs id, upto and blob",
                ));
            };
            Ok(ClientFrame::Snapshot {
                id,
                upto,
                blob: blob(text)?,
            })
        }
        "delete" => {
            let Some(id) = raw.id else {
                return Err(refuse(ErrorCode::BadFrame, "delete needs id"));
            };
            Ok(ClientFrame::Delete { id })
        }
        "files" => {
            let (Some(id), Some(files)) = (raw.id, raw.files.as_ref()) else {
                return Err(refuse(ErrorCode::BadFrame, "files needs id and files"));
            };
            if files.len() > MAX_FILES_ASKED {
                return Err(refuse(ErrorCode::TooBig, "too many files in one question"));
            }
            Ok(ClientFrame::Files {
                id,
                files: files.iter().map(|f| file_id(f)).collect::<Result<_, _>>()?,
            })
        }
        "file_put" => {
            let (Some(id), Some(file), Some(part), Some(parts), Some(text)) =
                (raw.id, raw.file, raw.part, raw.parts, raw.blob)
            else {
                return Err(refuse(
                    ErrorCode::BadFrame,
                    "file_put needs id, file, part, parts and blob",
                ));
            };
            if parts == 0 || parts > crate::crypto::MAX_FILE_PARTS || part >= parts {
                return Err(refuse(
                    ErrorCode::BadFrame,
                    "a file has 1 to 64 parts, numbered from 0",
                ));
            }
            Ok(ClientFrame::FilePut {
                id,
                file: file_id(file)?,
                part,
                parts,
                blob: blob(text)?,
            })
        }
        "file_get" => {
            let (Some(id), Some(file)) = (raw.id, raw.file) else {
                return Err(refuse(ErrorCode::BadFrame, "file_get needs id and file"));
            };
            Ok(ClientFrame::FileGet {
                id,
                file: file_id(file)?,
            })
        }
        "ping" => Ok(ClientFrame::Ping),
        _ => Err(refuse(ErrorCode::BadFrame, "unknown frame type")),
    }
}

fn parse_hello(raw: &RawFrame) -> Result<Hello, Refusal> {
    let bad = |message| refuse(ErrorCode::BadHello, message);
    let (Some(room), Some(token), Some(since), Some(create)) =
        (raw.room, raw.token, raw.since, raw.create)
    else {
        return Err(bad("hello needs room, token, since and create"));
    };
    // One spelling per room: 32 lower-case hex digits.
    if room.len() != 32 || room.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad("room must be 32 lower-case hex digits"));
    }
    let room = RoomId::parse(room).ok_or_else(|| bad("room must be 32 lower-case hex digits"))?;
    let token = b64::decode(token)
        .and_then(|t| <[u8; 32]>::try_from(t).ok())
        .ok_or_else(|| bad("token must be 32 bytes of base64url"))?;
    let owner = match raw.owner {
        None => None,
        Some(owner) => Some(
            b64::decode(owner)
                .and_then(|t| <[u8; 32]>::try_from(t).ok())
                .ok_or_else(|| bad("owner must be 32 bytes of base64url"))?,
        ),
    };
    Ok(Hello {
        room,
        token,
        since,
        create,
        owner,
    })
}

fn blob(text: &str) -> Result<Vec<u8>, Refusal> {
    match b64::decode(text) {
        Some(bytes) if !bytes.is_empty() => Ok(bytes),
        Some(_) => Err(refuse(ErrorCode::BadFrame, "empty blob")),
        None => Err(refuse(ErrorCode::BadFrame, "blob is not base64url")),
    }
}

// ---- relay → client -------------------------------------------------------

/// Frames the relay sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Welcome {
        head: u64,
        snapshot: u64,
    },
    Snapshot {
        upto: u64,
        blob: &'a str,
    },
    Blob {
        seq: u64,
        blob: &'a str,
    },
    CaughtUp {
        head: u64,
    },
    Ack {
        id: u64,
        seq: u64,
    },
    Error {
        code: ErrorCode,
        message: &'a str,
    },
    Pong,
    /// The files of a `files` question the room holds whole.
    Files {
        id: u64,
        have: &'a [String],
    },
    /// One part of a file asked for with `file_get`.
    FilePart {
        id: u64,
        part: u32,
        parts: u32,
        blob: &'a str,
    },
    /// The room does not hold that file whole.
    NoFile {
        id: u64,
    },
}

impl ServerFrame<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("relay frames always serialise")
    }
}

/// A frame from the relay, as a client reads it (the owned counterpart of
/// [`ServerFrame`]). Fields it does not know are ignored; an unknown error
/// code is [`ErrorCode::Other`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerIn {
    Welcome { head: u64, snapshot: u64 },
    Snapshot { upto: u64, blob: String },
    Blob { seq: u64, blob: String },
    CaughtUp { head: u64 },
    Ack { id: u64, seq: u64 },
    Error { code: ErrorCode, message: String },
    Pong,
}

/// Every field a relay frame may have, read flat (a tagged enum derived by
/// serde costs several times the code in the app's start-up module).
#[derive(Deserialize)]
struct RawServer {
    #[serde(rename = "type")]
    kind: String,
    head: Option<u64>,
    snapshot: Option<u64>,
    upto: Option<u64>,
    seq: Option<u64>,
    id: Option<u64>,
    blob: Option<String>,
    code: Option<ErrorCode>,
    message: Option<String>,
}

impl ServerIn {
    /// Parses one text frame from the relay: an error for anything that is
    /// not one of its frames (an unknown `type`, a missing field).
    pub fn parse(text: &str) -> Result<ServerIn, serde_json::Error> {
        use serde::de::Error;
        let raw: RawServer = serde_json::from_str(text)?;
        let need = |v: Option<u64>, name: &'static str| {
            v.ok_or_else(|| serde_json::Error::missing_field(name))
        };
        Ok(match raw.kind.as_str() {
            "welcome" => ServerIn::Welcome {
                head: need(raw.head, "head")?,
                snapshot: need(raw.snapshot, "snapshot")?,
            },
            "snapshot" => ServerIn::Snapshot {
                upto: need(raw.upto, "upto")?,
                blob: raw
                    .blob
                    .ok_or_else(|| serde_json::Error::missing_field("blob"))?,
            },
            "blob" => ServerIn::Blob {
                seq: need(raw.seq, "seq")?,
                blob: raw
                    .blob
                    .ok_or_else(|| serde_json::Error::missing_field("blob"))?,
            },
            "caught_up" => ServerIn::CaughtUp {
                head: need(raw.head, "head")?,
            },
            "ack" => ServerIn::Ack {
                id: need(raw.id, "id")?,
                seq: need(raw.seq, "seq")?,
            },
            "error" => ServerIn::Error {
                code: raw
                    .code
                    .ok_or_else(|| serde_json::Error::missing_field("code"))?,
                message: raw
                    .message
                    .ok_or_else(|| serde_json::Error::missing_field("message"))?,
            },
            "pong" => ServerIn::Pong,
            other => {
                return Err(serde_json::Error::custom(format!(
                    "unknown frame type {other:?}"
                )))
            }
        })
    }
}

/// An answer to a [`FileOut`] frame, as a client reads it; any other
/// frame is [`FileIn::Other`] (the relay's own, such as `welcome`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileIn {
    Files {
        id: u64,
        have: Vec<String>,
    },
    FilePart {
        id: u64,
        part: u32,
        parts: u32,
        blob: String,
    },
    NoFile {
        id: u64,
    },
    /// `ack` of a `file_put`.
    Stored {
        id: u64,
    },
    Other(ServerIn),
}

#[derive(Deserialize)]
struct RawFileIn {
    #[serde(rename = "type")]
    kind: String,
    id: Option<u64>,
    have: Option<Vec<String>>,
    part: Option<u32>,
    parts: Option<u32>,
    blob: Option<String>,
}

impl FileIn {
    /// Parses one text frame from the relay on a connection that asks for
    /// files.
    pub fn parse(text: &str) -> Result<FileIn, serde_json::Error> {
        use serde::de::Error;
        let raw: RawFileIn = serde_json::from_str(text)?;
        let missing = |name| serde_json::Error::missing_field(name);
        let id = || raw.id.ok_or_else(|| missing("id"));
        Ok(match raw.kind.as_str() {
            "files" => FileIn::Files {
                id: id()?,
                have: raw.have.clone().ok_or_else(|| missing("have"))?,
            },
            "file_part" => FileIn::FilePart {
                id: id()?,
                part: raw.part.ok_or_else(|| missing("part"))?,
                parts: raw.parts.ok_or_else(|| missing("parts"))?,
                blob: raw.blob.clone().ok_or_else(|| missing("blob"))?,
            },
            "no_file" => FileIn::NoFile { id: id()? },
            "ack" => FileIn::Stored { id: id()? },
            _ => FileIn::Other(
                ServerIn::parse(text).map_err(|e| serde_json::Error::custom(e.to_string()))?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = "00112233445566778899aabbccddeeff";

    fn token() -> String {
        b64::encode(&[7; 32])
    }

    #[test]
    fn a_full_hello_parses() {
        let text = format!(
            r#"{{"type":"hello","room":"{ROOM}","token":"{}","since":4,"create":true}}"#,
            token()
        );
        assert_eq!(
            parse(&text),
            Ok(ClientFrame::Hello(Hello {
                room: RoomId::parse(ROOM).unwrap(),
                token: [7; 32],
                since: 4,
                create: true,
                owner: None,
            }))
        );
    }

    #[test]
    fn a_hello_with_a_bad_field_is_a_bad_hello() {
        let t = token();
        for text in [
            format!(r#"{{"type":"hello","room":"{ROOM}","token":"{t}","since":0}}"#),
            format!(
                r#"{{"type":"hello","room":"00112233","token":"{t}","since":0,"create":false}}"#
            ),
            format!(
                r#"{{"type":"hello","room":"{}","token":"{t}","since":0,"create":false}}"#,
                ROOM.to_uppercase()
            ),
            format!(r#"{{"type":"hello","room":"{ROOM}","token":"abc","since":0,"create":false}}"#),
            format!(
                r#"{{"type":"hello","room":"{ROOM}","token":"{t}","since":-1,"create":false}}"#
            ),
            format!(
                r#"{{"type":"hello","room":"{ROOM}","token":"{t}","since":0,"create":true,"owner":"abc"}}"#
            ),
        ] {
            assert_eq!(
                parse(&text).unwrap_err().code,
                ErrorCode::BadHello,
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_frames_are_bad_frames() {
        for text in [
            "not json",
            "[]",
            r#"{"type":"shout"}"#,
            r#"{"type":"push","id":1}"#,
            r#"{"type":"push","id":1,"blob":"a"}"#,
            r#"{"type":"push","id":1,"blob":"a+b/"}"#,
            r#"{"type":"push","id":1,"blob":""}"#,
            r#"{"type":"push","id":-1,"blob":"AAAA"}"#,
            r#"{"type":"snapshot","id":1,"blob":"AAAA"}"#,
            r#"{"type":"delete"}"#,
        ] {
            assert_eq!(parse(text).unwrap_err().code, ErrorCode::BadFrame, "{text}");
        }
    }

    #[test]
    fn file_frames_parse_strictly() {
        let id = "ab".repeat(32);
        assert_eq!(
            parse(
                &FileOut::Files {
                    id: 3,
                    files: std::slice::from_ref(&id)
                }
                .to_json()
            ),
            Ok(ClientFrame::Files {
                id: 3,
                files: vec![[0xab; 32]]
            })
        );
        assert_eq!(
            parse(
                &FileOut::FilePut {
                    id: 4,
                    file: &id,
                    part: 1,
                    parts: 2,
                    blob: "AQID"
                }
                .to_json()
            ),
            Ok(ClientFrame::FilePut {
                id: 4,
                file: [0xab; 32],
                part: 1,
                parts: 2,
                blob: vec![1, 2, 3]
            })
        );
        assert_eq!(
            parse(&FileOut::FileGet { id: 5, file: &id }.to_json()),
            Ok(ClientFrame::FileGet {
                id: 5,
                file: [0xab; 32]
            })
        );
        let upper = "AB".repeat(32);
        for text in [
            format!(r#"{{"type":"file_get","id":1,"file":"{upper}"}}"#),
            r#"{"type":"file_get","id":1,"file":"abcd"}"#.to_owned(),
            format!(r#"{{"type":"file_get","file":"{id}"}}"#),
            format!(
                r#"{{"type":"file_put","id":1,"file":"{id}","part":2,"parts":2,"blob":"AQID"}}"#
            ),
            format!(
                r#"{{"type":"file_put","id":1,"file":"{id}","part":0,"parts":0,"blob":"AQID"}}"#
            ),
            format!(
                r#"{{"type":"file_put","id":1,"file":"{id}","part":0,"parts":65,"blob":"AQID"}}"#
            ),
            format!(r#"{{"type":"file_put","id":1,"file":"{id}","part":0,"parts":1,"blob":""}}"#),
            format!(
                r#"{{"type":"file_put","id":1,"file":"{id}","part":-1,"parts":1,"blob":"AQID"}}"#
            ),
            r#"{"type":"files","id":1,"files":["x"]}"#.to_owned(),
            r#"{"type":"files","id":1}"#.to_owned(),
        ] {
            assert_eq!(
                parse(&text).unwrap_err().code,
                ErrorCode::BadFrame,
                "{text}"
            );
        }
        let many = vec![id.clone(); MAX_FILES_ASKED + 1];
        assert_eq!(
            parse(
                &FileOut::Files {
                    id: 1,
                    files: &many
                }
                .to_json()
            )
            .unwrap_err()
            .code,
            ErrorCode::TooBig
        );

        // The answers, as a client reads them.
        let have = [id.clone()];
        for (frame, read) in [
            (
                ServerFrame::Files { id: 1, have: &have },
                FileIn::Files {
                    id: 1,
                    have: vec![id.clone()],
                },
            ),
            (
                ServerFrame::FilePart {
                    id: 2,
                    part: 0,
                    parts: 1,
                    blob: "AQID",
                },
                FileIn::FilePart {
                    id: 2,
                    part: 0,
                    parts: 1,
                    blob: "AQID".into(),
                },
            ),
            (ServerFrame::NoFile { id: 3 }, FileIn::NoFile { id: 3 }),
            (ServerFrame::Ack { id: 4, seq: 0 }, FileIn::Stored { id: 4 }),
            (ServerFrame::Pong, FileIn::Other(ServerIn::Pong)),
        ] {
            assert_eq!(FileIn::parse(&frame.to_json()).unwrap(), read);
        }
        assert!(FileIn::parse(r#"{"type":"file_part","id":1}"#).is_err());
    }

    #[test]
    fn push_keeps_its_text_for_fan_out() {
        let parsed = parse(r#"{"type":"push","id":9,"blob":"AQID"}"#).unwrap();
        assert_eq!(
            parsed,
            ClientFrame::Push {
                id: 9,
                text: "AQID",
                blob: vec![1, 2, 3]
            }
        );
        assert_eq!(parse(r#"{"type":"ping"}"#), Ok(ClientFrame::Ping));
    }

    #[test]
    fn server_frames_match_the_protocol() {
        assert_eq!(
            ServerFrame::Welcome {
                head: 3,
                snapshot: 0
            }
            .to_json(),
            r#"{"type":"welcome","head":3,"snapshot":0}"#
        );
        assert_eq!(
            ServerFrame::CaughtUp { head: 3 }.to_json(),
            r#"{"type":"caught_up","head":3}"#
        );
        assert_eq!(
            ServerFrame::Error {
                code: ErrorCode::TooFast,
                message: "slow down"
            }
            .to_json(),
            r#"{"type":"error","code":"too_fast","message":"slow down"}"#
        );
        assert_eq!(ServerFrame::Pong.to_json(), r#"{"type":"pong"}"#);
    }

    #[test]
    fn client_frames_match_the_protocol() {
        assert_eq!(
            ClientOut::Hello {
                room: ROOM,
                token: "AAAA",
                since: 4,
                create: true,
                owner: None,
            }
            .to_json(),
            format!(r#"{{"type":"hello","room":"{ROOM}","token":"AAAA","since":4,"create":true}}"#)
        );
        assert_eq!(
            ClientOut::Hello {
                room: ROOM,
                token: "AAAA",
                since: 0,
                create: true,
                owner: Some("BBBB"),
            }
            .to_json(),
            format!(
                r#"{{"type":"hello","room":"{ROOM}","token":"AAAA","since":0,"create":true,"owner":"BBBB"}}"#
            )
        );
        assert_eq!(
            ClientOut::Delete { id: 3 }.to_json(),
            r#"{"type":"delete","id":3}"#
        );
        assert_eq!(
            ClientOut::Push {
                id: 9,
                blob: "AQID"
            }
            .to_json(),
            r#"{"type":"push","id":9,"blob":"AQID"}"#
        );
        assert_eq!(
            ClientOut::Snapshot {
                id: 2,
                upto: 5,
                blob: "AQID"
            }
            .to_json(),
            r#"{"type":"snapshot","id":2,"upto":5,"blob":"AQID"}"#
        );
        assert_eq!(ClientOut::Ping.to_json(), r#"{"type":"ping"}"#);
    }

    /// What the strict parser must make of a frame a client sends.
    fn expected<'a>(out: &ClientOut<'a>) -> ClientFrame<'a> {
        let decode = |text: &str| b64::decode(text).unwrap();
        match *out {
            ClientOut::Hello {
                room,
                token,
                since,
                create,
                owner,
            } => ClientFrame::Hello(Hello {
                room: RoomId::parse(room).unwrap(),
                token: decode(token).try_into().unwrap(),
                since,
                create,
                owner: owner.map(|o| decode(o).try_into().unwrap()),
            }),
            ClientOut::Push { id, blob } => ClientFrame::Push {
                id,
                text: blob,
                blob: decode(blob),
            },
            ClientOut::Snapshot { id, upto, blob } => ClientFrame::Snapshot {
                id,
                upto,
                blob: decode(blob),
            },
            ClientOut::Delete { id } => ClientFrame::Delete { id },
            ClientOut::Ping => ClientFrame::Ping,
        }
    }

    #[test]
    fn every_client_frame_parses_strictly_to_what_was_sent() {
        let token = token();
        let blob = b64::encode(&[0xfb, 0xff, 0x00, 0x3e, 0x3f]);
        for out in [
            ClientOut::Hello {
                room: ROOM,
                token: &token,
                since: 0,
                create: false,
                owner: None,
            },
            ClientOut::Hello {
                room: ROOM,
                token: &token,
                since: u64::MAX,
                create: true,
                owner: Some(&token),
            },
            ClientOut::Delete { id: 4 },
            ClientOut::Push { id: 0, blob: &blob },
            ClientOut::Push {
                id: u64::MAX,
                blob: &blob,
            },
            ClientOut::Snapshot {
                id: 7,
                upto: 12,
                blob: &blob,
            },
            ClientOut::Ping,
        ] {
            let text = out.to_json();
            assert_eq!(parse(&text), Ok(expected(&out)), "{text}");
        }
    }

    /// What a client must make of a frame the relay sends.
    fn received(frame: &ServerFrame) -> ServerIn {
        match *frame {
            ServerFrame::Welcome { head, snapshot } => ServerIn::Welcome { head, snapshot },
            ServerFrame::Snapshot { upto, blob } => ServerIn::Snapshot {
                upto,
                blob: blob.to_owned(),
            },
            ServerFrame::Blob { seq, blob } => ServerIn::Blob {
                seq,
                blob: blob.to_owned(),
            },
            ServerFrame::CaughtUp { head } => ServerIn::CaughtUp { head },
            ServerFrame::Ack { id, seq } => ServerIn::Ack { id, seq },
            ServerFrame::Error { code, message } => ServerIn::Error {
                code,
                message: message.to_owned(),
            },
            ServerFrame::Pong => ServerIn::Pong,
            ServerFrame::Files { .. }
            | ServerFrame::FilePart { .. }
            | ServerFrame::NoFile { .. } => {
                unreachable!("file frames are read as FileIn (file_frames_parse_strictly)")
            }
        }
    }

    #[test]
    fn every_server_frame_parses_to_what_was_sent() {
        let blob = b64::encode(&[1, 2, 3, 0xff]);
        let mut frames = vec![
            ServerFrame::Welcome {
                head: 3,
                snapshot: 2,
            },
            ServerFrame::Snapshot {
                upto: 2,
                blob: &blob,
            },
            ServerFrame::Blob {
                seq: u64::MAX,
                blob: &blob,
            },
            ServerFrame::CaughtUp { head: 3 },
            ServerFrame::Ack { id: 4, seq: 3 },
            ServerFrame::Pong,
        ];
        for code in [
            ErrorCode::BadFrame,
            ErrorCode::BadHello,
            ErrorCode::NoRoom,
            ErrorCode::Forbidden,
            ErrorCode::TooBig,
            ErrorCode::RoomFull,
            ErrorCode::TooFast,
            ErrorCode::BadSnapshot,
            ErrorCode::Other,
        ] {
            frames.push(ServerFrame::Error {
                code,
                message: "a \"quoted\" reason",
            });
        }
        for frame in &frames {
            let text = frame.to_json();
            assert_eq!(ServerIn::parse(&text).unwrap(), received(frame), "{text}");
        }
    }

    #[test]
    fn a_client_reads_what_a_newer_relay_may_add() {
        assert_eq!(
            ServerIn::parse(r#"{"type":"error","code":"too_late","message":"m"}"#).unwrap(),
            ServerIn::Error {
                code: ErrorCode::Other,
                message: "m".into()
            }
        );
        assert_eq!(
            ServerIn::parse(r#"{"type":"ack","id":1,"seq":2,"extra":true}"#).unwrap(),
            ServerIn::Ack { id: 1, seq: 2 }
        );
        for text in [
            "not json",
            "[]",
            r#"{"type":"shout"}"#,
            r#"{"type":"blob","seq":1}"#,
            r#"{"type":"ack","id":1}"#,
            r#"{"type":"ack","id":"1","seq":2}"#,
            r#"{"type":"error","message":"m"}"#,
            r#"{"seq":1,"blob":"AA"}"#,
        ] {
            assert!(ServerIn::parse(text).is_err(), "{text}");
        }
    }
}
