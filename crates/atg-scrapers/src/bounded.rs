//! Documents read under a [`Budget`]: before a library builds a tree from a stranger's bytes
//! (html5ever a DOM, serde_json a `Value`), a linear scan of the bytes checks how deep they
//! nest and how many nodes they would make. html5ever's tree builder and the CSS selector
//! matcher both cost time in proportion to the depth for every element (a page of 40,000
//! nested `<div>`s takes minutes), and every node costs memory, so these are refused before
//! the tree exists.

use atg_core::Limit;
use scraper::Html;
use serde_json::Value;

use crate::budget::{Budget, JSON_NESTING};
use crate::source::ParseError;

/// Elements whose end tag a page may leave out (the parser closes them), and elements that
/// have no content: neither deepens the tree as written.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "rb", "rt", "rtc", "rp", "colgroup", "caption", "html", "head", "body",
    "frame", "basefont", "bgsound", "keygen", "menuitem", "image",
];

/// Elements whose content is text, not markup (a `<div>` inside a script's string is text).
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "iframe",
    "plaintext",
    "noscript",
];

/// How deep a page's elements nest and how many there are, read from its tags.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub depth: u64,
    pub elements: u64,
}

fn tag_name(bytes: &[u8], from: usize) -> (String, usize) {
    let mut end = from;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'-') {
        end += 1;
    }
    let name = String::from_utf8_lossy(&bytes[from..end]).to_ascii_lowercase();
    (name, end)
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

/// The [`Shape`] of `html`, in one pass over its bytes (comments, declarations and raw-text
/// elements skipped), stopping as soon as `stop` says it is too big.
pub fn html_shape(html: &str, stop: impl Fn(&Shape) -> bool) -> Shape {
    let b = html.as_bytes();
    let mut shape = Shape::default();
    let mut depth: u64 = 0;
    let mut i = 0;
    while let Some(lt) = memchr(b'<', b, i) {
        i = lt + 1;
        match b.get(i) {
            Some(b'!') => {
                i = if b.get(i..i + 3) == Some(b"!--") {
                    find(b, i + 3, b"-->").map_or(b.len(), |e| e + 3)
                } else {
                    memchr(b'>', b, i).map_or(b.len(), |e| e + 1)
                };
            }
            Some(b'?') => i = memchr(b'>', b, i).map_or(b.len(), |e| e + 1),
            Some(b'/') => {
                let (name, end) = tag_name(b, i + 1);
                if !name.is_empty() && !NOT_NESTING.contains(&name.as_str()) {
                    depth = depth.saturating_sub(1);
                }
                i = end;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, end) = tag_name(b, i);
                i = memchr(b'>', b, end).map_or(b.len(), |e| e + 1);
                shape.elements += 1;
                if RAW_TEXT.contains(&name.as_str()) {
                    let close = format!("</{name}");
                    i = find(b, i, close.as_bytes()).unwrap_or(b.len());
                } else if !NOT_NESTING.contains(&name.as_str()) {
                    depth += 1;
                    shape.depth = shape.depth.max(depth);
                }
                if stop(&shape) {
                    break;
                }
            }
            _ => {}
        }
    }
    shape
}

fn memchr(needle: u8, haystack: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .iter()
        .position(|c| *c == needle)
        .map(|p| p + from)
}

/// Checks `html` against the budget's nesting and element limits.
fn check_html(html: &str, budget: &Budget) -> Result<(), ParseError> {
    let limits = budget.limits();
    let (max_depth, max_elements) = (limits.html_nesting, limits.html_elements);
    let shape = html_shape(html, |s| s.depth > max_depth || s.elements > max_elements);
    if shape.depth > max_depth {
        return Err(Budget::over(Limit::Nesting, max_depth));
    }
    if shape.elements > max_elements {
        return Err(Budget::over(Limit::Size, max_elements));
    }
    budget.check_time()
}

