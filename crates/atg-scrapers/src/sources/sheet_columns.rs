//! A sheet or CSV read by columns (`"parser": "sheet-columns"`): a published Google Sheet
//! (`…/pub?output=csv`, which answers with a redirect to Google's CDN) or any CSV whose rows
//! are days. The entry says which column is which; a venue with a sheet needs no code.
//!
//! Settings (a column is a letter, `A`, `G`, `AA`, or the text of its header cell):
//! - `date_column` (required): the day. Read as `M/D/YYYY`, `M/D/YY` (20YY), `M/D` and
//!   `Sep 4` (a date without a year takes the year nearest today), unless `date_formats`
//!   names fewer of them.
//! - `month_day_column`: a `Sep 4` column read when the date column holds no date (only a
//!   weekday, say); `weekday_column` (default the date column): a weekday (`Sun`) that moves
//!   such a date to a neighbouring year when that year's calendar puts it on that weekday
//!   (a sheet that keeps last year's rows below this year's shows no phantom trucks).
//! - `vendor_column` (required): the truck. A row without one is not a truck (an event
//!   night); a spreadsheet error (`#VALUE!`, `#REF!`, `#N/A`, …) is never a vendor.
//! - `start_column` and `end_column` (hours such as `17`, `9`, `17:30`, `5PM`, `5:30 pm`), or
//!   `time_column` (a range such as `5PM-8:30PM`). Anything else, blank, or a midnight start
//!   (`12 AM`: a sheet's "no time") gives the truck without hours, never a wrong one.
//! - `type_column` and `event_type_filter`: keep only the rows of that type (`Food Truck`).
//! - `name_prefixes`: meal prefixes before a colon that are not the vendor's name
//!   (`Dinner: T'Juana` is `T'Juana`); `capitalize_words`: a vendor written in capitals is
//!   shown capitalised word by word (`WHERE YA AT, MATT?` → `Where Ya At, Matt?`);
//!   `describe_original`: the cell as written is the event's description
//!   (`Original event: Dinner: T'Juana`).
//! - `header_rows`: rows above the data (default 1).
//!
//! Plus the rules every source has (`include`, `exclude`, `vendor_from`, on the vendor).

use atg_core::{FoodTruckEvent, infer_year};
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use crate::fetch::Request;
use crate::source::{OnePage, ParseContext, ParseError, require_body};
use crate::text::collapse_ws;
use crate::timeparse::{find_range, month_number, on_day, parse_reading};

/// `"parser": "sheet-columns"`'s settings.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetColumnsSettings {
    #[serde(deserialize_with = "crate::source::required")]
    pub date_column: String,
    #[serde(default)]
    pub date_formats: Option<Vec<DateFormat>>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub month_day_column: Option<String>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub weekday_column: Option<String>,
    #[serde(deserialize_with = "crate::source::required")]
    pub vendor_column: String,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub start_column: Option<String>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub end_column: Option<String>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub time_column: Option<String>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub type_column: Option<String>,
    #[serde(default, deserialize_with = "crate::source::text")]
    pub event_type_filter: Option<String>,
    #[serde(default)]
    pub name_prefixes: Option<Vec<String>>,
    #[serde(default)]
    pub capitalize_words: bool,
    #[serde(default)]
    pub describe_original: bool,
    #[serde(default)]
    pub header_rows: Option<usize>,
}

/// How a date cell may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum DateFormat {
    #[serde(rename = "M/D/YYYY")]
    MonthDayYear,
    #[serde(rename = "M/D/YY")]
    MonthDayShortYear,
    #[serde(rename = "M/D")]
    MonthDay,
    #[serde(rename = "Mon D")]
    MonthNameDay,
}

const ALL_FORMATS: [DateFormat; 4] = [
    DateFormat::MonthDayYear,
    DateFormat::MonthDayShortYear,
    DateFormat::MonthDay,
    DateFormat::MonthNameDay,
];

/// The most header rows an entry may skip.
const MAX_HEADER_ROWS: usize = 20;

/// A column: by letter, or by the text of its header cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Index(usize),
    Header(String),
}

impl Column {
    /// `A` → 0 … `Z` → 25, `AA` → 26 (up to three letters); anything else names a header.
    pub fn parse(raw: &str) -> Self {
        let t = raw.trim();
        if (1..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_uppercase()) {
            let index = t
                .bytes()
                .fold(0usize, |n, b| n * 26 + usize::from(b - b'A') + 1);
            return Self::Index(index - 1);
        }
        Self::Header(t.to_string())
    }

