//! Obec Brewing: the home page says today's truck in a sentence, "Food truck: <name> 4:00 -
//! 8:00". A configurable pattern (group 1 the name, group 2 the hours) finds it.

use atg_core::FoodTruckEvent;
use regex::{Regex, RegexBuilder};

use crate::bounded::html_document;
use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::text::collapse_ws;
use crate::timeparse::{on_day, parse_dash_range};

/// The original's pattern (with en and em dashes too), used when the brewery sets none.
pub const DEFAULT_PATTERN: &str = r"Food truck:\s*([^0-9]+)\s*([0-9:]+\s*[-–—]\s*[0-9:]+)";

#[derive(Debug, Clone)]
pub struct Obec {
    url: String,
    pattern: Regex,
}

impl Obec {
    pub fn new(brewery: &atg_core::Brewery, s: ObecSettings) -> Result<Self, String> {
        let raw = s.pattern.unwrap_or_else(|| DEFAULT_PATTERN.to_string());
        Ok(Self {
            url: brewery.url.clone(),
            pattern: compile(&raw)?,
        })
    }
}

/// `"parser": "text-pattern"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObecSettings {
    /// The name/hours pattern (group 1 the name, group 2 the hours); else [`DEFAULT_PATTERN`].
    #[serde(default, deserialize_with = "crate::source::text")]
    pub pattern: Option<String>,
}

impl OnePage for Obec {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, &self.pattern, ctx)
    }
}

/// Compiles a name/hours pattern, case-insensitively; it needs two capture groups.
pub fn compile(raw: &str) -> Result<Regex, String> {
    let re = RegexBuilder::new(raw)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("pattern: not a valid regular expression: {e}"))?;
    if re.captures_len() < 3 {
        return Err("pattern: needs two capture groups (name, hours)".to_string());
    }
    Ok(re)
}

/// Today's truck, if the page names one; the page only ever shows today.
pub fn parse(
    body: &str,
    pattern: &Regex,
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let doc = html_document(require_body(body, "Obec page")?, &ctx.budget)?;
    let text = doc.root_element().text().collect::<String>();
    let Some(c) = pattern.captures(&text) else {
        return Ok(Vec::new());
    };
    let name = collapse_ws(c.get(1).map_or("", |m| m.as_str()));
    if name.is_empty() {
        return Ok(Vec::new());
    }
    let mut ev = ctx.event(name, ctx.today);
    if let Some(range) = c.get(2).and_then(|m| parse_dash_range(m.as_str())) {
        let (s, e) = on_day(ctx.today, range);
        ev.start_time = Some(s);
        ev.end_time = Some(e);
    }
    Ok(vec![ev])
}
