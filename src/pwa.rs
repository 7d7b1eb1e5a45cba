//! The installable, offline app in the page: the connection badge, the
//! "new version" banner (and the service worker behind it), and the
//! storage-durability panel.
//!
//! The service worker itself is `public/sw.js`; `scripts/pwa-build.mjs`
//! writes it into `dist/` with the list of files to keep for offline use.
//! It is registered only in release builds: a cache-first worker would serve
//! stale files while developing, so debug builds remove any left behind.

use std::cell::Cell;

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    EventTarget, RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration,
    ServiceWorkerState, ServiceWorkerUpdateViaCache, StorageEstimate, StorageManager,
};

/// How often a long-open app asks whether a new version was published.
const UPDATE_CHECK_MS: i32 = 60 * 60 * 1000;

fn navigator() -> web_sys::Navigator {
    window().navigator()
}

/// `navigator.serviceWorker`, if this browser offers it here (it does not
/// on plain-http pages other than localhost).
fn service_workers() -> Option<ServiceWorkerContainer> {
    let nav = navigator();
    js_sys::Reflect::has(&nav, &JsValue::from_str("serviceWorker"))
        .unwrap_or(false)
        .then(|| nav.service_worker())
}

/// `navigator.storage`, if this browser offers it here.
fn storage_manager() -> Option<StorageManager> {
    let nav = navigator();
    js_sys::Reflect::has(&nav, &JsValue::from_str("storage"))
        .unwrap_or(false)
        .then(|| nav.storage())
}

/// Calls `f` on every `event` of `target`, for as long as the page lives.
fn listen(target: &EventTarget, event: &str, f: impl FnMut() + 'static) {
    let callback = Closure::<dyn FnMut()>::new(f);
    let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
    callback.forget();
}

/// Whether the browser says it is online, kept up to date.
fn online_signal() -> ReadSignal<bool> {
    let online = RwSignal::new(navigator().on_line());
    let _ = window_event_listener(leptos::ev::online, move |_| online.set(true));
    let _ = window_event_listener(leptos::ev::offline, move |_| online.set(false));
    online.read_only()
}

/// This build's version (from `<meta name="sms-build">`, written at build time).
fn build_version() -> Option<String> {
    document()
        .query_selector(r#"meta[name="sms-build"]"#)
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
}

/// Shows "Offline" while the browser has no network. Everything keeps
/// working; only the optional relay needs the network.
#[component]
pub fn ConnectivityBadge() -> impl IntoView {
    let online = online_signal();
    view! {
        <p
            role="status"
            class=move || if online.get() { "net-state visually-hidden" } else { "net-state offline" }
        >
            {move || if online.get() { "Online" } else { "Offline" }}
        </p>
    }
}

// --- updates -------------------------------------------------------------------

/// Registers the service worker (release builds) and offers
/// "New version available — Reload" once a new deployment has been fetched
/// in the background. It never reloads by itself: the person chooses when,
/// so nothing is interrupted in the middle of an edit.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let offer = Offer {
        available: RwSignal::new(false),
        dismissed: RwSignal::new(false),
    };
    let registration = StoredValue::new_local(None::<ServiceWorkerRegistration>);
    let reload_requested = RwSignal::new(false);

    if let Some(container) = service_workers() {
        if cfg!(debug_assertions) {
            spawn_local(remove_worker(container));
        } else {
            spawn_local(register(container, offer, registration, reload_requested));
        }
    }

    let reload = move |_| {
        reload_requested.set(true);
        // The new worker takes over, then `controllerchange` reloads the page.
        let waiting = registration.with_value(|r| r.as_ref().and_then(|r| r.waiting()));
        match waiting {
            Some(worker) => {
                let message = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&message, &"type".into(), &"skip-waiting".into());
                if worker.post_message(&message).is_err() {
                    let _ = window().location().reload();
                }
            }
            // Another tab already switched to the new version.
            None => {
                let _ = window().location().reload();
            }
        }
    };

    view! {
        <div class="update-slot pwa-ui" role="status">
            {move || (offer.available.get() && !offer.dismissed.get()).then(|| view! {
                <div class="banner update">
                    <p>
                        <strong>"New version available."</strong>
                        " Reload when you have finished your current change; your workbook stays as it is."
                    </p>
                    <button type="button" class="primary" on:click=reload>
                        "Reload"
                    </button>
                    <button type="button" on:click=move |_| offer.dismissed.set(true)>
                        "Later"
                    </button>
                </div>
            })}
        </div>
    }
}

