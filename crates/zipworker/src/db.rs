//! The app's database, as the zip worker uses it: the `files` store of
//! attached files' bytes (keys: SHA-256 in hex; values: `Blob`s).

use js_sys::{Array, Promise, Uint8Array};
use sms_core::attachments::FileHash;
use wasm_bindgen::{prelude::*, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

const FILES: &str = "files";

pub fn js_words(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.dyn_ref::<web_sys::DomException>().map(|e| e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "an unknown error".into())
}

/// Words for a failed write: a full disk or quota said as such.
pub fn write_failed(e: &JsValue) -> String {
    let name = e
        .dyn_ref::<web_sys::DomException>()
        .map(|d| d.name())
        .unwrap_or_default();
    if name == "QuotaExceededError" {
        "the disk is full or the browser's storage quota is used up".into()
    } else {
        format!("the browser's database refused them ({})", js_words(e))
    }
}

/// Waits for a request's result.
pub async fn done(req: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::NULL));
        });
        let bad = req.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let e = bad.error().ok().flatten().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &e.unwrap_or(JsValue::NULL));
        });
        req.set_onsuccess(Some(on_ok.unchecked_ref()));
        req.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Waits until a transaction has committed (or says why it did not).
pub async fn committed(tx: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = tx.clone();
        let reject2 = reject.clone();
        let aborted = tx.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let e = failed.error().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &e.unwrap_or(JsValue::NULL));
        });
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let e = aborted.error().map(JsValue::from);
            let _ = reject2.call1(&JsValue::NULL, &e.unwrap_or(JsValue::NULL));
        });
        tx.set_oncomplete(Some(on_ok.unchecked_ref()));
        tx.set_onerror(Some(on_err.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop)
}

/// The app's database, as the page made it: opened without a version,
/// and left alone (the open aborted) if it does not exist yet.
pub async fn open(name: &str) -> Result<IdbDatabase, String> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let factory = scope
        .indexed_db()
        .ok()
        .flatten()
        .ok_or("this browser's database cannot be used here")?;
    let req = factory
        .open(name)
        .map_err(|e| format!("the browser's database did not open ({})", js_words(&e)))?;
    let upgrading = req.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Some(tx) = upgrading.transaction() {
            let _ = tx.abort();
        }
    });
    req.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = done(&req)
        .await
        .map_err(|_| "the browser's database is not ready".to_owned())?;
    db.dyn_into()
        .map_err(|_| "the browser's database did not open".to_owned())
}

pub fn tx(db: &IdbDatabase, write: bool) -> Result<IdbTransaction, JsValue> {
    tx_on(db, FILES, write)
}

fn tx_on(db: &IdbDatabase, store: &str, write: bool) -> Result<IdbTransaction, JsValue> {
    if !write {
        return db.transaction_with_str_and_mode(store, IdbTransactionMode::Readonly);
    }
    // `durability: "strict"`, as the page writes (not in web-sys yet):
    // reported done only once on disk.
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"durability".into(), &"strict".into())?;
    let f: js_sys::Function = js_sys::Reflect::get(db, &"transaction".into())?.dyn_into()?;
    f.call3(db, &store.into(), &"readwrite".into(), &options)?
        .dyn_into()
}

/// The stored bytes of each of `hashes` (`None` where not stored).
pub async fn read_files(
    db: &IdbDatabase,
    hashes: &[FileHash],
) -> Result<Vec<Option<Vec<u8>>>, JsValue> {
    let tx = tx(db, false)?;
    let store = tx.object_store(FILES)?;
    // Every request first, so the transaction stays open for them all.
    let reqs = hashes
        .iter()
        .map(|h| store.get(&h.to_hex().into()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut blobs = Vec::with_capacity(reqs.len());
    for req in &reqs {
        blobs.push(done(req).await?.dyn_into::<web_sys::Blob>().ok());
    }
    let reader = web_sys::FileReaderSync::new()?;
    blobs
        .into_iter()
        .map(|b| match b {
            Some(b) => Ok(Some(
                Uint8Array::new(&reader.read_as_array_buffer(&b)?.into()).to_vec(),
            )),
            None => Ok(None),
        })
        .collect()
}

/// Which of `hashes` are stored.
pub async fn here(db: &IdbDatabase, hashes: &[FileHash]) -> Result<Vec<bool>, String> {
    let tx = tx(db, false).map_err(|e| js_words(&e))?;
    let store = tx.object_store(FILES).map_err(|e| js_words(&e))?;
    let reqs = hashes
        .iter()
        .map(|h| store.count_with_key(&h.to_hex().into()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| js_words(&e))?;
    let mut here = Vec::with_capacity(reqs.len());
    for req in &reqs {
        let n = done(req).await.map_err(|e| js_words(&e))?;
        here.push(n.as_f64().unwrap_or(0.0) > 0.0);
    }
    Ok(here)
}

/// Stores files (each checked against its hash by the caller) in one
/// transaction, all or none; returns how many were not stored before.
pub async fn put_files(
    db: &IdbDatabase,
    files: &[(FileHash, Uint8Array)],
) -> Result<usize, String> {
    let hashes: Vec<FileHash> = files.iter().map(|(h, _)| *h).collect();
    let present = here(db, &hashes).await?;
    let new: Vec<usize> = (0..files.len()).filter(|&i| !present[i]).collect();
    if new.is_empty() {
        return Ok(0);
    }
    let tx = tx(db, true).map_err(|e| write_failed(&e))?;
    let store = tx.object_store(FILES).map_err(|e| write_failed(&e))?;
    for &i in &new {
        let (hash, bytes) = &files[i];
        let blob = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(bytes))
            .map_err(|e| write_failed(&e))?;
        if let Err(e) = store.put_with_key(&blob, &hash.to_hex().into()) {
            let _ = tx.abort();
            return Err(write_failed(&e));
        }
    }
    committed(&tx).await.map_err(|e| write_failed(&e))?;
    Ok(new.len())
}

/// The bytes kept under `key` in the `meta` store, if any.
pub async fn meta(db: &IdbDatabase, key: &str) -> Result<Option<Vec<u8>>, JsValue> {
    let tx = tx_on(db, "meta", false)?;
    let v = done(&tx.object_store("meta")?.get(&key.into())?).await?;
    Ok(v.dyn_into::<Uint8Array>().ok().map(|b| b.to_vec()))
}

/// Keeps `bytes` under `key` in the `meta` store.
pub async fn set_meta(db: &IdbDatabase, key: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let tx = tx_on(db, "meta", true)?;
    tx.object_store("meta")?
        .put_with_key(&Uint8Array::from(bytes), &key.into())?;
    committed(&tx).await
}
