//! A small, safe Markdown subset for notes: paragraphs, headings, bullet and
//! numbered lists, quotes, code, **bold**, *italic*, `code` and links.
//!
//! The output is a tree of text, never HTML: the app turns it into DOM text
//! nodes, so markup typed into a note (`<script>`, `<img onerror=…>`) shows
//! as the characters typed and nothing in a note ever runs. Links are kept
//! only for `http:`, `https:` and `mailto:` addresses.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Emphasis(String),
    Code(String),
    Link { text: String, href: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Quote(Vec<Inline>),
    Code(String),
}

/// Parses `src` into blocks.
pub fn parse(src: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut lines = src.lines().peekable();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::Paragraph(inline(&para.join(" "))));
            para.clear();
        }
    };
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut para, &mut blocks);
        } else if t.starts_with("```") {
            flush(&mut para, &mut blocks);
            let mut code = Vec::new();
            for l in lines.by_ref() {
                if l.trim().starts_with("```") {
                    break;
                }
                code.push(l);
            }
            blocks.push(Block::Code(code.join("\n")));
        } else if let Some((level, rest)) = heading(t) {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Heading(level, inline(rest)));
        } else if let Some(rest) = t.strip_prefix('>') {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Quote(inline(rest.trim())));
        } else if let Some((ordered, first)) = list_item(t) {
            flush(&mut para, &mut blocks);
            let mut items = vec![inline(first)];
            while let Some(next) = lines.peek() {
                match list_item(next.trim()) {
                    Some((o, text)) if o == ordered => {
                        items.push(inline(text));
                        lines.next();
                    }
                    _ => break,
                }
            }
            blocks.push(Block::List { ordered, items });
        } else {
            para.push(t);
        }
    }
    flush(&mut para, &mut blocks);
    blocks
}

fn heading(t: &str) -> Option<(u8, &str)> {
    let hashes = t.bytes().take_while(|b| *b == b'#').count();
    let rest = t[hashes..].strip_prefix(' ')?;
    (1..=6)
        .contains(&hashes)
        .then_some((hashes as u8, rest.trim()))
}

fn list_item(t: &str) -> Option<(bool, &str)> {
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        if let Some(rest) = t[digits..].strip_prefix(". ") {
            return Some((true, rest));
        }
    }
    None
}

fn safe_href(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Parses the inline markup of one line.
pub fn inline(s: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    let push_text = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let span = |open: &str, close: &str| -> Option<(String, usize)> {
            let body = rest.strip_prefix(open)?;
            let end = body.find(close)?;
            let inner = &body[..end];
            // Like Markdown, `2 * 3 * 4` is not emphasis.
            let flanked =
                !inner.starts_with(char::is_whitespace) && !inner.ends_with(char::is_whitespace);
            (end > 0 && flanked).then(|| (inner.to_owned(), open.len() + end + close.len()))
        };
        let found = if rest.starts_with("**") {
            span("**", "**").map(|(t, n)| (Inline::Strong(t), n))
        } else if c == '*' || c == '_' {
            let d = &rest[..1];
            span(d, d).map(|(t, n)| (Inline::Emphasis(t), n))
        } else if c == '`' {
            span("`", "`").map(|(t, n)| (Inline::Code(t), n))
        } else if c == '[' {
            link(rest)
        } else {
            None
        };
        match found {
            Some((node, n)) => {
                push_text(&mut text, &mut out);
                out.push(node);
                rest = &rest[n..];
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    push_text(&mut text, &mut out);
    out
}

fn link(rest: &str) -> Option<(Inline, usize)> {
    let close = rest.find("](")?;
    let text = &rest[1..close];
    let after = &rest[close + 2..];
    let end = after.find(')')?;
    let href = &after[..end];
    let n = close + 2 + end + 1;
    if safe_href(href) && !text.is_empty() {
        Some((
            Inline::Link {
                text: text.to_owned(),
                href: href.trim().to_owned(),
            },
            n,
        ))
    } else {
        // Not a link we allow: what was typed stays text.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    #[test]
    fn blocks_and_inline_markup() {
        let md = "# Evidence\nSee the **approved** policy,\n*version 3*.\n\n- one `code`\n- [site](https://example.org)\n\n1. first\n2. second\n> quoted";
        assert_eq!(
            parse(md),
            vec![
                Block::Heading(1, vec![Text("Evidence".into())]),
                Block::Paragraph(vec![
                    Text("See the ".into()),
                    Strong("approved".into()),
                    Text(" policy, ".into()),
                    Emphasis("version 3".into()),
                    Text(".".into()),
                ]),
                Block::List {
                    ordered: false,
                    items: vec![
                        vec![Text("one ".into()), Code("code".into())],
                        vec![Link {
                            text: "site".into(),
                            href: "https://example.org".into()
                        }],
                    ]
                },
                Block::List {
                    ordered: true,
                    items: vec![vec![Text("first".into())], vec![Text("second".into())]]
                },
                Block::Quote(vec![Text("quoted".into())]),
            ]
        );
    }

    #[test]
    fn markup_and_script_stay_text() {
        let md = "<script>alert(1)</script> <img src=x onerror=alert(2)>";
        assert_eq!(parse(md), vec![Block::Paragraph(vec![Text(md.into())])]);
    }

    #[test]
    fn only_web_and_mail_links_are_links() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            " JaVaScRiPt:x",
            "vbscript:x",
        ] {
            let md = format!("[click]({bad})");
            assert_eq!(
                parse(&md),
                vec![Block::Paragraph(vec![Text(md.clone())])],
                "{bad}"
            );
        }
        assert!(
            matches!(&parse("[mail](mailto:a@b.c)")[0], Block::Paragraph(v) if matches!(v[0], Link { .. }))
        );
    }

    #[test]
    fn unclosed_markup_is_text() {
        assert_eq!(
            inline("2 * 3 and **open"),
            vec![Text("2 * 3 and **open".into())]
        );
        assert_eq!(
            parse("```\n<b>x</b>\n```"),
            vec![Block::Code("<b>x</b>".into())]
        );
    }
}