/// Whether the banner offers a new version.
#[derive(Clone, Copy)]
struct Offer {
    available: RwSignal<bool>,
    /// "Later" hides the banner until another new version turns up.
    dismissed: RwSignal<bool>,
}

impl Offer {
    fn show(self) {
        self.available.set(true);
        self.dismissed.set(false);
    }
}

async fn register(
    container: ServiceWorkerContainer,
    offer: Offer,
    registration: StoredValue<Option<ServiceWorkerRegistration>, LocalStorage>,
    reload_requested: RwSignal<bool>,
) {
    // Relative to the page, so the app works at the root of a host and under
    // any sub-path; the worker's scope is the app's folder.
    let options = RegistrationOptions::new();
    options.set_scope("./");
    options.set_update_via_cache(ServiceWorkerUpdateViaCache::None);
    let reg = match JsFuture::from(container.register_with_options("sw.js", &options)).await {
        // A browser (or policy) that blocks service workers may answer with
        // nothing at all: the app then simply works without offline use.
        Ok(reg) if reg.is_undefined() || reg.is_null() => return,
        Ok(reg) => reg.unchecked_into::<ServiceWorkerRegistration>(),
        Err(e) => {
            web_sys::console::error_2(&"Offline use is not available:".into(), &e);
            return;
        }
    };
    registration.set_value(Some(reg.clone()));

    // Installed during an earlier visit, and waiting for this tab.
    if reg.waiting().is_some() && container.controller().is_some() {
        offer.show();
    }
    {
        let reg2 = reg.clone();
        let container = container.clone();
        listen(&reg, "updatefound", move || {
            let Some(worker) = reg2.installing() else {
                return;
            };
            let w = worker.clone();
            let container = container.clone();
            listen(&worker, "statechange", move || {
                // With no controller this is the first install, not an update.
                if w.state() == ServiceWorkerState::Installed && container.controller().is_some() {
                    offer.show();
                }
            });
        });
    }
    {
        let had_controller = Cell::new(container.controller().is_some());
        listen(&container, "controllerchange", move || {
            if reload_requested.get_untracked() {
                let _ = window().location().reload();
            } else if had_controller.get() {
                // Another tab took the new version: this one runs the old.
                offer.show();
            }
            had_controller.set(true);
        });
    }

    // Besides the browser's own check at each start, look for a new version
    // when the connection comes back, when the app is shown again, and hourly.
    let check = move || {
        if !navigator().on_line() {
            return;
        }
        if let Some(Ok(promise)) = registration.with_value(|r| r.as_ref().map(|r| r.update())) {
            // A failed check (no network) is retried next time.
            spawn_local(async move {
                let _ = JsFuture::from(promise).await;
            });
        }
    };
    let _ = window_event_listener(leptos::ev::online, move |_| check());
    listen(&document(), "visibilitychange", move || {
        if !document().hidden() {
            check();
        }
    });
    let _ = set_interval_with_handle(
        check,
        std::time::Duration::from_millis(UPDATE_CHECK_MS as u64),
    );
}

/// Debug builds: remove a worker a release build left at this address.
async fn remove_worker(container: ServiceWorkerContainer) {
    if let Ok(reg) = JsFuture::from(container.get_registration()).await {
        if let Some(reg) = reg.dyn_ref::<ServiceWorkerRegistration>() {
            if let Ok(done) = reg.unregister() {
                let _ = JsFuture::from(done).await;
            }
        }
    }
}

// --- storage -------------------------------------------------------------------

