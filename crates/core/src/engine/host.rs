//! The engine behind a byte-message interface: what the document worker
//! runs. Each request is an operation name, its bytes (the codec's
//! encoding) and, for opening, the stored chunks; each answer is bytes in
//! the codec's encoding, or words saying why there is none. No IO: the
//! worker only moves the bytes and supplies randomness for sealing.
//!
//! Operations: `open` (actor, context, the heads shown, if any; the chunks
//! as parts), `create` (id, name, actor, context), `edit`, `query`,
//! `save` (one byte: 1 for a snapshot), `live` (a room command),
//! `entry` (a room entry: its number and blob) and `more` (the next slice
//! of a large update: a whole read model `open` or `create` began, or what
//! an edit or entry touched; their answers say how many slices are left). Three more leave the open
//! workbook alone: `blank` (like `create`, answered with the new
//! workbook's snapshot, to be stored and opened later), `into` (another
//! workbook kept in this browser: see [`encode_into`]) and `room` (a room
//! read once for joining, opened with its key: see [`encode_room`]).

use super::codec::{
    decode_edited, decode_preview, encode_edited, encode_live_entry, encode_preview, Edited,
};
use super::{Done, Edit, Engine, LiveCommand, Opened, Query, ToStore, Update};
use crate::binary::{corrupt, Malformed, Reader, Writer};
use crate::exchange::IntoCopy;
use crate::{ActorBytes, ChangeContext, ChangeHash, WorkbookId};

/// Records per slice of a whole read model: the page takes each between
/// frames.
pub const SCREEN_SLICE: usize = 500;

/// One open workbook's engine, reached by messages.
#[derive(Debug, Default)]
pub struct Host {
    engine: Option<Engine>,
    /// The rest of a whole read model being sent a slice at a time (`more`),
    /// less every record an answer sent since has given newer.
    screen: std::collections::VecDeque<Update>,
}

impl Host {
    pub fn new() -> Self {
        Host::default()
    }

    /// Answers one request; `nonce` gives a fresh random nonce per blob a
    /// live command seals.
    pub fn handle(
        &mut self,
        op: &str,
        bytes: &[u8],
        parts: &[Vec<u8>],
        nonce: impl FnMut() -> [u8; 12],
    ) -> Result<Vec<u8>, String> {
        let words = |e: Malformed| format!("the request is {e}");
        match op {
            "open" => {
                let (actor, ctx, shown) = decode_open(bytes).map_err(words)?;
                let opened = Engine::open(
                    parts.iter().map(Vec::as_slice),
                    actor,
                    &ctx,
                    shown.as_deref(),
                )
                .map_err(|e| e.to_string())?;
                Ok(self.opened(opened))
            }
            "create" => {
                let (id, name, actor, ctx) = decode_create(bytes).map_err(words)?;
                let opened = Engine::create(id, &name, actor, &ctx).map_err(|e| e.to_string())?;
                Ok(self.opened(opened))
            }
            "more" => {
                let next = self.screen.pop_front();
                let mut w = Writer(Vec::new());
                w.uint(self.screen.len() as u64);
                w.bool(next.is_some());
                let mut out = w.0;
                if let Some(u) = next {
                    out.extend_from_slice(&encode_edited(&Ok(Done::Nothing), &u));
                }
                Ok(out)
            }
            "blank" => {
                let (id, name, actor, ctx) = decode_create(bytes).map_err(words)?;
                let mut wb =
                    crate::Workbook::create(id, &name, actor, &ctx).map_err(|e| e.to_string())?;
                Ok(wb.save())
            }
            "room" => {
                let mut r = Reader::new(bytes);
                let room = crate::crypto::RoomId::parse(r.str().map_err(words)?)
                    .ok_or_else(|| "the room in the link is damaged".to_owned())?;
                let key = crate::crypto::RoomKey::parse(r.str().map_err(words)?)
                    .ok_or_else(|| "the key in the link is damaged".to_owned())?;
                done(&r).map_err(words)?;
                let read = crate::sync::read_room(room, key, parts).map_err(|e| e.to_string())?;
                let mut w = Writer(Vec::new());
                w.bool(read.is_some());
                if let Some(read) = read {
                    w.str(read.workbook.as_str());
                    w.hashes(&read.in_room);
                    w.bytes(&read.bytes);
                    w.uint(read.skipped as u64);
                }
                Ok(w.0)
            }
            "into" => {
                let (incoming, as_parts, actor, apart) = decode_into(bytes).map_err(words)?;
                let size = incoming.len() + parts.iter().map(Vec::len).sum::<usize>();
                if let Some(gb) = memory_short_for(size) {
                    return Err(format!(
                        "it is too large to open beside the open workbook (it would need about {gb:.1} GB of memory, more than a browser can give one module)"
                    ));
                }
                let keep = match apart {
                    Some((id, ctx)) => crate::exchange::KeepAs::Apart { id, ctx },
                    None => crate::exchange::KeepAs::Itself {
                        stored: (!parts.is_empty()).then_some(parts),
                    },
                };
                let copy = crate::exchange::into_copy(incoming, as_parts, keep, actor)
                    .map_err(|e| e.to_string())?;
                Ok(encode_copy(&copy))
            }
            _ => {
                let engine = self
                    .engine
                    .as_mut()
                    .ok_or_else(|| "no workbook is open".to_owned())?;
                match op {
                    "edit" => {
                        let (edit, ctx) = Edit::decode(bytes).map_err(words)?;
                        let (r, u) = engine.edit(edit, &ctx);
                        let (more, u) = sliced(&mut self.screen, u);
                        let mut w = Writer(Vec::new());
                        w.uint(more);
                        let mut out = w.0;
                        out.extend_from_slice(&encode_edited(&r, &u));
                        Ok(out)
                    }
                    "query" => Ok(engine.query(Query::decode(bytes).map_err(words)?).encode()),
                    "save" => {
                        let snapshot = bytes.first() == Some(&1);
                        Ok(ToStore::encode(&engine.take_save(snapshot)))
                    }
                    "live" => {
                        let cmd = LiveCommand::decode(bytes).map_err(words)?;
                        Ok(engine.live(cmd, nonce).encode())
                    }
                    "entry" => {
                        let mut r = Reader::new(bytes);
                        let seq = r.uint().map_err(words)?;
                        let blob = r.bytes().map_err(words)?;
                        let (outcome, u, state) = engine.live_entry(seq, blob);
                        let (more, u) = sliced(&mut self.screen, u);
                        let mut w = Writer(Vec::new());
                        w.uint(more);
                        let mut out = w.0;
                        out.extend_from_slice(&encode_live_entry(&(outcome, u, state)));
                        Ok(out)
                    }
                    other => Err(format!("unknown request “{other}”")),
                }
            }
        }
    }