/// A whole HTML document, once its shape is within the budget.
pub fn html_document(body: &str, budget: &Budget) -> Result<Html, ParseError> {
    check_html(body, budget)?;
    Ok(Html::parse_document(body))
}

/// An HTML fragment (a description, an AJAX reply's markup), once its shape is within the
/// budget.
pub fn html_fragment(markup: &str, budget: &Budget) -> Result<Html, ParseError> {
    check_html(markup, budget)?;
    Ok(Html::parse_fragment(markup))
}

/// How many values a JSON text holds and how deep they nest, counted on its bytes (strings
/// skipped): every `[`, `{`, `,` and `:` starts at most one value.
fn json_shape(text: &str, stop: impl Fn(u64, u64) -> bool) -> (u64, u64) {
    let (mut values, mut depth, mut deepest) = (1u64, 0u64, 0u64);
    let mut in_string = false;
    let mut escaped = false;
    for &c in text.as_bytes() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                values += 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' | b':' => values += 1,
            _ => continue,
        }
        if stop(values, deepest) {
            break;
        }
    }
    (values, deepest)
}

/// Why a JSON document was not read.
#[derive(Debug)]
pub enum JsonError {
    Json(serde_json::Error),
    Budget(ParseError),
}

/// A JSON document, once its size is within the budget (serde_json itself refuses nesting
/// deeper than [`JSON_NESTING`] before it recurses; the scan says so first). Over budget is
/// a [`JsonError::Budget`] carrying the limit.
pub fn json_within(text: &str, budget: &Budget) -> Result<Value, JsonError> {
    let max = budget.limits().json_values;
    let (values, depth) = json_shape(text, |v, d| v > max || d > JSON_NESTING);
    if values > max {
        return Err(JsonError::Budget(Budget::over(Limit::Size, max)));
    }
    if depth > JSON_NESTING {
        return Err(JsonError::Budget(Budget::over(
            Limit::Nesting,
            JSON_NESTING,
        )));
    }
    budget.check_time().map_err(JsonError::Budget)?;
    serde_json::from_str(text).map_err(JsonError::Json)
}

/// A source's JSON reply (`what` names it in errors): not JSON is a parse error, and so is
/// going over the budget.
pub fn json_reply(text: &str, budget: &Budget, what: &str) -> Result<Value, ParseError> {
    json_within(text, budget).map_err(|e| match e {
        JsonError::Json(e) => ParseError::new(format!("{what} is not JSON: {e}")),
        JsonError::Budget(p) => p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_of_a_page_is_read_from_its_tags() {
        let page = "<!doctype html><html><head><title>a <div> b</title></head><body>\
            <div><p>one<p>two<ul><li>x<li>y</ul><img src=a><br></div>\
            <script>var s = '<div><div><div>';</script><!-- <div><div> --></body></html>";
        let s = html_shape(page, |_| false);
        assert_eq!(s.depth, 2);
        assert_eq!(s.elements, 13);
        let deep = "<div>".repeat(300);
        assert_eq!(html_shape(&deep, |_| false).depth, 300);
        let e = html_document(&deep, &Budget::default()).unwrap_err();
        assert_eq!(e.limit, Some(Limit::Nesting));
        assert!(html_document("<div>x</div>", &Budget::default()).is_ok());
    }

    #[test]
    fn json_is_counted_before_it_is_built() {
        assert_eq!(
            json_shape(r#"{"a": [1, 2, "x,y:{"], "b": {}}"#, |_, _| false),
            (9, 2)
        );
        let wide = format!("[{}0]", "0,".repeat(300_000));
        let e = json_reply(&wide, &Budget::default(), "reply").unwrap_err();
        assert_eq!(e.limit, Some(Limit::Size));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let e = json_reply(&deep, &Budget::default(), "reply").unwrap_err();
        assert_eq!(e.limit, Some(Limit::Nesting));
        let e = json_reply("{", &Budget::default(), "reply").unwrap_err();
        assert!(e.message.starts_with("reply is not JSON"), "{e}");
    }
}
