//! Notes rendered from `sms_core::markdown` blocks into DOM text nodes —
//! never `inner_html`, so nothing typed into a note can run.

use leptos::prelude::*;
use sms_core::markdown::{self, Block, Inline};

fn inlines(items: Vec<Inline>) -> impl IntoView {
    items
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) => t.into_any(),
            Inline::Strong(t) => view! { <strong>{t}</strong> }.into_any(),
            Inline::Emphasis(t) => view! { <em>{t}</em> }.into_any(),
            Inline::Code(t) => view! { <code>{t}</code> }.into_any(),
            Inline::Link { text, href } => {
                view! { <a href=href rel="noopener noreferrer" target="_blank">{text}</a> }
                    .into_any()
            }
        })
        .collect_view()
}

/// The rendered note.
#[component]
pub fn Markdown(#[prop(into)] source: Signal<String>) -> impl IntoView {
    move || {
        markdown::parse(&source.get())
            .into_iter()
            .map(|b| match b {
                Block::Paragraph(i) => view! { <p>{inlines(i)}</p> }.into_any(),
                // Note headings sit below the page's own headings.
                Block::Heading(1 | 2, i) => view! { <h4>{inlines(i)}</h4> }.into_any(),
                Block::Heading(_, i) => view! { <h5>{inlines(i)}</h5> }.into_any(),
                Block::List { ordered: false, items } => view! {
                    <ul>{items.into_iter().map(|i| view! { <li>{inlines(i)}</li> }).collect_view()}</ul>
                }
                .into_any(),
                Block::List { ordered: true, items } => view! {
                    <ol>{items.into_iter().map(|i| view! { <li>{inlines(i)}</li> }).collect_view()}</ol>
                }
                .into_any(),
                Block::Quote(i) => view! { <blockquote>{inlines(i)}</blockquote> }.into_any(),
                Block::Code(t) => view! { <pre><code>{t}</code></pre> }.into_any(),
            })
            .collect_view()
    }
}