    /// Keeps an opened engine; the answer says whether the document was
    /// upgraded and, when the screen must read everything, the update.
    fn opened(&mut self, opened: Opened) -> Vec<u8> {
        let Opened {
            engine,
            update,
            upgraded,
        } = opened;
        let id = engine.id().clone();
        self.engine = Some(engine);
        // A large read model goes a slice at a time: the first now, the
        // rest when asked for (`more`).
        let mut slices: std::collections::VecDeque<Update> = update
            .map(|u| u.split(SCREEN_SLICE))
            .unwrap_or_default()
            .into();
        let update = slices.pop_front();
        self.screen = slices;
        let mut w = Writer(Vec::new());
        w.str(id.as_str());
        w.bool(upgraded);
        w.uint(self.screen.len() as u64);
        w.bool(update.is_some());
        let mut out = w.0;
        if let Some(u) = update {
            out.extend_from_slice(&encode_edited(&Ok(Done::Nothing), &u));
        }
        out
    }
}

/// A request to open stored chunks.
pub fn encode_open(
    actor: ActorBytes,
    ctx: &ChangeContext,
    shown: Option<&[ChangeHash]>,
) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.bytes(&actor.0);
    w.context(ctx);
    w.bool(shown.is_some());
    w.hashes(shown.unwrap_or_default());
    w.0
}

type OpenRequest = (ActorBytes, ChangeContext, Option<Vec<ChangeHash>>);

fn decode_open(bytes: &[u8]) -> Result<OpenRequest, Malformed> {
    let mut r = Reader::new(bytes);
    let actor = actor(&mut r)?;
    let ctx = r.context()?;
    let some = r.bool()?;
    let heads = r.hashes()?;
    done(&r)?;
    Ok((actor, ctx, some.then_some(heads)))
}

/// A request to create an empty workbook.
pub fn encode_create(
    id: &WorkbookId,
    name: &str,
    actor: ActorBytes,
    ctx: &ChangeContext,
) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.str(id.as_str());
    w.str(name);
    w.bytes(&actor.0);
    w.context(ctx);
    w.0
}

