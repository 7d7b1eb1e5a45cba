//! A modal question before something irreversible-looking: the person
//! confirms, or backs out with Escape or the safe button (focused first).

use leptos::{html, prelude::*};

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called when the person backs out (button, Escape, or closing).
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
    /// Called when the person confirms.
    on_confirm: impl Fn() + Copy + Send + Sync + 'static,
    /// The dialog's heading.
    title: String,
    /// What will happen, in words.
    #[prop(into)]
    body: Signal<String>,
    confirm_label: &'static str,
    /// An error to show if confirming failed.
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let Some(d) = dialog.get() else { return };
        if open.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
        } else if d.open() {
            d.close();
        }
    });
    view! {
        <dialog node_ref=dialog class="confirm" aria-labelledby="confirm-title" on:close=move |_| on_cancel()>
            <h2 id="confirm-title">{title}</h2>
            <p>{body}</p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button type="button" class="danger" on:click=move |_| on_confirm()>{confirm_label}</button>
                <button type="button" autofocus on:click=move |_| on_cancel()>"Keep it"</button>
            </div>
        </dialog>
    }
}
