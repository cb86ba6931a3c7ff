//! Today's haiku: one of today's trucks, a prompt from `config/haiku_prompt.txt` (or
//! `HAIKU_PROMPT_FILE`), and a reply that must be three lines of words.

use atg_core::FoodTruckEvent;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::client::{AiClient, AiError};
use crate::weather::{TimeWindow, WeatherQuery, fetch_weather};

/// The prompt shipped with the project.
pub const BUILTIN_PROMPT: &str = include_str!("../../../config/haiku_prompt.txt");

/// The most of today's trucks a haiku's prompt lists (and picks its featured truck from), so
/// the prompt and the workflow's payload stay small whatever the size of the schedule.
pub const HAIKU_TRUCKS: usize = 40;

const PLACEHOLDERS: [&str; 4] = ["date", "truck_name", "brewery_name", "events_summary"];
/// What a prompt may also use (the original's newest prompt does).
const OPTIONAL_PLACEHOLDERS: [&str; 2] = ["time_of_day", "weather"];

/// A checked prompt template: `{date}`, `{truck_name}`, `{brewery_name}`, `{events_summary}`,
/// and optionally `{time_of_day}` and `{weather}`, with `{{` and `}}` for literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaikuPrompt {
    template: String,
}

impl Default for HaikuPrompt {
    fn default() -> Self {
        Self {
            template: BUILTIN_PROMPT.to_string(),
        }
    }
}

impl HaikuPrompt {
    /// A template, if it uses every required placeholder and no unknown one.
    pub fn from_template(text: &str) -> Result<Self, String> {
        let used = placeholders(text)?;
        let known = |p: &str| PLACEHOLDERS.contains(&p) || OPTIONAL_PLACEHOLDERS.contains(&p);
        if let Some(unknown) = used.iter().find(|p| !known(p.as_str())) {
            return Err(format!("unknown placeholder {{{unknown}}}"));
        }
        if let Some(missing) = PLACEHOLDERS.iter().find(|p| !used.iter().any(|u| u == *p)) {
            return Err(format!("placeholder {{{missing}}} is missing"));
        }
        Ok(Self {
            template: text.to_string(),
        })
    }

    /// `HAIKU_PROMPT_FILE` when it is set and usable, else the built-in prompt (with a warning
    /// saying why).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let Some(path) = env("HAIKU_PROMPT_FILE").filter(|p| !p.trim().is_empty()) else {
            return Self::default();
        };
        let loaded = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read it: {e}"))
            .and_then(|t| {
                if t.trim().is_empty() {
                    Err("it is empty".to_string())
                } else {
                    Ok(t)
                }
            })
            .and_then(|t| Self::from_template(&t));
        loaded.unwrap_or_else(|why| {
            tracing::warn!(file = %path, "HAIKU_PROMPT_FILE not used ({why}); using the built-in prompt");
            Self::default()
        })
    }

    pub fn template(&self) -> &str {
        &self.template
    }

    /// Whether the template asks for `{name}`.
    pub fn uses(&self, name: &str) -> bool {
        placeholders(&self.template).is_ok_and(|used| used.iter().any(|u| u == name))
    }
}

/// What fills a prompt's placeholders.
#[derive(Debug, Clone, Copy)]
pub struct PromptValues<'a> {
    pub date: NaiveDate,
    pub truck: &'a str,
    pub brewery: &'a str,
    pub summary: &'a str,
    /// "Afternoon" or "Evening".
    pub time_of_day: &'a str,
    /// One line of forecast, or empty.
    pub weather: &'a str,
}

/// The names used between single braces; an unbalanced brace is an error.
fn placeholders(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!("bad placeholder {{{name}"));
                }
                out.push(name);
            }
            '}' => return Err("a '}' without its '{'".into()),
            _ => {}
        }
    }
    Ok(out)
}

/// The prompt with its placeholders filled.
pub fn render_prompt(prompt: &HaikuPrompt, v: &PromptValues<'_>) -> String {
    let date_text = v.date.format("%B %d, %Y (%A)").to_string();
    let mut out = String::new();
    let mut chars = prompt.template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push_str(match name.as_str() {
                    "date" => &date_text,
                    "truck_name" => v.truck,
                    "brewery_name" => v.brewery,
                    "time_of_day" => v.time_of_day,
                    "weather" => v.weather,
                    _ => v.summary,
                });
            }
            c => out.push(c),
        }
    }
    out
}

/// A reply that is a haiku: exactly three lines with letters once blank and emoji-only lines are
/// dropped (no syllable counting).
pub fn check_haiku(reply: &str) -> Option<String> {
    let lines: Vec<&str> = reply
        .lines()
        .map(str::trim)
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .collect();
    (lines.len() == 3 && lines.iter().all(|l| l.chars().count() <= 120)).then(|| lines.join("\n"))
}

