//! The zip worker: a Web Worker that writes and reads the app's zip
//! archives, so neither the zip code nor the files' bytes sit on the page
//! (its start-up module, thread or memory). It reads and stores attached
//! files' bytes in the app's database itself (the `files` store, keys the
//! SHA-256 in hex, values `Blob`s; see the app's `idb` module), opened at
//! the version the page made, never creating or upgrading it.
//!
//! Every message has an `op`; every answer is `{"ok":true,…}` or
//! `{"ok":false,"error":…}` (words for a person), after `{"ready":true}`.
//!
//! - `"unpack"`: `bytes`, a workbook file that is a container
//!   (`sms_core::container`), checked whole. Answer: `document` (the plain
//!   workbook file inside), `hashes` (each file's SHA-256, 32 bytes each,
//!   concatenated) and `files` (an array of `Uint8Array`, in that order).
//! - `"store"`: `db` (the database's name), `hashes` and `files` as
//!   `"unpack"` answers them. Stores the files not stored yet, in one
//!   transaction: all or, when the disk or quota is full, none. Answer:
//!   `stored`, how many were new.
//! - `"container"`: `db`, `document` (a workbook file) and `hashes` (the
//!   files it refers to, as above, repeated or not). Answer: `bytes`, the container with
//!   every one of those files the database has, `carried` and `missing`
//!   (how many it has and has not).
//! - `"pack"`: `db`, `name` (the workbook's), `made` (`YYYY-MM-DD`) and
//!   `fields` (an array of strings, `sms_core::pack::fields`). Answer:
//!   `bytes`, the evidence pack, `packed` and `missing` (files in it, and
//!   files whose bytes the database does not have).

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::collections::HashMap;

    use js_sys::{Array, Promise, Uint8Array};
    use sms_core::attachments::FileHash;
    use sms_core::{container, pack};
    use wasm_bindgen::{prelude::*, JsCast};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

    const FILES: &str = "files";

    type Fields = Vec<(&'static str, JsValue)>;

    fn reply(scope: &web_sys::DedicatedWorkerGlobalScope, fields: &[(&str, JsValue)]) {
        let msg = js_sys::Object::new();
        for (k, v) in fields {
            let _ = js_sys::Reflect::set(&msg, &(*k).into(), v);
        }
        let _ = scope.post_message(&msg);
    }

    fn field(data: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    fn bytes_of(data: &JsValue, key: &str) -> Vec<u8> {
        field(data, key)
            .dyn_into::<Uint8Array>()
            .map(|b| b.to_vec())
            .unwrap_or_default()
    }

    fn text_of(data: &JsValue, key: &str) -> String {
        field(data, key).as_string().unwrap_or_default()
    }

    fn hashes_of(data: &JsValue) -> Result<Vec<FileHash>, String> {
        let raw = bytes_of(data, "hashes");
        if !raw.len().is_multiple_of(32) {
            return Err("the files' fingerprints were not sent whole".into());
        }
        Ok(raw
            .chunks_exact(32)
            .map(|h| FileHash(h.try_into().expect("32 bytes")))
            .collect())
    }

    fn js_words(e: &JsValue) -> String {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.dyn_ref::<web_sys::DomException>().map(|e| e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "an unknown error".into())
    }

    /// Words for a failed write: a full disk or quota said as such.
    fn write_failed(e: &JsValue) -> String {
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
    async fn done(req: &IdbRequest) -> Result<JsValue, JsValue> {
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
    async fn committed(tx: &IdbTransaction) -> Result<(), JsValue> {
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
    async fn open(name: &str) -> Result<IdbDatabase, String> {
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

    fn tx(db: &IdbDatabase, write: bool) -> Result<IdbTransaction, JsValue> {
        if !write {
            return db.transaction_with_str_and_mode(FILES, IdbTransactionMode::Readonly);
        }
        // `durability: "strict"`, as the page writes (not in web-sys yet):
        // reported done only once on disk.
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"durability".into(), &"strict".into())?;
        let f: js_sys::Function = js_sys::Reflect::get(db, &"transaction".into())?.dyn_into()?;
        f.call3(db, &FILES.into(), &"readwrite".into(), &options)?
            .dyn_into()
    }

    /// The stored bytes of each of `hashes` (`None` where not stored).
    async fn read_files(
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

    fn unpack(data: &JsValue) -> Result<Fields, String> {
        let c = container::read(&bytes_of(data, "bytes")).map_err(|e| e.to_string())?;
        let hashes: Vec<u8> = c.files.iter().flat_map(|(h, _)| h.0).collect();
        let files = Array::new();
        for (_, bytes) in &c.files {
            files.push(&Uint8Array::from(bytes.as_slice()));
        }
        Ok(vec![
            ("document", Uint8Array::from(c.document.as_slice()).into()),
            ("hashes", Uint8Array::from(hashes.as_slice()).into()),
            ("files", files.into()),
        ])
    }

    async fn store(data: &JsValue) -> Result<Fields, String> {
        let hashes = hashes_of(data)?;
        let files: Vec<Uint8Array> = field(data, "files")
            .dyn_into::<Array>()
            .map(|a| a.iter().filter_map(|v| v.dyn_into().ok()).collect())
            .unwrap_or_default();
        if files.len() != hashes.len() {
            return Err("the files were not sent whole".into());
        }
        let db = open(&text_of(data, "db")).await?;
        // Which are here already (the same bytes, by their hash).
        let here = {
            let tx = tx(&db, false).map_err(|e| js_words(&e))?;
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
            here
        };
        let new: Vec<usize> = (0..hashes.len()).filter(|&i| !here[i]).collect();
        if !new.is_empty() {
            let tx = tx(&db, true).map_err(|e| write_failed(&e))?;
            let store = tx.object_store(FILES).map_err(|e| write_failed(&e))?;
            for &i in &new {
                let blob = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&files[i]))
                    .map_err(|e| write_failed(&e))?;
                if let Err(e) = store.put_with_key(&blob, &hashes[i].to_hex().into()) {
                    let _ = tx.abort();
                    return Err(write_failed(&e));
                }
            }
            committed(&tx).await.map_err(|e| write_failed(&e))?;
        }
        db.close();
        Ok(vec![("stored", (new.len() as u32).into())])
    }

    async fn write_container(data: &JsValue) -> Result<Fields, String> {
        let document = bytes_of(data, "document");
        if document.is_empty() {
            return Err("the workbook was not sent".into());
        }
        let mut hashes = hashes_of(data)?;
        hashes.sort_unstable();
        hashes.dedup();
        let db = open(&text_of(data, "db")).await?;
        let found = read_files(&db, &hashes).await.map_err(|e| {
            format!(
                "the attached files could not be read from this browser ({})",
                js_words(&e)
            )
        })?;
        db.close();
        let files: Vec<(FileHash, Vec<u8>)> = hashes
            .iter()
            .zip(found)
            .filter_map(|(h, b)| b.map(|b| (*h, b)))
            .collect();
        // A stored file that no longer matches its hash would make the
        // container one that is refused when opened.
        if let Some((h, _)) = files.iter().find(|(h, b)| FileHash::of(b) != *h) {
            return Err(format!(
                "an attached file stored in this browser is damaged ({}…)",
                &h.to_hex()[..12]
            ));
        }
        let refs: Vec<(FileHash, &[u8])> = files.iter().map(|(h, b)| (*h, b.as_slice())).collect();
        let bytes = container::write(&document, &refs);
        Ok(vec![
            ("bytes", Uint8Array::from(bytes.as_slice()).into()),
            ("carried", (files.len() as u32).into()),
            ("missing", ((hashes.len() - files.len()) as u32).into()),
        ])
    }

    async fn write_pack(data: &JsValue) -> Result<Fields, String> {
        let fields: Vec<String> = field(data, "fields")
            .dyn_into::<Array>()
            .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
            .unwrap_or_default();
        let entries =
            pack::from_fields(&fields).ok_or("the pack's contents were not understood")?;
        let made = sms_core::dates::parse_iso(&text_of(data, "made")).ok_or("no date was given")?;
        let mut hashes: Vec<FileHash> = entries.iter().map(|e| e.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let db = open(&text_of(data, "db")).await?;
        let found = read_files(&db, &hashes).await.map_err(|e| {
            format!(
                "the attached files could not be read from this browser ({})",
                js_words(&e)
            )
        })?;
        db.close();
        let bytes: HashMap<FileHash, Vec<u8>> = hashes
            .iter()
            .zip(found)
            .filter_map(|(h, b)| b.filter(|b| FileHash::of(b) == *h).map(|b| (*h, b)))
            .collect();
        let packed = entries
            .iter()
            .filter(|e| bytes.contains_key(&e.hash))
            .count();
        let zip = pack::write(
            &text_of(data, "name"),
            &entries,
            &|h| bytes.get(h).cloned(),
            made,
        )?;
        Ok(vec![
            ("bytes", Uint8Array::from(zip.as_slice()).into()),
            ("packed", (packed as u32).into()),
            ("missing", ((entries.len() - packed) as u32).into()),
        ])
    }

    async fn handle(scope: web_sys::DedicatedWorkerGlobalScope, data: JsValue) {
        let result = match text_of(&data, "op").as_str() {
            "unpack" => unpack(&data),
            "store" => store(&data).await,
            "container" => write_container(&data).await,
            "pack" => write_pack(&data).await,
            _ => Err("the request was not understood".into()),
        };
        match result {
            Ok(mut fields) => {
                fields.insert(0, ("ok", true.into()));
                reply(&scope, &fields);
            }
            Err(e) => reply(&scope, &[("ok", false.into()), ("error", e.into())]),
        }
    }

    pub fn start() {
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let inner = scope.clone();
        let on_message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                wasm_bindgen_futures::spawn_local(handle(inner.clone(), ev.data()));
            });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        reply(&scope, &[("ready", true.into())]);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("sms-zip-worker runs in a browser, as the app's zip worker.");
}
