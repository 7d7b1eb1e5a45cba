//! Attached files through the live-sharing relay (docs/RELAY.md, "Attached
//! files"): one short conversation of its own with the room's relay, which
//! sends the files this browser has and the room lacks, and fetches the
//! files the room has and this browser lacks. Parts are sealed and opened
//! here with the room key; a fetched file is stored only once its bytes
//! hash to the SHA-256 the workbook gives.
//!
//! Message in (`op` `"relay"`): `db`, `url` (the relay's WebSocket
//! address), `room` (hex), `key` (the room key, base64url), `since` (the
//! last entry this browser holds) and `hashes` (every file the workbook
//! refers to, 32 bytes each). Answer: `fetched` and `sent` (how many) and
//! `missing` (files neither here nor in the room).
//!
//! The files known to be both here and in the room are kept in the app's
//! `meta` store (`relay-files/<room>`, their hashes): a call about those
//! alone answers at once, without connecting.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Promise, Uint8Array};
use sms_core::attachments::FileHash;
use sms_core::crypto::{b64, file_parts, RoomId, RoomKey, FILE_PART_BYTES};
use sms_core::wire::{ClientOut, ErrorCode, FileIn, FileOut, ServerIn, MAX_FILES_ASKED};
use wasm_bindgen::{prelude::*, JsCast};
use wasm_bindgen_futures::JsFuture;

use crate::db;
use crate::worker::{field, hashes_of, text_of, Fields};

/// How long the relay may take to answer one frame.
const WAIT_MS: i32 = 30_000;
/// Bytes of frames sent per second at most, well under the relay's
/// default per-connection rate (4 MiB/s), which closes a faster sender.
const PACE_BYTES_PER_SECOND: f64 = 2.0 * 1024.0 * 1024.0;

fn scope() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// One WebSocket, read frame by frame.
struct Conn {
    ws: web_sys::WebSocket,
    /// Frames received and not read yet; `None` once it closed.
    inbox: Rc<RefCell<VecDeque<Option<String>>>>,
    wake: Rc<RefCell<Option<js_sys::Function>>>,
    _handlers: [Closure<dyn FnMut(JsValue)>; 3],
}

impl Conn {
    async fn open(url: &str) -> Result<Conn, String> {
        let ws = web_sys::WebSocket::new(url)
            .map_err(|e| format!("the relay could not be reached ({})", db::js_words(&e)))?;
        let inbox: Rc<RefCell<VecDeque<Option<String>>>> = Rc::default();
        let wake: Rc<RefCell<Option<js_sys::Function>>> = Rc::default();
        let push = |inbox: &Rc<RefCell<VecDeque<Option<String>>>>,
                    wake: &Rc<RefCell<Option<js_sys::Function>>>,
                    item: Option<String>| {
            inbox.borrow_mut().push_back(item);
            if let Some(f) = wake.borrow_mut().take() {
                let _ = f.call0(&JsValue::NULL);
            }
        };
        let (i1, w1) = (inbox.clone(), wake.clone());
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let text = ev
                .dyn_into::<web_sys::MessageEvent>()
                .ok()
                .and_then(|m| m.data().as_string());
            if let Some(text) = text {
                push(&i1, &w1, Some(text));
            }
        });
        let (i2, w2) = (inbox.clone(), wake.clone());
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| push(&i2, &w2, None));
        let (i3, w3) = (inbox.clone(), wake.clone());
        // Opened: an empty frame marks it (no frame of the protocol is empty).
        let on_open =
            Closure::<dyn FnMut(JsValue)>::new(move |_| push(&i3, &w3, Some(String::new())));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let conn = Conn {
            ws,
            inbox,
            wake,
            _handlers: [on_message, on_close, on_open],
        };
        match conn.recv().await {
            Some(text) if text.is_empty() => Ok(conn),
            _ => Err("the relay could not be reached".into()),
        }
    }

    /// The next frame, or `None` once closed or silent for too long.
    async fn recv(&self) -> Option<String> {
        loop {
            if let Some(item) = self.inbox.borrow_mut().pop_front() {
                return item;
            }
            let wake = self.wake.clone();
            let promise = Promise::new(&mut |resolve, _| {
                let _ = scope()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, WAIT_MS);
                *wake.borrow_mut() = Some(resolve);
            });
            let _ = JsFuture::from(promise).await;
            if self.inbox.borrow().is_empty() {
                return None;
            }
        }
    }

    /// The next answer about files (skipping the log's entries and pongs).
    async fn answer(&self) -> Result<FileIn, String> {
        loop {
            let text = self.recv().await.ok_or("the relay stopped answering")?;
            match FileIn::parse(&text) {
                Ok(FileIn::Other(ServerIn::Error { code, message })) => {
                    return Err(refused(code, &message))
                }
                Ok(FileIn::Other(_)) => continue,
                Ok(answer) => return Ok(answer),
                Err(_) => return Err("the relay sent something it should not".into()),
            }
        }
    }

    fn send(&self, text: &str) -> Result<(), String> {
        self.ws
            .send_with_str(text)
            .map_err(|_| "the connection to the relay broke".to_owned())
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        self.ws.set_onopen(None);
        let _ = self.ws.close();
    }
}