/// Space used, from `navigator.storage.estimate()`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Usage {
    total: f64,
    quota: f64,
    /// Chromium's breakdown: the workbooks (IndexedDB) and the offline copy
    /// of the app (Cache Storage).
    workbooks: Option<f64>,
    app_files: Option<f64>,
}

/// Whether the browser promised to keep this site's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Durability {
    Checking,
    Kept,
    MayBeCleared,
    /// Asked, and the browser said no.
    Refused,
    Unsupported,
}

async fn call_bool(promise: Result<js_sys::Promise, JsValue>) -> Option<bool> {
    JsFuture::from(promise.ok()?).await.ok()?.as_bool()
}

async fn ask_to_keep(storage: &StorageManager) -> Option<bool> {
    if call_bool(storage.persisted()).await? {
        return Some(true);
    }
    call_bool(storage.persist()).await
}

async fn estimate(storage: &StorageManager) -> Option<Usage> {
    let est: StorageEstimate = JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?
        .unchecked_into();
    let details = js_sys::Reflect::get(&est, &"usageDetails".into()).ok();
    let detail = |key: &str| {
        details
            .as_ref()
            .filter(|d| d.is_object())
            .and_then(|d| js_sys::Reflect::get(d, &key.into()).ok())
            .map(|v| v.as_f64().unwrap_or(0.0))
    };
    Some(Usage {
        total: est.get_usage()?,
        quota: est.get_quota()?,
        workbooks: detail("indexedDB"),
        app_files: detail("caches")
            .map(|c| c + detail("serviceWorkerRegistrations").unwrap_or(0.0)),
    })
}

/// A size in plain words: "820 bytes", "45 KB", "1.4 MB", "12 GB".
pub(crate) fn human_size(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000.0 {
        return format!("{} bytes", bytes.max(0.0).round());
    }
    let mut value = bytes / 1000.0;
    let mut unit = 0;
    while value >= 999.5 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value < 9.95 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

fn usage_text(u: Usage) -> String {
    match (u.workbooks, u.app_files) {
        (Some(w), Some(a)) => format!(
            "Your workbooks use {}. The copy of the app kept for offline use takes {}. This browser lets the app use up to {}.",
            human_size(w),
            human_size(a),
            human_size(u.quota)
        ),
        _ => format!(
            "The app and your workbooks use {} of the {} this browser allows.",
            human_size(u.total),
            human_size(u.quota)
        ),
    }
}

fn explain(d: Durability) -> &'static str {
    match d {
        Durability::Checking => "Checking…",
        Durability::Kept => {
            "This browser has promised to keep your workbooks until you delete them yourself."
        }
        Durability::MayBeCleared | Durability::Refused => {
            "This browser has not promised to keep your workbooks. Browsers may delete the data of sites that have not been opened for a while, or when the device runs short of space. Installing SMS Workbook as an app and opening it often makes this less likely."
        }
        Durability::Unsupported => {
            "This browser cannot promise to keep your workbooks; it may delete them when the device runs short of space."
        }
    }
}