/// Today's haiku, or `None` when no truck is here today (no request is made then) or the
/// reply is not a haiku. `now` is the site's local time (for `{time_of_day}`); the forecast
/// is asked for only when the prompt uses `{weather}` and the site has a `weather` query, and
/// its failure leaves `{weather}` empty.
pub async fn generate_haiku(
    client: &AiClient,
    prompt: &HaikuPrompt,
    now: NaiveDateTime,
    weather: Option<&WeatherQuery>,
    events: &[FoodTruckEvent],
) -> Result<Option<String>, AiError> {
    let today = now.date();
    let todays: Vec<&FoodTruckEvent> = events
        .iter()
        .filter(|e| e.date == today)
        .take(HAIKU_TRUCKS)
        .collect();
    if todays.is_empty() || !client.settings.haiku {
        return Ok(None);
    }
    // The featured truck changes day by day, and is the same all day.
    let pick = todays[(today.ordinal() as usize) % todays.len()];
    let summary: String = todays
        .iter()
        .map(|e| format!("- {} at {}", e.vendor, e.brewery_name))
        .collect::<Vec<_>>()
        .join("\n");
    let window = TimeWindow::at(now);
    let forecast = match weather.filter(|_| prompt.uses("weather")) {
        Some(q) => fetch_weather(q, window).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "no weather for the haiku");
            String::new()
        }),
        None => String::new(),
    };
    let text = render_prompt(
        prompt,
        &PromptValues {
            date: today,
            truck: &pick.vendor,
            brewery: &pick.brewery_name,
            summary: &summary,
            time_of_day: window.label,
            weather: &forecast,
        },
    );
    let reply = client.ask(Value::String(text), 150).await?;
    let haiku = check_haiku(&reply);
    if haiku.is_none() {
        tracing::warn!(reply = %reply.chars().take(200).collect::<String>(), "the reply is not a three-line haiku; no haiku today");
    }
    Ok(haiku)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_prompt_is_valid() {
        assert!(HaikuPrompt::from_template(BUILTIN_PROMPT).is_ok());
    }

    #[test]
    fn templates_are_checked() {
        assert!(
            HaikuPrompt::from_template(
                "{date} {truck_name} {brewery_name} {events_summary} {{literal}}"
            )
            .is_ok()
        );
        assert_eq!(
            HaikuPrompt::from_template("{date} {truck_name} {brewery_name}").unwrap_err(),
            "placeholder {events_summary} is missing"
        );
        assert_eq!(
            HaikuPrompt::from_template(
                "{date} {truck_name} {brewery_name} {events_summary} {humidity}"
            )
            .unwrap_err(),
            "unknown placeholder {humidity}"
        );
        let newest = HaikuPrompt::from_template(include_str!(
            "../../../fixtures/sources/haiku_prompt_with_weather.txt"
        ))
        .unwrap();
        assert!(newest.uses("weather") && newest.uses("time_of_day"));
        assert!(!HaikuPrompt::default().uses("weather"));
        assert!(
            HaikuPrompt::from_template("{date} {truck_name} {brewery_name} {events_summary} }")
                .is_err()
        );
        assert!(
            HaikuPrompt::from_template("{date} {truck_name} {brewery_name} {events_summary} {")
                .is_err()
        );
    }

    #[test]
    fn rendering() {
        let p = HaikuPrompt::from_template(
            "{date}|{truck_name}|{brewery_name}|{events_summary}|{{x}}|{time_of_day}|{weather}",
        )
        .unwrap();
        let values = PromptValues {
            date: NaiveDate::from_ymd_opt(2025, 10, 13).unwrap(),
            truck: "Georgia's Greek",
            brewery: "Stoup Brewing",
            summary: "- a",
            time_of_day: "Evening",
            weather: "50°F, overcast, calm winds, 90% humidity",
        };
        assert_eq!(
            render_prompt(&p, &values),
            "October 13, 2025 (Monday)|Georgia's Greek|Stoup Brewing|- a|{x}|Evening|50°F, overcast, calm winds, 90% humidity"
        );
    }

    #[test]
    fn haiku_checks() {
        assert_eq!(
            check_haiku("🍂 Line one\nLine two\nLine three 🍺").as_deref(),
            Some("🍂 Line one\nLine two\nLine three 🍺")
        );
        assert_eq!(
            check_haiku("\n  a b\n\n🍂\nc d\n e f \n").as_deref(),
            Some("a b\nc d\ne f")
        );
        assert_eq!(check_haiku("one\ntwo"), None);
        assert_eq!(check_haiku("one\ntwo\nthree\nfour"), None);
        assert_eq!(
            check_haiku("Sure! Here is a haiku about food trucks."),
            None
        );
    }
}