    fn resolve(&self, header: Option<&csv::StringRecord>) -> Option<usize> {
        match self {
            Self::Index(i) => Some(*i),
            Self::Header(name) => header?
                .iter()
                .position(|h| collapse_ws(h).eq_ignore_ascii_case(name)),
        }
    }
}

/// Which column is which, and how the cells are written.
#[derive(Debug, Clone)]
pub struct Layout {
    pub date: Column,
    pub date_formats: Vec<DateFormat>,
    pub month_day: Option<Column>,
    pub weekday: Option<Column>,
    pub vendor: Column,
    pub start: Option<Column>,
    pub end: Option<Column>,
    pub time: Option<Column>,
    pub kind: Option<(Column, String)>,
    pub name_prefixes: Vec<String>,
    pub capitalize_words: bool,
    pub describe_original: bool,
    pub header_rows: usize,
}

impl Layout {
    pub fn new(s: SheetColumnsSettings) -> Result<Self, String> {
        let col = |c: Option<String>| c.as_deref().map(Column::parse);
        if s.time_column.is_some() && (s.start_column.is_some() || s.end_column.is_some()) {
            return Err(
                "time_column: give a range column or start_column/end_column, not both".into(),
            );
        }
        if s.end_column.is_some() && s.start_column.is_none() {
            return Err("end_column: needs start_column".into());
        }
        let kind = match (s.type_column, s.event_type_filter) {
            (Some(c), Some(t)) => Some((Column::parse(&c), t)),
            (None, None) => None,
            (Some(_), None) => return Err("type_column: needs event_type_filter".into()),
            (None, Some(_)) => return Err("event_type_filter: needs type_column".into()),
        };
        let header_rows = s.header_rows.unwrap_or(1);
        if header_rows > MAX_HEADER_ROWS {
            return Err(format!("header_rows: at most {MAX_HEADER_ROWS}"));
        }
        let date_formats = match s.date_formats {
            Some(f) if f.is_empty() => return Err("date_formats: name at least one".into()),
            Some(f) => f,
            None => ALL_FORMATS.to_vec(),
        };
        Ok(Self {
            date: Column::parse(&s.date_column),
            date_formats,
            month_day: col(s.month_day_column),
            weekday: col(s.weekday_column),
            vendor: Column::parse(&s.vendor_column),
            start: col(s.start_column),
            end: col(s.end_column),
            time: col(s.time_column),
            kind,
            name_prefixes: s
                .name_prefixes
                .unwrap_or_default()
                .iter()
                .map(|p| p.trim().to_lowercase())
                .collect(),
            capitalize_words: s.capitalize_words,
            describe_original: s.describe_original,
            header_rows,
        })
    }
}

#[derive(Debug, Clone)]
pub struct SheetColumns {
    url: String,
    layout: Layout,
}

impl SheetColumns {
    pub fn new(brewery: &atg_core::Brewery, s: SheetColumnsSettings) -> Result<Self, String> {
        Ok(Self {
            url: brewery.url.clone(),
            layout: Layout::new(s)?,
        })
    }
}

impl OnePage for SheetColumns {
    fn request(&self, _ctx: &ParseContext) -> Request {
        Request::get(&self.url)
    }

    fn parse(&self, body: &str, ctx: &ParseContext) -> Result<Vec<FoodTruckEvent>, ParseError> {
        parse(body, &self.layout, ctx)
    }
}