/// A small panel in the header: whether the browser promised to keep the
/// workbooks, how much space they use, and whether the app works offline.
/// On start it asks the browser to keep the data (`navigator.storage.persist()`).
#[component]
pub fn StorageStatus() -> impl IntoView {
    let durability = RwSignal::new(Durability::Checking);
    let usage = RwSignal::new(None::<Usage>);
    let files = RwSignal::new(None::<(u32, f64)>);
    let app = use_context::<crate::state::AppState>();
    let offline_ready = RwSignal::new(false);
    let online = online_signal();
    let version = build_version();

    let refresh = move || {
        offline_ready.set(
            !cfg!(debug_assertions) && service_workers().is_some_and(|c| c.controller().is_some()),
        );
        let Some(storage) = storage_manager() else {
            return;
        };
        spawn_local(async move {
            if let Some(kept) = call_bool(storage.persisted()).await {
                durability.update(|d| {
                    *d = match (kept, *d) {
                        (true, _) => Durability::Kept,
                        (false, Durability::Refused) => Durability::Refused,
                        (false, _) => Durability::MayBeCleared,
                    }
                });
            }
            usage.set(estimate(&storage).await);
            if let Some(store) = app.and_then(|s| s.store()) {
                files.set(store.files_usage().await.ok());
            }
        });
    };

    match storage_manager() {
        Some(storage) => spawn_local(async move {
            durability.set(match ask_to_keep(&storage).await {
                Some(true) => Durability::Kept,
                Some(false) => Durability::MayBeCleared,
                None => Durability::Unsupported,
            });
        }),
        None => durability.set(Durability::Unsupported),
    }

    let ask = move |_| {
        let Some(storage) = storage_manager() else {
            return;
        };
        spawn_local(async move {
            durability.set(match call_bool(storage.persist()).await {
                Some(true) => Durability::Kept,
                Some(false) => Durability::Refused,
                None => Durability::Unsupported,
            });
        });
    };

    let summary = move || match durability.get() {
        Durability::Kept => "Storage: kept",
        Durability::MayBeCleared | Durability::Refused => "Storage: may be cleared",
        Durability::Checking | Durability::Unsupported => "Storage",
    };
    let explanation = move || explain(durability.get());

    view! {
        <details
            class="storage pwa-ui"
            on:toggle=move |ev| {
                if event_target::<web_sys::HtmlDetailsElement>(&ev).open() {
                    refresh();
                }
            }
        >
            <summary>{summary}</summary>
            <div class="storage-panel">
                <h2 class="panel-title">"Storage on this device"</h2>
                <p class="durability">{explanation}</p>
                {move || matches!(durability.get(), Durability::MayBeCleared | Durability::Refused).then(|| view! {
                    <button type="button" on:click=ask>
                        "Ask the browser to keep them"
                    </button>
                })}
                {move || (durability.get() == Durability::Refused).then(|| view! {
                    <p class="hint" role="status">
                        "The browser said no for now. It decides by itself, usually once the app is installed or used often."
                    </p>
                })}
                {move || usage.get().map(|u| view! { <p class="usage">{usage_text(u)}</p> })}
                {move || files.get().map(|(n, bytes)| view! {
                    <p class="usage-files">{match n {
                        0 => "No attached files are stored on this device.".to_owned(),
                        1 => format!("Attached files: 1 file, {}.", human_size(bytes)),
                        n => format!("Attached files: {n} files, {}.", human_size(bytes)),
                    }}</p>
                })}
                <p class="offline-use">
                    {move || {
                        if !online.get() {
                            "You are offline. You can keep working: everything is saved on this device."
                        } else if offline_ready.get() {
                            "The app is kept on this device and starts without a network connection."
                        } else {
                            "This browser is not keeping a copy of the app for use without a network connection."
                        }
                    }}
                </p>
                {version.map(|v| {
                    let short: String = v.chars().take(8).collect();
                    view! { <p class="hint">"Version " {short}</p> }
                })}
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(0.0), "0 bytes");
        assert_eq!(human_size(820.0), "820 bytes");
        assert_eq!(human_size(1_000.0), "1.0 KB");
        assert_eq!(human_size(45_300.0), "45 KB");
        assert_eq!(human_size(999_400.0), "999 KB");
        assert_eq!(human_size(999_600.0), "1.0 MB");
        assert_eq!(human_size(1_430_000.0), "1.4 MB");
        assert_eq!(human_size(12_000_000_000.0), "12 GB");
    }

    #[test]
    fn usage_names_the_workbooks_when_the_browser_says() {
        let u = Usage {
            total: 1_500_000.0,
            quota: 10e9,
            workbooks: Some(52_000.0),
            app_files: Some(1_400_000.0),
        };
        assert_eq!(
            usage_text(u),
            "Your workbooks use 52 KB. The copy of the app kept for offline use takes 1.4 MB. This browser lets the app use up to 10 GB."
        );
        let u = Usage {
            workbooks: None,
            app_files: None,
            ..u
        };
        assert_eq!(
            usage_text(u),
            "The app and your workbooks use 1.5 MB of the 10 GB this browser allows."
        );
    }
}