fn decode_create(
    bytes: &[u8],
) -> Result<(WorkbookId, String, ActorBytes, ChangeContext), Malformed> {
    let mut r = Reader::new(bytes);
    let id = WorkbookId::parse(r.str()?).ok_or_else(|| corrupt("workbook id"))?;
    let name = r.str()?.to_owned();
    let actor = actor(&mut r)?;
    let ctx = r.context()?;
    done(&r)?;
    Ok((id, name, actor, ctx))
}

/// A request to make another workbook ready to keep: `incoming` (a
/// workbook file, or with `parts` a shared room's parts), either merged
/// into this browser's copy of it, whose chunks in load order go as the
/// request's parts (none: no copy here), or with `apart` kept apart from
/// any copy under that new id ([`crate::exchange::KeepAs`]).
pub fn encode_into(
    incoming: &[u8],
    parts: bool,
    actor: ActorBytes,
    apart: Option<(&WorkbookId, &ChangeContext)>,
) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.bool(parts);
    w.bytes(&actor.0);
    w.bool(apart.is_some());
    if let Some((id, ctx)) = apart {
        w.str(id.as_str());
        w.context(ctx);
    }
    w.bytes(incoming);
    w.0
}

/// A request to keep another workbook, read.
type KeepRequest<'a> = (
    &'a [u8],
    bool,
    ActorBytes,
    Option<(WorkbookId, ChangeContext)>,
);

fn decode_into(bytes: &[u8]) -> Result<KeepRequest<'_>, Malformed> {
    let mut r = Reader::new(bytes);
    let parts = r.bool()?;
    let actor = actor(&mut r)?;
    let apart = if r.bool()? {
        let id = WorkbookId::parse(r.str()?).ok_or_else(|| corrupt("workbook id"))?;
        Some((id, r.context()?))
    } else {
        None
    };
    let incoming = r.bytes()?;
    done(&r)?;
    Ok((incoming, parts, actor, apart))
}

fn encode_copy(c: &IntoCopy) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.str(c.id.as_str());
    w.str(&c.name);
    w.bool(c.preview.is_some());
    w.bytes(&c.preview.as_ref().map(encode_preview).unwrap_or_default());
    w.bytes(&c.snapshot);
    w.0
}

/// The answer to `into`.
pub fn decode_copy(bytes: &[u8]) -> Result<IntoCopy, Malformed> {
    let mut r = Reader::new(bytes);
    let id = WorkbookId::parse(r.str()?).ok_or_else(|| corrupt("workbook id"))?;
    let name = r.str()?.to_owned();
    let has_preview = r.bool()?;
    let preview = r.bytes()?;
    let preview = if has_preview {
        Some(decode_preview(preview)?)
    } else {
        None
    };
    let snapshot = r.bytes()?.to_vec();
    done(&r)?;
    Ok(IntoCopy {
        id,
        name,
        preview,
        snapshot,
    })
}

/// How much memory reading a workbook's bytes and merging them takes, per
/// byte, at most: loading a document peaks at about 130 per byte of its
/// file (a 9.7 MB file of a 50,000-record workbook took 1.25 GB, measured
/// natively with `merge_memory`); the preview and the merge, made in small
/// batches, add nothing measurable.
const MEMORY_PER_FILE_BYTE: f64 = 150.0;

/// The most memory a WebAssembly module can address (4 GiB), less a
/// margin.
const MEMORY_LIMIT: f64 = 0.95 * 4.0 * 1024.0 * 1024.0 * 1024.0;

/// If reading `len` bytes of workbooks beside the open one would take the
/// module past what it can address — where it would stop with an error,
/// not a message — the total it would need, in GB.
fn memory_short_for(len: usize) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    let in_use = core::arch::wasm32::memory_size(0) as f64 * 65536.0;
    #[cfg(not(target_arch = "wasm32"))]
    let in_use = 0.0;
    let needed = in_use + len as f64 * MEMORY_PER_FILE_BYTE;
    (needed > MEMORY_LIMIT).then_some(needed / 1e9)
}

/// A request to open a room's blobs (as the request's parts) read once
/// for joining: the room and its key, as a share link writes them.
pub fn encode_room(room: &str, key: &str) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.str(room);
    w.str(key);
    w.0
}

/// The answer to `room`: `None` when the room holds no message yet.
pub fn decode_room(bytes: &[u8]) -> Result<Option<crate::sync::RoomRead>, Malformed> {
    let mut r = Reader::new(bytes);
    if !r.bool()? {
        done(&r)?;
        return Ok(None);
    }
    let workbook = WorkbookId::parse(r.str()?).ok_or_else(|| corrupt("workbook id"))?;
    let in_room = r.hashes()?;
    let bytes = r.bytes()?.to_vec();
    let skipped = usize::try_from(r.uint()?).map_err(|_| corrupt("count"))?;
    done(&r)?;
    Ok(Some(crate::sync::RoomRead {
        workbook,
        in_room,
        bytes,
        skipped,
    }))
}

