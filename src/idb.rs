//! IndexedDB adapter: the only module of the page that touches IndexedDB
//! (the zip worker reads and writes attached files itself, `crates/zipworker`).
//!
//! Four object stores: `chunks` (key: the chunk key from
//! `sms_core::storage::chunk_key`, value: the bytes as a `Uint8Array`),
//! `views` (the materialized view of each workbook, `sms_core::view`: key
//! `<workbook>/0` for its base and `<workbook>/1/<time>-<random>` for each
//! patch, in the order written), `files` (attached files' bytes as a
//! `Blob`, key: their SHA-256 in hex, stored once however often and
//! wherever they are attached) and `meta` (small values, such as which
//! workbook was open last; the zip worker keeps there, under
//! `relay-files/<room>`, the hashes of files known to be in a shared
//! workbook's room).
//! Writes use a transaction with `durability: "strict"`, so when a write is
//! reported done the data has reached the disk; only then does the app say
//! "Saved".

use std::fmt;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use sms_core::{storage::key_range, WorkbookId};
use wasm_bindgen::{prelude::*, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, Event, EventTarget, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest,
    IdbRequest, IdbTransaction, IdbTransactionMode,
};

pub const DB_NAME: &str = "sms-workbook";
const DB_VERSION: u32 = 3;
const CHUNKS: &str = "chunks";
const FILES: &str = "files";
const META: &str = "meta";
const VIEWS: &str = "views";

/// What a write does to a workbook's stored view (`sms_core::view`).
pub enum ViewWrite {
    /// A new base: every earlier part of the view is deleted.
    Base(Vec<u8>),
    /// One more patch on top of the parts stored.
    Patch(Vec<u8>),
}

/// A workbook's stored view: its base and its patches, in the order written.
#[derive(Default)]
pub struct StoredView {
    pub base: Option<Vec<u8>>,
    pub patches: Vec<Vec<u8>>,
}

fn view_range(workbook: &WorkbookId) -> Result<IdbKeyRange, StorageError> {
    Ok(IdbKeyRange::bound(
        &format!("{workbook}/").into(),
        &format!("{workbook}/~").into(),
    )?)
}

/// Why storing or reading failed, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageError {
    /// The browser offers no IndexedDB (some private modes, or it is disabled).
    Unavailable(String),
    /// The disk is full or the site's quota is used up.
    Full,
    /// Any other refusal, with the browser's own words.
    Failed(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Unavailable(why) => {
                write!(f, "this browser does not let the app store data ({why})")
            }
            StorageError::Full => write!(
                f,
                "the disk is full or the browser's storage quota is used up"
            ),
            StorageError::Failed(why) => write!(f, "the browser could not store the data ({why})"),
        }
    }
}

impl From<JsValue> for StorageError {
    fn from(v: JsValue) -> Self {
        if let Some(e) = v.dyn_ref::<DomException>() {
            if e.name() == "QuotaExceededError" {
                return StorageError::Full;
            }
            return StorageError::Failed(format!("{}: {}", e.name(), e.message()));
        }
        if let Some(e) = v.dyn_ref::<js_sys::Error>() {
            return StorageError::Failed(String::from(e.message()));
        }
        StorageError::Failed(v.as_string().unwrap_or_else(|| "unknown error".into()))
    }
}

/// Waits until `target` fires `ok` (resolving with `value()`), or one of
/// `fail` (rejecting with `error()`). The listeners live exactly as long as
/// the wait.
async fn wait(
    target: &EventTarget,
    ok: &str,
    fail: &[&str],
    value: impl Fn() -> JsValue + 'static,
    error: impl Fn() -> JsValue + 'static,
) -> Result<JsValue, StorageError> {
    let mut resolve = None;
    let mut reject = None;
    let promise = js_sys::Promise::new(&mut |res, rej| {
        resolve = Some(res);
        reject = Some(rej);
    });
    let (resolve, reject) = (resolve.expect("set by Promise::new"), reject.expect("set"));
    let on_ok = Closure::<dyn FnMut(Event)>::new(move |_| {
        let _ = resolve.call1(&JsValue::UNDEFINED, &value());
    });
    let on_fail = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        // Keep the failure from also surfacing as an uncaught error.
        e.prevent_default();
        let _ = reject.call1(&JsValue::UNDEFINED, &error());
    });
    target.add_event_listener_with_callback(ok, on_ok.as_ref().unchecked_ref())?;
    for f in fail {
        target.add_event_listener_with_callback(f, on_fail.as_ref().unchecked_ref())?;
    }
    let out = JsFuture::from(promise).await;
    let _ = target.remove_event_listener_with_callback(ok, on_ok.as_ref().unchecked_ref());
    for f in fail {
        let _ = target.remove_event_listener_with_callback(f, on_fail.as_ref().unchecked_ref());
    }
    out.map_err(StorageError::from)
}

