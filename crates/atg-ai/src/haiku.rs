//! Today's haiku: one of today's trucks, a prompt from `config/haiku_prompt.txt` (or
//! `HAIKU_PROMPT_FILE`), and a reply that must be three lines of words.

use atg_core::FoodTruckEvent;
use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use crate::client::{AiClient, AiError};

/// The prompt shipped with the project.
pub const BUILTIN_PROMPT: &str = include_str!("../../../config/haiku_prompt.txt");

/// The most of today's trucks a haiku's prompt lists (and picks its featured truck from), so
/// the prompt and the workflow's payload stay small whatever the size of the schedule.
pub const HAIKU_TRUCKS: usize = 40;

const PLACEHOLDERS: [&str; 4] = ["date", "truck_name", "brewery_name", "events_summary"];

/// A checked prompt template: `{date}`, `{truck_name}`, `{brewery_name}`, `{events_summary}`,
/// with `{{` and `}}` for literal braces.
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
    /// A template, if it uses every placeholder and no other.
    pub fn from_template(text: &str) -> Result<Self, String> {
        let used = placeholders(text)?;
        if let Some(unknown) = used.iter().find(|p| !PLACEHOLDERS.contains(&p.as_str())) {
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
pub fn render_prompt(
    prompt: &HaikuPrompt,
    date: NaiveDate,
    truck: &str,
    brewery: &str,
    summary: &str,
) -> String {
    let date_text = date.format("%B %d, %Y (%A)").to_string();
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
                    "truck_name" => truck,
                    "brewery_name" => brewery,
                    _ => summary,
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
/// reply is not a haiku.
pub async fn generate_haiku(
    client: &AiClient,
    prompt: &HaikuPrompt,
    today: NaiveDate,
    events: &[FoodTruckEvent],
) -> Result<Option<String>, AiError> {
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
    let text = render_prompt(prompt, today, &pick.vendor, &pick.brewery_name, &summary);
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
                "{date} {truck_name} {brewery_name} {events_summary} {weather}"
            )
            .unwrap_err(),
            "unknown placeholder {weather}"
        );
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
        let p =
            HaikuPrompt::from_template("{date}|{truck_name}|{brewery_name}|{events_summary}|{{x}}")
                .unwrap();
        let d = NaiveDate::from_ymd_opt(2025, 10, 13).unwrap();
        assert_eq!(
            render_prompt(&p, d, "Georgia's Greek", "Stoup Brewing", "- a"),
            "October 13, 2025 (Monday)|Georgia's Greek|Stoup Brewing|- a|{x}"
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
