//! Chuck's Hop Shop Greenwood: a published Google Sheets CSV (the export URL redirects to a
//! CDN). Columns: weekday, `Aug 1`, time placeholder, `to`, end weekday, event type, event
//! name, metadata. Only rows of the configured event type are trucks; a meal prefix
//! (`Dinner: T'Juana`) is not part of the vendor's name.

use atg_core::{FoodTruckEvent, infer_year};

use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::text::collapse_ws;
use crate::timeparse::month_number;

#[derive(Debug, Clone)]
pub struct SheetsCsv {
    url: String,
    rules: Rules,
}

/// `"parser": "google-sheets-csv"`'s settings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetsCsvSettings {
    /// The type of the rows that are trucks (default `Food Truck`).
    #[serde(default, deserialize_with = "crate::source::text")]
    pub event_type_filter: Option<String>,
    /// Meal prefixes before a colon that are not the vendor's name (default brunch, dinner).
    #[serde(default)]
    pub name_prefixes: Option<Vec<String>>,
}

/// Which rows are trucks and how their names are written.
#[derive(Debug, Clone)]
pub struct Rules {
    pub event_type: String,
    /// Lower-case prefixes that precede the vendor's name before a colon.
    pub name_prefixes: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            event_type: "Food Truck".to_string(),
            name_prefixes: vec!["brunch".into(), "dinner".into()],
        }
    }
}

impl SheetsCsv {
    pub fn new(brewery: &atg_core::Brewery, s: SheetsCsvSettings) -> Result<Self, String> {
        let d = Rules::default();
        Ok(Self {
            url: brewery.url.clone(),
            rules: Rules {
                event_type: s.event_type_filter.unwrap_or(d.event_type),
                name_prefixes: s
                    .name_prefixes
                    .map(|l| l.iter().map(|p| p.trim().to_lowercase()).collect())
                    .unwrap_or(d.name_prefixes),
            },
        })
    }
}

impl OnePage for SheetsCsv {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, &self.rules, ctx)
    }
}

/// The trucks of a sheet. Rows that are not trucks or cannot be read are skipped; a body that
/// is not CSV at all has no truck rows.
pub fn parse(
    body: &str,
    rules: &Rules,
    ctx: &ParseContext,
) -> Result<Vec<FoodTruckEvent>, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(require_body(body, "CSV")?.as_bytes());
    let rows: Vec<csv::StringRecord> = ctx
        .budget
        .take_entries(reader.records())?
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let data = if rows.len() > 1 {
        &rows[1..]
    } else {
        &rows[..]
    };
    Ok(data
        .iter()
        .filter_map(|r| row_event(r, rules, ctx))
        .collect())
}

fn row_event(row: &csv::StringRecord, rules: &Rules, ctx: &ParseContext) -> Option<FoodTruckEvent> {
    if row.len() < 7 || row.iter().take(7).all(|c| c.trim().is_empty()) {
        return None;
    }
    if row.get(5)?.trim() != rules.event_type {
        return None;
    }
    let raw_name = row.get(6)?.trim();
    let name = vendor_name(raw_name, &rules.name_prefixes)?;
    let date = month_day(row.get(1)?, ctx)?;
    let mut ev = ctx.event(name, date);
    ev.description = Some(format!("Original event: {raw_name}"));
    Some(ev)
}

/// `Dinner: T'Juana` → `T'Juana`; other prefixes stay (`Pop-up: X` is the whole name).
pub fn vendor_name(raw: &str, prefixes: &[String]) -> Option<String> {
    let raw = collapse_ws(raw);
    let name = match raw.split_once(':') {
        Some((prefix, rest)) if prefixes.contains(&prefix.trim().to_lowercase()) => {
            rest.trim().to_string()
        }
        _ => raw,
    };
    (!name.is_empty()).then_some(name)
}

/// `Aug 1` with the year nearest today.
fn month_day(cell: &str, ctx: &ParseContext) -> Option<chrono::NaiveDate> {
    let mut parts = cell.split_whitespace();
    let (month, day) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || month.len() != 3 {
        return None;
    }
    infer_year(ctx.today, month_number(month)?, day.parse().ok()?)
}