async fn request(req: IdbRequest) -> Result<JsValue, StorageError> {
    let (r1, r2) = (req.clone(), req.clone());
    wait(
        &req,
        "success",
        &["error"],
        move || r1.result().unwrap_or(JsValue::UNDEFINED),
        move || {
            r2.error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::UNDEFINED)
        },
    )
    .await
}

async fn complete(tx: &IdbTransaction) -> Result<(), StorageError> {
    let t = tx.clone();
    wait(
        tx,
        "complete",
        &["error", "abort"],
        || JsValue::UNDEFINED,
        move || {
            t.error()
                .map(JsValue::from)
                .unwrap_or_else(|| JsValue::from_str("the write was cancelled"))
        },
    )
    .await
    .map(|_| ())
}

/// Every `(key, bytes)` of `store` in `range`, in key order. A value that
/// is not bytes is skipped when `strict` is false (a view part: a cache) and
/// refuses the whole read when it is true (a chunk: without it the
/// workbook would open with changes missing, and saving over it could
/// lose them).
async fn read_range(
    store: &IdbObjectStore,
    range: &IdbKeyRange,
    strict: bool,
) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
    let keys: Array = request(store.get_all_keys_with_key(range)?)
        .await?
        .dyn_into()?;
    let values: Array = request(store.get_all_with_key(range)?).await?.dyn_into()?;
    let mut out = Vec::with_capacity(keys.length() as usize);
    for (k, v) in keys.iter().zip(values.iter()) {
        let key = k.as_string();
        match (key, v.dyn_into::<Uint8Array>()) {
            (Some(key), Ok(bytes)) => out.push((key, bytes.to_vec())),
            (key, _) if strict => {
                return Err(StorageError::Failed(format!(
                    "a stored part of the workbook ({}) is not readable data",
                    key.unwrap_or_else(|| "without a name".into())
                )))
            }
            _ => {}
        }
    }
    Ok(out)
}

/// An open IndexedDB database of workbook chunks.
#[derive(Clone)]
pub struct ChunkStore {
    db: IdbDatabase,
}

impl ChunkStore {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<Self, StorageError> {
        let window =
            web_sys::window().ok_or_else(|| StorageError::Unavailable("no window".into()))?;
        let factory = window
            .indexed_db()
            .map_err(|e| StorageError::Unavailable(StorageError::from(e).to_string()))?
            .ok_or_else(|| StorageError::Unavailable("IndexedDB is turned off".into()))?;
        let open: IdbOpenDbRequest = factory
            .open_with_u32(name, DB_VERSION)
            .map_err(|e| StorageError::Unavailable(StorageError::from(e).to_string()))?;
        let upgrade_req = open.clone();
        let on_upgrade = Closure::<dyn FnMut(Event)>::new(move |_| {
            if let Ok(db) = upgrade_req
                .result()
                .and_then(|r| r.dyn_into::<IdbDatabase>())
            {
                let names = db.object_store_names();
                for store in [CHUNKS, META, VIEWS, FILES] {
                    if !names.contains(store) {
                        let _ = db.create_object_store(store);
                    }
                }
            }
        });
        open.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let result = request(open.clone().unchecked_into()).await;
        open.set_onupgradeneeded(None);
        drop(on_upgrade);
        let db: IdbDatabase = result?
            .dyn_into()
            .map_err(|_| StorageError::Failed("the database did not open".into()))?;
        // Another tab upgrading the schema asks us to step aside.
        let db2 = db.clone();
        let on_version_change = Closure::<dyn FnMut(Event)>::new(move |_| db2.close());
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget(); // lives as long as the database connection
        Ok(ChunkStore { db })
    }

