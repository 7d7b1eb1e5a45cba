//! The page's side of the document worker (`crates/docworker`): one worker
//! for the page's lifetime, holding the open workbook's document. Requests
//! carry the engine's byte encoding (`sms_core::engine::codec`,
//! `engine::host`); they are sent in order and answered in order, so the
//! engine sees edits exactly as the page made them. Requests made before
//! the worker is ready wait for it.

use std::{cell::RefCell, collections::HashMap, future::Future, rc::Rc};

use sms_core::{
    engine::{
        codec::{Edited, LiveEntry},
        host, Answer, Edit, LiveCommand, LiveReply, Query, ToStore, Update,
    },
    exchange::IntoCopy,
    sync::RoomRead,
    ActorBytes, ChangeContext, ChangeHash, WorkbookId,
};

use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crate::worker::Failed;

/// The worker's loader script, next to the app's files.
const WORKER: &str = "./sms-doc-worker_loader.js";

struct Pending {
    resolve: js_sys::Function,
    reject: js_sys::Function,
}

#[derive(Default)]
struct Inner {
    worker: Option<web_sys::Worker>,
    ready: bool,
    /// Requests made before the worker was ready, in order.
    queued: Vec<js_sys::Object>,
    next: u64,
    waiting: HashMap<u64, Pending>,
    /// The worker could not be started or stopped: why.
    broken: Option<String>,
    _handlers: Option<Handlers>,
}

/// The worker's message and error handlers, kept as long as it runs.
type Handlers = (
    Closure<dyn FnMut(web_sys::MessageEvent)>,
    Closure<dyn FnMut(web_sys::Event)>,
);

/// A handle to the document worker; cheap to clone.
#[derive(Clone, Default)]
pub struct Doc(Rc<RefCell<Inner>>);

impl Doc {
    /// Starts the worker (once).
    fn start(&self) {
        let mut i = self.0.borrow_mut();
        if i.worker.is_some() || i.broken.is_some() {
            return;
        }
        let worker = match web_sys::Worker::new(WORKER) {
            Ok(w) => w,
            Err(_) => {
                i.broken = Some("the document module could not be started".into());
                return;
            }
        };
        let me = self.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                me.answered(ev.data());
            });
        let me = self.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            me.failed("the document module stopped");
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        i.worker = Some(worker);
        i._handlers = Some((on_message, on_error));
    }

    fn answered(&self, data: JsValue) {
        let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        if get("ready").as_bool() == Some(true) {
            let mut i = self.0.borrow_mut();
            i.ready = true;
            let queued = std::mem::take(&mut i.queued);
            if let Some(w) = i.worker.as_ref() {
                for msg in queued {
                    let _ = w.post_message(&msg);
                }
            }
            return;
        }
        let Some(id) = get("id").as_f64().map(|n| n as u64) else {
            return;
        };
        let Some(p) = self.0.borrow_mut().waiting.remove(&id) else {
            return;
        };
        if get("ok").as_bool() == Some(true) {
            let _ = p.resolve.call1(&JsValue::NULL, &get("bytes"));
        } else {
            let words = get("error")
                .as_string()
                .unwrap_or_else(|| "the document module gave no answer".into());
            let _ = p.reject.call1(&JsValue::NULL, &words.into());
        }
    }

    /// Every waiting request fails with `why`, and so does every later one.
    fn failed(&self, why: &str) {
        let mut i = self.0.borrow_mut();
        i.broken = Some(why.to_owned());
        for (_, p) in i.waiting.drain() {
            let _ = p.reject.call1(&JsValue::NULL, &why.into());
        }
    }

    /// Sends one request at once (so the worker sees requests in the
    /// order they were made, whenever their answers are awaited); the
    /// future gives its answer: the engine's bytes, or why there are none.
    pub fn request(
        &self,
        op: &str,
        bytes: &[u8],
        parts: &[Vec<u8>],
    ) -> impl std::future::Future<Output = Result<Vec<u8>, Failed>> {
        let sent = self.send(op, bytes, parts);
        let me = self.clone();
        async move {
            let answer = sent?;
            match wasm_bindgen_futures::JsFuture::from(answer).await {
                Ok(v) => Ok(v
                    .dyn_into::<js_sys::Uint8Array>()
                    .map(|b| b.to_vec())
                    .unwrap_or_default()),
                Err(e) => Err(match me.0.borrow().broken.clone() {
                    Some(why) => Failed::Module(why),
                    None => Failed::Said(
                        e.as_string()
                            .unwrap_or_else(|| "the document module gave no answer".into()),
                    ),
                }),
            }
        }
    }

    /// Posts one request (or queues it until the worker is ready).
    fn send(&self, op: &str, bytes: &[u8], parts: &[Vec<u8>]) -> Result<js_sys::Promise, Failed> {
        self.start();
        let mut resolve = None;
        let mut reject = None;
        let answer = js_sys::Promise::new(&mut |res, rej| {
            resolve = Some(res);
            reject = Some(rej);
        });
        let mut i = self.0.borrow_mut();
        if let Some(why) = &i.broken {
            return Err(Failed::Module(why.clone()));
        }
        i.next += 1;
        let id = i.next;
        let msg = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = js_sys::Reflect::set(&msg, &k.into(), v);
        };
        set("id", &(id as f64).into());
        set("op", &op.into());
        set("bytes", &js_sys::Uint8Array::from(bytes).into());
        if !parts.is_empty() {
            let a = js_sys::Array::new();
            for p in parts {
                a.push(&js_sys::Uint8Array::from(p.as_slice()));
            }
            set("parts", &a);
        }
        let (Some(resolve), Some(reject)) = (resolve.take(), reject.take()) else {
            return Err(Failed::Module(
                "the document module could not be asked".into(),
            ));
        };
        i.waiting.insert(id, Pending { resolve, reject });
        if i.ready {
            if let Some(w) = i.worker.as_ref() {
                let _ = w.post_message(&msg);
            }
        } else {
            i.queued.push(msg);
        }
        Ok(answer)
    }
}

