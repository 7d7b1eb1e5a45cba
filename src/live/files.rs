//! Attached files of a workbook shared live: their bytes travel through
//! the relay on the zip worker's own conversation with the room (see
//! `crates/zipworker`, docs/RELAY.md "Attached files"), never through the
//! page.

use leptos::prelude::Update;

use super::Live;
use crate::{carry, state::AppState, worker::ask};

thread_local! {
    /// A conversation with the relay is running; `AGAIN`: asked for once
    /// more meanwhile.
    static RUNNING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static AGAIN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Seconds to wait before each try: files neither here nor in the room may
/// still be on their way (the person who attached them is sending them).
const RETRY_SECONDS: [i32; 5] = [0, 2, 5, 15, 45];

/// Sends the files the shared workbook's room lacks and fetches the ones
/// this browser lacks, through the zip worker's own conversation with the
/// relay (which remembers the files known to be both here and there, and
/// then does not connect), when the open workbook is shared live. At most
/// one runs; a call meanwhile makes it try once more.
pub(crate) fn relay_files(state: AppState, live: Live) {
    if RUNNING.replace(true) {
        AGAIN.set(true);
        return;
    }
    leptos::task::spawn_local(async move {
        for wait in RETRY_SECONDS {
            crate::platform::sleep(wait * 1000).await;
            AGAIN.set(false);
            let Some(s) = live.settings() else { break };
            let Ok(url) = crate::share_link::socket_url(&s.relay) else {
                break;
            };
            let msg = carry::message(
                "relay",
                &[
                    ("url", &url.into()),
                    ("room", &s.room.as_str().into()),
                    ("key", &s.key.as_str().into()),
                    ("since", &(s.seq as f64).into()),
                    ("hashes", &carry::referenced(state).into()),
                ],
            );
            // Offline, or the relay is down: the next connection asks.
            let Ok(data) = ask(carry::WORKER, "zip", msg).await else {
                break;
            };
            if carry::count(&data, "fetched") > 0 {
                state.files.update(|n| *n += 1);
            }
            if carry::count(&data, "missing") == 0 && !AGAIN.get() {
                break;
            }
        }
        RUNNING.set(false);
    });
}