/// The trucks of a sheet. Rows that are not trucks, or whose date cannot be read, are
/// skipped; a body that is not CSV at all (a sheet published as a web page) has none. A
/// header a column names that the sheet does not have is an error: the sheet changed.
pub fn parse(
    body: &str,
    layout: &Layout,
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
    let header = layout
        .header_rows
        .checked_sub(1)
        .and_then(|last| rows.get(last));
    let find = |c: &Column, what: &str| {
        c.resolve(header).ok_or_else(|| {
            ParseError::new(format!(
                "the sheet has no column {c:?} for the {what} (its header: {})",
                header.map_or_else(String::new, |h| h.iter().collect::<Vec<_>>().join(", "))
            ))
        })
    };
    let looks_like_a_sheet = rows.iter().any(|r| r.len() > 1);
    if !looks_like_a_sheet {
        return Ok(Vec::new());
    }
    let cols = Columns {
        date: find(&layout.date, "date")?,
        month_day: layout
            .month_day
            .as_ref()
            .map(|c| find(c, "month and day"))
            .transpose()?,
        weekday: layout
            .weekday
            .as_ref()
            .map(|c| find(c, "weekday"))
            .transpose()?,
        vendor: find(&layout.vendor, "vendor")?,
        start: layout
            .start
            .as_ref()
            .map(|c| find(c, "start"))
            .transpose()?,
        end: layout.end.as_ref().map(|c| find(c, "end")).transpose()?,
        time: layout.time.as_ref().map(|c| find(c, "time")).transpose()?,
        kind: layout
            .kind
            .as_ref()
            .map(|(c, t)| find(c, "type").map(|i| (i, t.as_str())))
            .transpose()?,
    };
    Ok(rows
        .iter()
        .skip(layout.header_rows)
        .filter_map(|r| row_event(r, &cols, layout, ctx))
        .collect())
}

struct Columns<'a> {
    date: usize,
    month_day: Option<usize>,
    weekday: Option<usize>,
    vendor: usize,
    start: Option<usize>,
    end: Option<usize>,
    time: Option<usize>,
    kind: Option<(usize, &'a str)>,
}

fn cell(row: &csv::StringRecord, i: usize) -> &str {
    row.get(i).map_or("", str::trim)
}

fn row_event(
    row: &csv::StringRecord,
    cols: &Columns<'_>,
    layout: &Layout,
    ctx: &ParseContext,
) -> Option<FoodTruckEvent> {
    if let Some((i, wanted)) = cols.kind
        && !cell(row, i).eq_ignore_ascii_case(wanted)
    {
        return None;
    }
    let raw = collapse_ws(cell(row, cols.vendor));
    let mut name = vendor_name(&raw, &layout.name_prefixes)?;
    if layout.capitalize_words && !name.chars().any(char::is_lowercase) {
        name = capitalize_words(&name);
    }
    let weekday = cols
        .weekday
        .or(Some(cols.date))
        .and_then(|i| weekday_of(cell(row, i)));
    let date =
        read_date(cell(row, cols.date), &layout.date_formats, weekday, ctx).or_else(|| {
            let i = cols.month_day?;
            read_date(cell(row, i), &[DateFormat::MonthNameDay], weekday, ctx)
        })?;
    let mut ev = ctx.event(name, date);
    let hours = match (cols.time, cols.start) {
        (Some(t), _) => find_range(cell(row, t)).map(|r| (r.0, Some(r.1))),
        (None, Some(s)) => hour(cell(row, s))
            .filter(|s| *s != NaiveTime::MIN)
            .map(|s| (s, cols.end.and_then(|e| hour(cell(row, e))))),
        (None, None) => None,
    };
    match hours {
        Some((s, Some(e))) if s != e => {
            let (start, end) = on_day(date, (s, e));
            ev.start_time = Some(start);
            ev.end_time = Some(end);
        }
        Some((s, _)) => ev.start_time = Some(date.and_time(s)),
        None => {}
    }
    if layout.describe_original {
        ev.description = Some(format!("Original event: {raw}"));
    }
    Some(ev)
}

/// One hour cell: `17`, `9`, `17:30` on the 24-hour clock, or `5PM`, `5:30 pm`.
fn hour(raw: &str) -> Option<NaiveTime> {
    parse_reading(raw)?.as_24h()
}

/// The tokens a spreadsheet shows in place of a formula's value.
const SHEET_ERRORS: [&str; 9] = [
    "#value!",
    "#ref!",
    "#n/a",
    "#name?",
    "#div/0!",
    "#null!",
    "#num!",
    "#error!",
    "#getting_data",
];

/// The vendor of a cell: a meal prefix (`Dinner: T'Juana`) taken off; none for a blank cell
/// or a spreadsheet error (alone or after a prefix).
pub fn vendor_name(raw: &str, prefixes: &[String]) -> Option<String> {
    let raw = collapse_ws(raw);
    let name = match raw.split_once(':') {
        Some((prefix, rest)) if prefixes.contains(&prefix.trim().to_lowercase()) => {
            rest.trim().to_string()
        }
        _ => raw,
    };
    let error = SHEET_ERRORS
        .iter()
        .any(|e| name.to_lowercase().starts_with(e));
    (!name.is_empty() && !error).then_some(name)
}