/// The engine's answer could not be read: said in words.
fn unreadable(e: impl std::fmt::Display) -> String {
    format!("the document module's answer could not be read ({e})")
}

fn said(e: Failed) -> String {
    e.to_string()
}

/// Typed requests: each is sent when called and decoded when answered.
impl Doc {
    /// Opens stored chunks (in load order) as the open workbook.
    pub fn open(
        &self,
        actor: ActorBytes,
        ctx: &ChangeContext,
        shown: Option<&[ChangeHash]>,
        chunks: &[Vec<u8>],
    ) -> impl Future<Output = Result<host::OpenedAnswer, String>> {
        let asked = self.request("open", &host::encode_open(actor, ctx, shown), chunks);
        async move { host::decode_opened(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// Makes a new, empty workbook the open one.
    pub fn create(
        &self,
        id: &WorkbookId,
        name: &str,
        actor: ActorBytes,
        ctx: &ChangeContext,
    ) -> impl Future<Output = Result<host::OpenedAnswer, String>> {
        let asked = self.request("create", &host::encode_create(id, name, actor, ctx), &[]);
        async move { host::decode_opened(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// The next slice of a large read model `open` or `create` began: how
    /// many are left after it, and the slice.
    pub fn more(&self) -> impl Future<Output = Result<(u64, Option<Update>), String>> {
        let asked = self.request("more", &[], &[]);
        async move { host::decode_more(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// A new, empty workbook's snapshot, to store (the open one stays).
    pub fn blank(
        &self,
        id: &WorkbookId,
        name: &str,
        actor: ActorBytes,
        ctx: &ChangeContext,
    ) -> impl Future<Output = Result<Vec<u8>, String>> {
        let asked = self.request("blank", &host::encode_create(id, name, actor, ctx), &[]);
        async move { asked.await.map_err(said) }
    }

    /// Another workbook made ready to keep (see `sms_core::exchange::into_copy`):
    /// merged into `stored`, this browser's copy of it, or with `apart` kept
    /// apart from any copy under a new id.
    pub fn copy_to_keep(
        &self,
        incoming: &[u8],
        parts: bool,
        actor: ActorBytes,
        stored: Option<&[Vec<u8>]>,
        apart: Option<(&WorkbookId, &ChangeContext)>,
    ) -> impl Future<Output = Result<IntoCopy, String>> {
        let asked = self.request(
            "into",
            &host::encode_into(incoming, parts, actor, apart),
            stored.unwrap_or_default(),
        );
        async move { host::decode_copy(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// A room read once for joining (`blobs` in order), opened with its
    /// key; `None` when it holds no message yet.
    pub fn read_room(
        &self,
        room: &str,
        key: &str,
        blobs: &[Vec<u8>],
    ) -> impl Future<Output = Result<Option<RoomRead>, String>> {
        let asked = self.request("room", &host::encode_room(room, key), blobs);
        async move { host::decode_room(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// One change of the open workbook: how many more slices of what it
    /// touched `more` gives, its outcome and what it touched (the first
    /// slice, when that is large).
    pub fn edit(
        &self,
        edit: &Edit,
        ctx: &ChangeContext,
    ) -> impl Future<Output = Result<(u64, Edited), String>> {
        let asked = self.request("edit", &edit.encode(ctx), &[]);
        async move { host::decode_edit_answer(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// A question about the open workbook.
    pub fn query(&self, q: &Query) -> impl Future<Output = Result<Answer, String>> {
        let asked = self.request("query", &q.encode(), &[]);
        async move { Answer::decode(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// What is left to store, as a chunk or (`snapshot`) the whole
    /// document, with the heads it brings the store to.
    pub fn save(
        &self,
        snapshot: bool,
    ) -> impl Future<Output = Result<Option<(ToStore, Vec<ChangeHash>)>, String>> {
        let asked = self.request("save", &[u8::from(snapshot)], &[]);
        async move { ToStore::decode(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// A command of the open workbook's live room.
    pub fn live(&self, cmd: &LiveCommand) -> impl Future<Output = Result<LiveReply, String>> {
        let asked = self.request("live", &cmd.encode(), &[]);
        async move { LiveReply::decode(&asked.await.map_err(said)?).map_err(unreadable) }
    }

    /// Entry `seq` of the live room, opened and applied (with how many
    /// more slices of what it touched `more` gives).
    pub fn entry(
        &self,
        seq: u64,
        blob: &[u8],
    ) -> impl Future<Output = Result<(u64, LiveEntry), String>> {
        let asked = self.request("entry", &host::encode_entry(seq, blob), &[]);
        async move { host::decode_entry_answer(&asked.await.map_err(said)?).map_err(unreadable) }
    }
}
