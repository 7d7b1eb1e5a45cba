//! The live status in the header, "Share live" on the workbooks page and
//! the page a share link opens.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::settings::*;
use super::*;
use crate::share_link::Invite;
use crate::state::AppState;

/// The live status in the header, when the workbook is shared.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let live = expect_context::<Live>();
    move || {
        live.status.get().map(|s| {
            let detail = match &s {
                LiveStatus::Error(why) => Some(why.clone()),
                _ => None,
            };
            view! {
                <span role="status" aria-live="polite">
                    <a class=format!("live-state {}", s.class()) href=crate::route::Route::Workbooks.href() title=detail.clone().unwrap_or_default()>
                        {s.words()}
                    </a>
                </span>
            }
        })
    }
}

/// Puts `text` on the clipboard; `true` only once the browser says it did
/// (the clipboard is missing outside secure pages, and may be refused).
async fn copy_text(text: &str) -> bool {
    let clipboard = js_sys::Reflect::get(&window().navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        return false;
    };
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .is_ok()
}

/// "Share live" on the workbooks page.
#[component]
pub fn ShareLive() -> impl IntoView {
    let state = expect_context::<AppState>();
    let live = expect_context::<Live>();
    let relay = RwSignal::new(LocalStorage::get::<String>(LAST_RELAY_KEY).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let link = live.link;
    // Whether the last "Copy link" worked; `None` before any.
    let copied = RwSignal::new(None::<bool>);
    let link_input = NodeRef::<leptos::html::Input>::new();
    let pasted = RwSignal::new(String::new());
    let join_error = RwSignal::new(None::<String>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let r = relay.get_untracked();
        match live.start(state, &r) {
            Ok(()) => {
                if LocalStorage::set(LAST_RELAY_KEY, r.trim()).is_err() {
                    live.relay_not_stored();
                }
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let copy = move |_| {
        if let Some(l) = link.get_untracked() {
            copied.set(None);
            leptos::task::spawn_local(async move {
                let ok = copy_text(&l).await;
                copied.set(Some(ok));
                if !ok {
                    // Ready for the person to copy by hand.
                    if let Some(input) = link_input.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                }
            });
        }
    };
    view! {
        <h3>"Share live"</h3>
        <p class="hint">
            "Edit this workbook together in real time through a relay. Everything is encrypted in this browser before it leaves; the relay stores and forwards only sealed messages and can never read them. The key is part of the link, so send the link only to people who may see this workbook."
        </p>
        {move || match link.get() {
            None => view! {
                <form class="share-live" on:submit=start>
                    <label for="relay-url">"Relay address"</label>
                    <input
                        id="relay-url"
                        type="url"
                        placeholder="wss://relay.example.org"
                        prop:value=relay
                        on:input=move |ev| relay.set(event_target_value(&ev))
                    />
                    <button type="submit">"Start sharing live"</button>
                </form>
            }.into_any(),
            Some(l) => view! {
                <div class="share-live">
                    <label for="share-link">"Link to this shared workbook"</label>
                    <input id="share-link" type="text" readonly prop:value=l node_ref=link_input />
                    <p class="buttons">
                        <button type="button" on:click=copy>"Copy link"</button>
                        <button type="button" on:click=move |_| { live.leave(); copied.set(None); }>
                            "Stop sharing live"
                        </button>
                        {live.is_owner().then(|| view! {
                            <button type="button" on:click=move |_| match live.rotate(state) {
                                Ok(()) => copied.set(None),
                                Err(e) => live.warning.set(Some(e)),
                            }>
                                "Make a new link"
                            </button>
                            <button type="button" on:click=move |_| {
                                if live.delete_for_everyone() {
                                    copied.set(None);
                                } else {
                                    live.warning.set(Some("Not connected to the relay: stopping for everyone needs the relay. Try again when it says “Live: connected”.".into()));
                                }
                            }>
                                "Stop sharing for everyone"
                            </button>
                        })}
                    </p>
                    {move || match copied.get() {
                        Some(true) => Some(view! { <p class="notice" role="status">"Link copied."</p> }.into_any()),
                        Some(false) => Some(view! {
                            <p class="field-error" role="alert">"Could not copy the link; select it and copy it yourself."</p>
                        }.into_any()),
                        None => None,
                    }}
                </div>
            }.into_any(),
        }}
        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        <form class="share-live" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = pasted.get_untracked();
            match text.split_once("#/join/").and_then(|(_, rest)| Invite::parse(rest.trim())) {
                Some(invite) => {
                    join_error.set(None);
                    crate::route::navigate(&crate::route::Route::Join(invite));
                }
                None => join_error.set(Some("That is not a link to a shared workbook. Copy the whole link, starting with https://.".into())),
            }
        }>
            <label for="join-link">"Join a workbook someone shared with you: paste its link"</label>
            <input
                id="join-link"
                type="text"
                autocomplete="off"
                prop:value=pasted
                on:input=move |ev| pasted.set(event_target_value(&ev))
            />
            <button type="submit">"Open link"</button>
        </form>
        {move || join_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        {move || match live.status.get() {
            Some(LiveStatus::Error(why)) => Some(view! { <p class="field-error" role="alert">{why}</p> }),
            _ => None,
        }}
        {move || live.warning.get().map(|w| view! { <p class="field-error" role="alert">{w}</p> })}
        {move || live.ended.get().map(|w| view! { <p class="notice" role="status">{w}</p> })}
    }
}

/// The page a share link opens. The room is read first; when this
/// browser already holds the same workbook, nothing is merged or sent
/// until the person chooses.
#[component]
pub fn JoinPage(invite: Invite) -> impl IntoView {
    let state = expect_context::<AppState>();
    let live = expect_context::<Live>();
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    let reading = RwSignal::new_local(None::<join::Reading>);
    let relay = invite.relay.clone();
    let finish = move |r: Result<String, String>| {
        busy.set(false);
        message.set(Some(match r {
            Ok(m) => (true, m),
            Err(e) => (false, e),
        }));
    };
    let start = move || {
        if busy.get_untracked() {
            return false;
        }
        busy.set(true);
        message.set(None);
        true
    };
    let invite = StoredValue::new(invite);
    let join_it = move |_| {
        if !start() {
            return;
        }
        let invite = invite.get_value();
        leptos::task::spawn_local(async move {
            let read = match reading.get_untracked() {
                Some(r) => r,
                None => match join::read(state, &invite).await {
                    Ok(r) if r.mine.is_some() => {
                        // The person chooses first.
                        reading.set(Some(r));
                        busy.set(false);
                        return;
                    }
                    Ok(r) => r,
                    Err(e) => return finish(Err(e)),
                },
            };
            finish(join::join(state, live, &invite, &read).await);
        });
    };
    let keep_apart = move |_| {
        if !start() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(read) = reading.get_untracked() else {
                return finish(Err("Read the shared workbook first.".into()));
            };
            finish(join::keep_apart(state, &read).await);
        });
    };
    let skipped = move || {
        reading.with(|r| r.as_ref().map(|r| r.skipped())).filter(|n| *n > 0).map(|n| {
            let what = if n == 1 { "One message".to_owned() } else { format!("{n} messages") };
            view! {
                <p class="notice" role="status">
                    {format!("{what} in the shared workbook could not be read (damaged, or not sealed with this link's key) and {} left out.", if n == 1 { "was" } else { "were" })}
                </p>
            }
        })
    };
    let choice = move || {
        reading.with(|r| r.as_ref().and_then(|r| r.mine.clone())).map(|mine| {
            let what = match mine.records {
                Some(1) => "1 record".to_owned(),
                Some(n) => format!("{n} records"),
                None => "all its records".to_owned(),
            };
            view! {
                <div class="join-warning" role="alert" aria-labelledby="join-mine-heading">
                    <h3 id="join-mine-heading">"You already have this workbook"</h3>
                    <p>{format!("This link shares the same workbook as your “{}” in this browser. Joining merges the two and sends your copy — {what}, with their history — to everyone who has this link, including whoever made it. Join only if you know who sent it and they may see your copy.", mine.name)}</p>
                    <p>"Or keep what the link shares as a separate workbook in this browser: yours stays as it is, nothing of it is sent, and the separate copy is not shared live."</p>
                </div>
                <p class="buttons">
                    <button type="button" class="primary" on:click=join_it aria-disabled=move || busy.get().to_string()>
                        "Join and send my copy"
                    </button>
                    <button type="button" on:click=keep_apart aria-disabled=move || busy.get().to_string()>
                        "Keep as a separate copy"
                    </button>
                    <a class="button" href=crate::route::Route::Dashboard.href()>"Do not join"</a>
                </p>
            }
        })
    };
    view! {
        <section aria-labelledby="join-heading">
            <h2 id="join-heading">"Join a shared workbook"</h2>
            <p>{format!("Someone shared a workbook with you through the relay at {relay}. Joining copies it into this browser and keeps it in step with everyone else's edits: from then on, what you change in it is sent, encrypted, to everyone who has the link.")}</p>
            {move || reading.with(|r| r.as_ref().is_none_or(|r| r.mine.is_none())).then(|| view! {
                <p class="buttons">
                    <button type="button" class="primary" on:click=join_it aria-disabled=move || busy.get().to_string()>
                        "Join this workbook"
                    </button>
                    <a class="button" href=crate::route::Route::Dashboard.href()>"Not now"</a>
                </p>
            })}
            {skipped}
            {choice}
            {crate::display::busy_note(busy, "Fetching the shared workbook…")}
            {crate::display::said(message)}
        </section>
    }
}