/// `WHERE YA AT, MATT?` → `Where Ya At, Matt?`; `FINN ANTHONY'S` → `Finn Anthony's` (an
/// apostrophe does not start a word).
pub fn capitalize_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut starts_word = true;
    for c in s.chars() {
        if c.is_alphabetic() {
            if starts_word {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            starts_word = false;
        } else {
            out.push(c);
            starts_word = !matches!(c, '\'' | '’') && !c.is_numeric();
        }
    }
    out
}

fn weekday_of(cell: &str) -> Option<Weekday> {
    let word = cell.split([',', ' ']).next()?.trim();
    if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    word.parse::<Weekday>().ok().or_else(|| {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .position(|d| word.to_ascii_lowercase().starts_with(d))
            .and_then(|i| Weekday::try_from(u8::try_from(i).ok()?).ok())
    })
}

/// A date cell in one of `formats`; a date without a year takes the year nearest today, moved
/// to the year before or after when that one puts it on `weekday`.
fn read_date(
    cell: &str,
    formats: &[DateFormat],
    weekday: Option<Weekday>,
    ctx: &ParseContext,
) -> Option<NaiveDate> {
    let t = cell.trim();
    for f in formats {
        let found = match f {
            DateFormat::MonthDayYear | DateFormat::MonthDayShortYear | DateFormat::MonthDay => {
                let parts: Vec<&str> = t.split('/').map(str::trim).collect();
                let num = |s: &str| -> Option<u32> {
                    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| s.parse().ok())?
                };
                match (f, parts.as_slice()) {
                    (DateFormat::MonthDayYear, [m, d, y]) if y.len() == 4 => {
                        NaiveDate::from_ymd_opt(i32::try_from(num(y)?).ok()?, num(m)?, num(d)?)
                    }
                    (DateFormat::MonthDayShortYear, [m, d, y]) if y.len() == 2 => {
                        NaiveDate::from_ymd_opt(
                            2000 + i32::try_from(num(y)?).ok()?,
                            num(m)?,
                            num(d)?,
                        )
                    }
                    (DateFormat::MonthDay, [m, d]) => {
                        with_weekday(infer_year(ctx.today, num(m)?, num(d)?)?, weekday)
                    }
                    _ => None,
                }
            }
            DateFormat::MonthNameDay => {
                let mut words = t.split_whitespace();
                match (words.next(), words.next(), words.next()) {
                    (Some(m), Some(d), None) if m.len() >= 3 && m.len() <= 9 => with_weekday(
                        infer_year(
                            ctx.today,
                            month_number(m)?,
                            d.trim_end_matches(',').parse().ok()?,
                        )?,
                        weekday,
                    ),
                    _ => None,
                }
            }
        };
        if let Some(d) = found.and_then(atg_core::sane_date) {
            return Some(d);
        }
    }
    None
}

fn with_weekday(inferred: NaiveDate, weekday: Option<Weekday>) -> Option<NaiveDate> {
    let Some(wd) = weekday else {
        return Some(inferred);
    };
    if inferred.weekday() == wd {
        return Some(inferred);
    }
    [-1, 1]
        .iter()
        .filter_map(|dy| inferred.with_year(inferred.year() + dy))
        .find(|d| d.weekday() == wd)
        .or(Some(inferred))
}

