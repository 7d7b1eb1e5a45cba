//! Hash routes, so the browser's back button and bookmarks work and a static
//! host needs no rewrite rules.
//!
//! `#/r/<register>` list · `#/r/<register>/new` · `#/r/<register>/deleted` ·
//! `#/record/<id>` one record · `#/checklist` · `#/checklist/<clause>` ·
//! `#/dashboard` (the start page) · `#/workbooks` · `#/conflicts` · `#/activity`.

use leptos::prelude::*;
use sms_core::{registers, RecordId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    List(&'static str),
    New(&'static str),
    Deleted(&'static str),
    /// Import a CSV file into a register.
    Import(&'static str),
    Record(RecordId),
    Dashboard,
    Workbooks,
    Checklist,
    /// One checklist item, by clause number.
    Item(&'static str),
    /// Records with fields that people changed at the same time.
    Conflicts,
    /// Every change to the workbook, newest first.
    Activity,
    /// The list of reports, and one report by key.
    Reports,
    Report(&'static str),
    /// A share link: join a workbook shared live.
    Join(crate::share_link::Invite),
}

pub const HOME: Route = Route::Dashboard;

impl Route {
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        if path == "join" {
            return crate::share_link::remembered()
                .map(Route::Join)
                .unwrap_or(HOME);
        }
        let parts: Vec<&str> = path.split('/').collect();
        let reg = |id: &str| registers::register(id).map(|d| d.id);
        match parts.as_slice() {
            ["r", id] => reg(id).map(Route::List),
            ["r", id, "new"] => reg(id).map(Route::New),
            ["r", id, "deleted"] => reg(id).map(Route::Deleted),
            ["r", id, "import"] => reg(id).map(Route::Import),
            ["record", id] => RecordId::parse(id).map(Route::Record),
            ["dashboard"] => Some(Route::Dashboard),
            ["workbooks"] => Some(Route::Workbooks),
            ["checklist"] => Some(Route::Checklist),
            ["conflicts"] => Some(Route::Conflicts),
            ["activity"] => Some(Route::Activity),
            ["reports"] => Some(Route::Reports),
            ["reports", k] => sms_core::reports::KINDS
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|(key, _, _)| Route::Report(key)),
            ["checklist", n] => sms_core::catalogue::clause(n)
                .filter(|c| sms_core::catalogue::is_checklist_item(c))
                .map(|c| Route::Item(c.number)),
            _ => None,
        }
        .unwrap_or(HOME)
    }

    pub fn href(&self) -> String {
        match self {
            Route::List(r) => format!("#/r/{r}"),
            Route::New(r) => format!("#/r/{r}/new"),
            Route::Deleted(r) => format!("#/r/{r}/deleted"),
            Route::Import(r) => format!("#/r/{r}/import"),
            Route::Record(id) => format!("#/record/{id}"),
            Route::Dashboard => "#/dashboard".into(),
            Route::Workbooks => "#/workbooks".into(),
            Route::Checklist => "#/checklist".into(),
            Route::Item(n) => format!("#/checklist/{n}"),
            Route::Conflicts => "#/conflicts".into(),
            Route::Activity => "#/activity".into(),
            Route::Reports => "#/reports".into(),
            Route::Report(k) => format!("#/reports/{k}"),
            // The link itself is kept in memory, never in the address.
            Route::Join(_) => "#/join".into(),
        }
    }
}

/// The address's route; a share link in it is read and taken out first.
fn current_hash() -> String {
    crate::share_link::take_from_address();
    window().location().hash().unwrap_or_default()
}

/// The current route, following `hashchange`.
pub fn provide_route() -> RwSignal<Route> {
    let route = RwSignal::new(Route::parse(&current_hash()));
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        route.set(Route::parse(&current_hash()));
    });
    on_cleanup(move || handle.remove());
    provide_context(route);
    route
}

/// Goes to `to` (adds a history entry).
pub fn navigate(to: &Route) {
    if let Route::Join(invite) = to {
        crate::share_link::remember(invite.clone());
    }
    let _ = window().location().set_hash(&to.href());
}