    fn tx(&self, stores: &[&str], write: bool) -> Result<IdbTransaction, StorageError> {
        let names = Array::new();
        for s in stores {
            names.push(&JsValue::from_str(s));
        }
        if !write {
            return Ok(self
                .db
                .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readonly)?);
        }
        // `durability: "strict"` is not in web-sys' stable API yet.
        let options = Object::new();
        Reflect::set(&options, &"durability".into(), &"strict".into())?;
        let f: Function = Reflect::get(&self.db, &"transaction".into())?.dyn_into()?;
        Ok(f.call3(&self.db, &names, &"readwrite".into(), &options)?
            .dyn_into()?)
    }

    /// Every chunk of one workbook, as `(key, bytes)` in key order.
    pub async fn load(
        &self,
        workbook: &WorkbookId,
    ) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        let tx = self.tx(&[CHUNKS], false)?;
        let (lo, hi) = key_range(workbook);
        read_range(
            &tx.object_store(CHUNKS)?,
            &IdbKeyRange::bound(&lo.into(), &hi.into())?,
            true,
        )
        .await
    }

    /// Every chunk of one workbook (as [`Self::load`]) and its stored view,
    /// read in one transaction so they belong together.
    pub async fn load_with_view(
        &self,
        workbook: &WorkbookId,
    ) -> Result<(Vec<(String, Vec<u8>)>, StoredView), StorageError> {
        let tx = self.tx(&[CHUNKS, VIEWS], false)?;
        let chunks = read_range(
            &tx.object_store(CHUNKS)?,
            &{
                let (lo, hi) = key_range(workbook);
                IdbKeyRange::bound(&lo.into(), &hi.into())?
            },
            true,
        )
        .await?;
        let mut view = StoredView::default();
        for (key, bytes) in
            read_range(&tx.object_store(VIEWS)?, &view_range(workbook)?, false).await?
        {
            if key.ends_with("/0") {
                view.base = Some(bytes);
            } else {
                view.patches.push(bytes);
            }
        }
        Ok((chunks, view))
    }

    /// In one transaction: writes `put` chunks, then deletes `delete` keys,
    /// and records `current` as the workbook to open next time. Either all of
    /// it reaches the disk or none of it does.
    pub async fn write(
        &self,
        put: &[(&str, &[u8])],
        delete: &[String],
        current: Option<&WorkbookId>,
    ) -> Result<(), StorageError> {
        self.write_with_view(put, delete, current, None).await
    }

    /// [`Self::write`], also storing a part of `view.0`'s view in the same
    /// transaction.
    pub async fn write_with_view(
        &self,
        put: &[(&str, &[u8])],
        delete: &[String],
        current: Option<&WorkbookId>,
        view: Option<(&WorkbookId, ViewWrite)>,
    ) -> Result<(), StorageError> {
        let tx = self.tx(&[CHUNKS, META, VIEWS], true)?;
        let chunks: IdbObjectStore = tx.object_store(CHUNKS)?;
        let result = (|| -> Result<(), StorageError> {
            for (key, bytes) in put {
                chunks.put_with_key(&Uint8Array::from(*bytes), &JsValue::from_str(key))?;
            }
            for key in delete {
                chunks.delete(&JsValue::from_str(key))?;
            }
            if let Some((id, part)) = &view {
                let views = tx.object_store(VIEWS)?;
                match part {
                    ViewWrite::Base(bytes) => {
                        views.delete(&view_range(id)?.into())?;
                        views.put_with_key(
                            &Uint8Array::from(bytes.as_slice()),
                            &JsValue::from_str(&format!("{id}/0")),
                        )?;
                    }
                    ViewWrite::Patch(bytes) => {
                        let key = format!(
                            "{id}/1/{:015}-{:08x}",
                            js_sys::Date::now() as u64,
                            (js_sys::Math::random() * f64::from(u32::MAX)) as u32
                        );
                        views.put_with_key(
                            &Uint8Array::from(bytes.as_slice()),
                            &JsValue::from_str(&key),
                        )?;
                    }
                }
            }
            if let Some(id) = current {
                tx.object_store(META)?.put_with_key(
                    &JsValue::from_str(id.as_str()),
                    &JsValue::from_str("current"),
                )?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = tx.abort();
            return Err(e);
        }
        complete(&tx).await
    }

    /// Deletes a workbook's stored view (the next start loads the document).
    pub async fn delete_view(&self, workbook: &WorkbookId) -> Result<(), StorageError> {
        let tx = self.tx(&[VIEWS], true)?;
        tx.object_store(VIEWS)?
            .delete(&view_range(workbook)?.into())?;
        complete(&tx).await
    }

    /// The workbook that was open last, if any.
    pub async fn current(&self) -> Result<Option<WorkbookId>, StorageError> {
        let tx = self.tx(&[META], false)?;
        let v = request(tx.object_store(META)?.get(&JsValue::from_str("current"))?).await?;
        Ok(v.as_string().and_then(|s| WorkbookId::parse(&s)))
    }

    /// Records a workbook's name, for the list of workbooks.
    pub async fn set_name(&self, id: &WorkbookId, name: &str) -> Result<(), StorageError> {
        let tx = self.tx(&[META], true)?;
        tx.object_store(META)?.put_with_key(
            &JsValue::from_str(name),
            &JsValue::from_str(&format!("name/{id}")),
        )?;
        complete(&tx).await
    }

    /// Every workbook stored here, with its name, by name.
    pub async fn workbooks(&self) -> Result<Vec<(WorkbookId, String)>, StorageError> {
        let tx = self.tx(&[CHUNKS, META], false)?;
        let keys: Array = request(tx.object_store(CHUNKS)?.get_all_keys()?)
            .await?
            .dyn_into()?;
        let mut ids: Vec<WorkbookId> = keys
            .iter()
            .filter_map(|k| k.as_string())
            .filter_map(|k| sms_core::storage::parse_chunk_key(&k).map(|(id, _)| id))
            .collect();
        sms_core::order::sort(&mut ids);
        ids.dedup();
        let meta = tx.object_store(META)?;
        let mut out = Vec::new();
        for id in ids {
            let name = request(meta.get(&JsValue::from_str(&format!("name/{id}")))?)
                .await?
                .as_string()
                .unwrap_or_else(|| "Unnamed workbook".into());
            out.push((id, name));
        }
        sms_core::order::sort_by_key(&mut out, |a| a.1.to_lowercase());
        Ok(out)
    }

    /// Deletes every chunk and the name of one workbook, in one transaction.
    pub async fn delete_workbook(&self, id: &WorkbookId) -> Result<(), StorageError> {
        let tx = self.tx(&[CHUNKS, META, VIEWS], true)?;
        let (lo, hi) = key_range(id);
        tx.object_store(CHUNKS)?
            .delete(&IdbKeyRange::bound(&lo.into(), &hi.into())?.into())?;
        tx.object_store(VIEWS)?.delete(&view_range(id)?.into())?;
        tx.object_store(META)?
            .delete(&JsValue::from_str(&format!("name/{id}")))?;
        complete(&tx).await
    }

    /// Stores an attached file's bytes under their hash (hex), in one
    /// transaction: all of it or, when the disk or quota is full, nothing.
    /// Returns whether it was new here (it was not stored before).
    pub async fn put_file(&self, hash: &str, bytes: &web_sys::Blob) -> Result<bool, StorageError> {
        let tx = self.tx(&[FILES], true)?;
        let files = tx.object_store(FILES)?;
        let key = JsValue::from_str(hash);
        let had = request(files.count_with_key(&key)?).await?.as_f64() != Some(0.0);
        if !had {
            files.put_with_key(bytes, &key)?;
        }
        complete(&tx).await?;
        Ok(!had)
    }

    /// An attached file's bytes, if this browser has them.
    pub async fn file(&self, hash: &str) -> Result<Option<web_sys::Blob>, StorageError> {
        let tx = self.tx(&[FILES], false)?;
        let v = request(tx.object_store(FILES)?.get(&JsValue::from_str(hash))?).await?;
        Ok(v.dyn_into::<web_sys::Blob>().ok())
    }

    /// Which of `hashes` this browser has the bytes of.
    pub async fn files_here(&self, hashes: &[String]) -> Result<Vec<bool>, StorageError> {
        let tx = self.tx(&[FILES], false)?;
        let files = tx.object_store(FILES)?;
        let mut out = Vec::with_capacity(hashes.len());
        for h in hashes {
            let n = request(files.count_with_key(&JsValue::from_str(h))?).await?;
            out.push(n.as_f64() != Some(0.0));
        }
        Ok(out)
    }

    /// Deletes an attached file's bytes (one that was stored for an
    /// attachment that then could not be written).
    pub async fn delete_file(&self, hash: &str) -> Result<(), StorageError> {
        let tx = self.tx(&[FILES], true)?;
        tx.object_store(FILES)?.delete(&JsValue::from_str(hash))?;
        complete(&tx).await
    }

    /// How many attached files this browser holds, and their bytes.
    pub async fn files_usage(&self) -> Result<(u32, f64), StorageError> {
        let tx = self.tx(&[FILES], false)?;
        let all: Array = request(tx.object_store(FILES)?.get_all()?)
            .await?
            .dyn_into()?;
        let bytes = all
            .iter()
            .filter_map(|v| v.dyn_into::<web_sys::Blob>().ok())
            .map(|b| b.size())
            .sum();
        Ok((all.length(), bytes))
    }

    /// Makes `id` the workbook opened next time.
    pub async fn set_current(&self, id: &WorkbookId) -> Result<(), StorageError> {
        self.write(&[], &[], Some(id)).await
    }

    /// Deletes the whole database (used by tests to start clean).
    pub async fn delete_database(name: &str) -> Result<(), StorageError> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or_else(|| StorageError::Unavailable("no IndexedDB".into()))?;
        request(factory.delete_database(name)?.unchecked_into())
            .await
            .map(|_| ())
    }

    pub fn close(&self) {
        self.db.close();
    }
}