/// A room entry to apply.
pub fn encode_entry(seq: u64, blob: &[u8]) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.uint(seq);
    w.bytes(blob);
    w.0
}

/// What an answer carries of update `u`: all of it when it is small; of a
/// large one the first slice, the rest going after the slices still to
/// send (`more`). Those lose every record `u` gives newer first. The
/// count of slices left to send, and what to send now.
fn sliced(screen: &mut std::collections::VecDeque<Update>, u: Update) -> (u64, Update) {
    forget_sent(screen, &u);
    let mut parts: std::collections::VecDeque<Update> = u.split(SCREEN_SLICE).into();
    let now = parts.pop_front().unwrap_or_default();
    screen.extend(parts);
    (screen.len() as u64, now)
}

/// Drops from the slices still to send every record `u` (an answer sent
/// before them) gives newer; an update that lists everything replaces them.
fn forget_sent(screen: &mut std::collections::VecDeque<Update>, u: &Update) {
    if screen.is_empty() {
        return;
    }
    if u.everything {
        screen.clear();
        return;
    }
    let sent: std::collections::HashSet<&crate::RecordId> =
        u.records.iter().map(|(id, _)| id).collect();
    for slice in screen.iter_mut() {
        slice.records.retain(|(id, _)| !sent.contains(id));
    }
}

/// The workbook a request opened: its id, whether it was upgraded, the
/// update the screen must take (if any: the first slice of it when it is
/// large) and how many slices `more` still gives.
#[derive(Debug)]
pub struct OpenedAnswer {
    pub id: WorkbookId,
    pub upgraded: bool,
    pub update: Option<Update>,
    pub more: u64,
}

/// The answer to `open` or `create`.
pub fn decode_opened(bytes: &[u8]) -> Result<OpenedAnswer, Malformed> {
    let mut r = Reader::new(bytes);
    let id = WorkbookId::parse(r.str()?).ok_or_else(|| corrupt("workbook id"))?;
    let upgraded = r.bool()?;
    let more = r.uint()?;
    let update = if r.bool()? {
        let (_, u): Edited = decode_edited(&bytes[r.at..])?;
        Some(u)
    } else {
        done(&r)?;
        None
    };
    Ok(OpenedAnswer {
        id,
        upgraded,
        update,
        more,
    })
}

/// The answer to `edit`: how many slices of updates `more` still gives
/// (this answer's update may be the first slice of a large one), and the
/// outcome with its update.
pub fn decode_edit_answer(bytes: &[u8]) -> Result<(u64, Edited), Malformed> {
    let mut r = Reader::new(bytes);
    let more = r.uint()?;
    Ok((more, decode_edited(&bytes[r.at..])?))
}

/// The answer to `entry`, likewise.
pub fn decode_entry_answer(bytes: &[u8]) -> Result<(u64, super::codec::LiveEntry), Malformed> {
    let mut r = Reader::new(bytes);
    let more = r.uint()?;
    Ok((more, super::codec::decode_live_entry(&bytes[r.at..])?))
}

/// The answer to `more`: how many slices are left after this one, and the
/// slice (`None` when there was none left).
pub fn decode_more(bytes: &[u8]) -> Result<(u64, Option<Update>), Malformed> {
    let mut r = Reader::new(bytes);
    let left = r.uint()?;
    if !r.bool()? {
        done(&r)?;
        return Ok((left, None));
    }
    let (_, u): Edited = decode_edited(&bytes[r.at..])?;
    Ok((left, Some(u)))
}

fn actor(r: &mut Reader<'_>) -> Result<ActorBytes, Malformed> {
    let b: [u8; 16] = r.bytes()?.try_into().map_err(|_| corrupt("actor"))?;
    Ok(ActorBytes(b))
}

fn done(r: &Reader<'_>) -> Result<(), Malformed> {
    if r.done() {
        Ok(())
    } else {
        Err(corrupt("trailing bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbooks_too_large_for_memory_are_refused_before_reading() {
        // A 50,000-record workbook's file (about 9.7 MB) can be kept; one
        // three times that size would need more than 4 GiB.
        assert_eq!(memory_short_for(9_700_000), None);
        let needed = memory_short_for(30_000_000).expect("refused");
        assert!((4.0..5.0).contains(&needed), "{needed} GB");
    }
}