fn refused(code: ErrorCode, message: &str) -> String {
    match code {
        ErrorCode::RoomFull => "the relay has no more space for this shared workbook".into(),
        _ => format!("the relay refused: {message}"),
    }
}

fn hex(id: &[u8; 32]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends and fetches what is needed; see the module's words.
pub async fn exchange(data: &JsValue) -> Result<Fields, String> {
    let hashes = {
        let mut h = hashes_of(data)?;
        h.sort_unstable();
        h.dedup();
        h
    };
    let room = RoomId::parse(&text_of(data, "room")).ok_or("no shared workbook was named")?;
    let key = RoomKey::parse(&text_of(data, "key")).ok_or("no room key was given")?;
    let since = field(data, "since").as_f64().unwrap_or(0.0) as u64;
    let db = db::open(&text_of(data, "db")).await?;
    let known_key = format!("relay-files/{}", room.to_hex());
    let known = db::meta(&db, &known_key)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let hashes: Vec<FileHash> = hashes
        .into_iter()
        .filter(|h| !known.chunks_exact(32).any(|k| k == h.0))
        .collect();
    if hashes.is_empty() {
        return Ok(vec![
            ("fetched", 0.into()),
            ("sent", 0.into()),
            ("missing", 0.into()),
        ]);
    }
    let here = db::here(&db, &hashes).await?;
    let ids: Vec<[u8; 32]> = hashes.iter().map(|h| key.file_id(&h.0)).collect();

    let conn = Conn::open(&text_of(data, "url")).await?;
    conn.send(
        &ClientOut::Hello {
            room: &room.to_hex(),
            token: &b64::encode(&key.token()),
            since,
            create: false,
            owner: None,
        }
        .to_json(),
    )?;
    // The log's entries after `since` come first; this conversation does
    // not need them.
    loop {
        let text = conn.recv().await.ok_or("the relay stopped answering")?;
        match ServerIn::parse(&text) {
            Ok(ServerIn::CaughtUp { .. }) => break,
            Ok(ServerIn::Error { code, message }) => return Err(refused(code, &message)),
            _ => continue,
        }
    }

    // What the room holds whole.
    let mut in_room = vec![false; ids.len()];
    let mut next_id = 1u64;
    for (chunk_at, chunk) in ids.chunks(MAX_FILES_ASKED).enumerate() {
        let asked: Vec<String> = chunk.iter().map(hex).collect();
        conn.send(
            &FileOut::Files {
                id: next_id,
                files: &asked,
            }
            .to_json(),
        )?;
        next_id += 1;
        let FileIn::Files { have, .. } = conn.answer().await? else {
            return Err("the relay answered something else".into());
        };
        for (i, id) in asked.iter().enumerate() {
            if have.contains(id) {
                in_room[chunk_at * MAX_FILES_ASKED + i] = true;
            }
        }
    }

    let (mut fetched, mut sent, mut missing) = (0u32, 0u32, 0u32);
    let mut done: Vec<u8> = known;
    // Fetched: opened, checked against the hash, stored.
    for i in 0..ids.len() {
        if here[i] || !in_room[i] {
            missing += u32::from(!here[i] && !in_room[i]);
            continue;
        }
        match fetch(&conn, &room, &key, &ids[i], next_id).await? {
            Some(bytes) if FileHash::of(&bytes) == hashes[i] => {
                let file = Uint8Array::from(bytes.as_slice());
                drop(bytes);
                db::put_files(&db, &[(hashes[i], file)])
                    .await
                    .map_err(|e| format!("a file from the relay was not stored: {e}"))?;
                fetched += 1;
                done.extend(hashes[i].0);
            }
            // Not there whole any more, or not the file the workbook
            // names (a member sent other bytes): left for another time.
            _ => missing += 1,
        }
        next_id += 1;
    }
    // Sent: read from this browser, sealed part by part, paced.
    let started = now_ms();
    let mut bytes_sent = 0f64;
    for i in 0..ids.len() {
        if !here[i] {
            continue;
        }
        if in_room[i] {
            done.extend(hashes[i].0);
            continue;
        }
        let Some(bytes) = db::read_files(&db, &[hashes[i]])
            .await
            .map_err(|e| db::js_words(&e))?
            .pop()
            .flatten()
        else {
            continue;
        };
        if FileHash::of(&bytes) != hashes[i] {
            continue; // damaged here: not sent
        }
        let parts = file_parts(bytes.len());
        for part in 0..parts {
            let at = part as usize * FILE_PART_BYTES;
            let plain = &bytes[at..(at + FILE_PART_BYTES).min(bytes.len())];
            let mut nonce = [0u8; 12];
            scope()
                .crypto()
                .and_then(|c| c.get_random_values_with_u8_array(&mut nonce))
                .map_err(|_| "this browser gave no random numbers")?;
            let blob = b64::encode(&key.seal_part(&room, &ids[i], (part, parts), nonce, plain));
            let frame = FileOut::FilePut {
                id: next_id,
                file: &hex(&ids[i]),
                part,
                parts,
                blob: &blob,
            }
            .to_json();
            // Paced: never faster than the relay accepts.
            bytes_sent += frame.len() as f64;
            let due = started + bytes_sent / PACE_BYTES_PER_SECOND * 1000.0;
            let wait = due - now_ms();
            if wait > 0.0 {
                sleep(wait as i32).await;
            }
            conn.send(&frame)?;
            match conn.answer().await? {
                FileIn::Stored { id } if id == next_id => {}
                _ => return Err("the relay answered something else".into()),
            }
            next_id += 1;
        }
        sent += 1;
        done.extend(hashes[i].0);
    }
    let _ = db::set_meta(&db, &known_key, &done).await;
    db.close();
    Ok(vec![
        ("fetched", fetched.into()),
        ("sent", sent.into()),
        ("missing", missing.into()),
    ])
}

/// A file's bytes from the room, opened part by part, or `None` when the
/// room does not hold it whole (or its parts do not open in place).
async fn fetch(
    conn: &Conn,
    room: &RoomId,
    key: &RoomKey,
    id: &[u8; 32],
    ask: u64,
) -> Result<Option<Vec<u8>>, String> {
    conn.send(
        &FileOut::FileGet {
            id: ask,
            file: &hex(id),
        }
        .to_json(),
    )?;
    let mut bytes = Vec::new();
    let mut expected = 0u32;
    loop {
        match conn.answer().await? {
            FileIn::NoFile { id } if id == ask => return Ok(None),
            FileIn::FilePart {
                id: got,
                part,
                parts,
                blob,
            } if got == ask && part == expected => {
                let Some(plain) = b64::decode(&blob)
                    .and_then(|sealed| key.open_part(room, id, (part, parts), &sealed).ok())
                else {
                    // Drain the rest of this answer, then give up on it.
                    for _ in part + 1..parts {
                        conn.answer().await?;
                    }
                    return Ok(None);
                };
                bytes.extend_from_slice(&plain);
                if bytes.len() as u64 > sms_core::container::MAX_FILE_BYTES {
                    return Err("the relay sent a file larger than any attached file".into());
                }
                expected += 1;
                if expected == parts {
                    return Ok(Some(bytes));
                }
            }
            _ => return Err("the relay answered something else".into()),
        }
    }
}
