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
mod db;
#[cfg(target_arch = "wasm32")]
mod relay;

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::collections::HashMap;

    use js_sys::{Array, Uint8Array};
    use sms_core::attachments::FileHash;
    use sms_core::{container, pack};
    use wasm_bindgen::{prelude::*, JsCast};

    use crate::{db, relay};

    pub(crate) type Fields = Vec<(&'static str, JsValue)>;

    fn reply(scope: &web_sys::DedicatedWorkerGlobalScope, fields: &[(&str, JsValue)]) {
        let msg = js_sys::Object::new();
        for (k, v) in fields {
            let _ = js_sys::Reflect::set(&msg, &(*k).into(), v);
        }
        let _ = scope.post_message(&msg);
    }

    pub(crate) fn field(data: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    pub(crate) fn bytes_of(data: &JsValue, key: &str) -> Vec<u8> {
        field(data, key)
            .dyn_into::<Uint8Array>()
            .map(|b| b.to_vec())
            .unwrap_or_default()
    }

    pub(crate) fn text_of(data: &JsValue, key: &str) -> String {
        field(data, key).as_string().unwrap_or_default()
    }

    pub(crate) fn hashes_of(data: &JsValue) -> Result<Vec<FileHash>, String> {
        let raw = bytes_of(data, "hashes");
        if !raw.len().is_multiple_of(32) {
            return Err("the files' fingerprints were not sent whole".into());
        }
        Ok(raw
            .chunks_exact(32)
            .map(|h| FileHash(h.try_into().expect("32 bytes")))
            .collect())
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
        let db = db::open(&text_of(data, "db")).await?;
        let files: Vec<(FileHash, Uint8Array)> = hashes.into_iter().zip(files).collect();
        let stored = db::put_files(&db, &files).await;
        db.close();
        Ok(vec![("stored", (stored? as u32).into())])
    }

    /// The bytes this browser holds of `hashes` (sorted and each made
    /// unique here), in hash order. A stored file that no longer matches
    /// its hash counts as not here: written into a zip it would be refused
    /// when opened.
    async fn stored(
        data: &JsValue,
        hashes: &mut Vec<FileHash>,
    ) -> Result<Vec<(FileHash, Vec<u8>)>, String> {
        hashes.sort_unstable();
        hashes.dedup();
        let db = db::open(&text_of(data, "db")).await?;
        let found = db::read_files(&db, hashes).await.map_err(|e| {
            format!(
                "the attached files could not be read from this browser ({})",
                db::js_words(&e)
            )
        })?;
        db.close();
        Ok(hashes
            .iter()
            .zip(found)
            .filter_map(|(h, b)| b.filter(|b| FileHash::of(b) == *h).map(|b| (*h, b)))
            .collect())
    }

    async fn write_container(data: &JsValue) -> Result<Fields, String> {
        let document = bytes_of(data, "document");
        if document.is_empty() {
            return Err("the workbook was not sent".into());
        }
        let mut hashes = hashes_of(data)?;
        let files = stored(data, &mut hashes).await?;
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
        let bytes: HashMap<FileHash, Vec<u8>> =
            stored(data, &mut hashes).await?.into_iter().collect();
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
            "relay" => relay::exchange(&data).await,
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