/// The entry's settings for a CSV nobody described yet (`probe`): the header's names, the
/// first column whose cells read as dates, a column named like a truck or vendor (else the
/// first other column of text), a column of time ranges. `None` when it is not such a sheet.
pub fn guess(body: &str, ctx: &ParseContext) -> Option<serde_json::Map<String, serde_json::Value>> {
    let first = body.lines().next()?;
    if first.trim_start().starts_with(['<', '{', '[']) || !first.contains(',') {
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = ctx
        .budget
        .take_entries(reader.records())
        .ok()?
        .into_iter()
        .filter_map(Result::ok)
        .take(200)
        .collect();
    let (header, data) = rows.split_first()?;
    if data.is_empty() {
        return None;
    }
    let share = |i: usize, test: &dyn Fn(&str) -> bool| {
        let hits = data.iter().filter(|r| test(cell(r, i))).count();
        hits * 2 >= data.len()
    };
    let is_date = |c: &str| read_date(c, &ALL_FORMATS, None, ctx).is_some();
    let date = (0..header.len()).find(|&i| share(i, &is_date))?;
    let named = |words: &[&str]| {
        (0..header.len()).find(|&i| {
            let h = cell(header, i).to_lowercase();
            i != date && words.iter().any(|w| h.contains(w))
        })
    };
    let vendor = named(&["truck", "vendor", "food", "name"]).or_else(|| {
        (0..header.len()).find(|&i| i != date && share(i, &|c| c.chars().any(char::is_alphabetic)))
    })?;
    let time = (0..header.len())
        .find(|&i| i != date && i != vendor && share(i, &|c| find_range(c).is_some()));
    let column = |i: usize| {
        let h = collapse_ws(cell(header, i));
        let unique = header.iter().filter(|x| collapse_ws(x) == h).count() == 1;
        if !h.is_empty() && unique {
            h
        } else {
            letters(i)
        }
    };
    let mut settings = serde_json::Map::new();
    settings.insert("date_column".into(), column(date).into());
    settings.insert("vendor_column".into(), column(vendor).into());
    if let Some(t) = time {
        settings.insert("time_column".into(), column(t).into());
    }
    let shouted = data
        .iter()
        .map(|r| cell(r, vendor))
        .filter(|v| !v.is_empty())
        .all(|v| !v.chars().any(char::is_lowercase));
    if shouted {
        settings.insert("capitalize_words".into(), true.into());
    }
    Some(settings)
}

/// 0 → `A`, 25 → `Z`, 26 → `AA`.
fn letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + u8::try_from(i % 26).unwrap_or(0));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_by_letter_or_header() {
        assert_eq!(Column::parse("A"), Column::Index(0));
        assert_eq!(Column::parse("G"), Column::Index(6));
        assert_eq!(Column::parse("AA"), Column::Index(26));
        assert_eq!(
            Column::parse("FOOD TRUCK"),
            Column::Header("FOOD TRUCK".into())
        );
        assert_eq!(Column::parse("Date"), Column::Header("Date".into()));
    }

    #[test]
    fn words_capitalised_as_people_write_names() {
        assert_eq!(capitalize_words("WHERE YA AT, MATT?"), "Where Ya At, Matt?");
        assert_eq!(capitalize_words("FINN ANTHONY'S"), "Finn Anthony's");
        assert_eq!(capitalize_words("EL PACHI-EMPANADAS"), "El Pachi-Empanadas");
        assert_eq!(capitalize_words("BBQ 2GO"), "Bbq 2go");
    }

    #[test]
    fn spreadsheet_errors_are_never_vendors() {
        let p = vec!["dinner".to_string()];
        for e in [
            "#VALUE!",
            "#ref!",
            "#N/A",
            "Dinner: #NAME?",
            "#GETTING_DATA",
        ] {
            assert_eq!(vendor_name(e, &p), None, "{e}");
        }
        assert_eq!(
            vendor_name("Dinner: T'Juana", &p).as_deref(),
            Some("T'Juana")
        );
        assert_eq!(vendor_name("  ", &p), None);
    }

    #[test]
    fn a_weekday_moves_a_date_to_the_year_whose_calendar_agrees() {
        let ctx = ParseContext::named("k", "K", NaiveDate::from_ymd_opt(2026, 9, 1).unwrap());
        let f = [DateFormat::MonthNameDay];
        // 1 November 2026 is a Sunday.
        assert_eq!(
            read_date("Nov 01", &f, weekday_of("Sun"), &ctx),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
        // 2 November was a Sunday in 2025: last year's row, not a truck this year.
        assert_eq!(
            read_date("Nov 02", &f, weekday_of("Sun"), &ctx),
            NaiveDate::from_ymd_opt(2025, 11, 2)
        );
        assert_eq!(
            read_date("4/29", &[DateFormat::MonthDay], None, &ctx),
            NaiveDate::from_ymd_opt(2027, 4, 29)
        );
        assert_eq!(
            read_date("3/31/26", &ALL_FORMATS, None, &ctx),
            NaiveDate::from_ymd_opt(2026, 3, 31)
        );
        assert_eq!(read_date("Sun", &ALL_FORMATS, None, &ctx), None);
    }
}
