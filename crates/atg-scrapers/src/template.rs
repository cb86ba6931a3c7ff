//! URL templates from the configuration: `{name}` placeholders filled by plain text
//! substitution, nothing resolved against anything, so a mirror under a path prefix works.

use atg_core::check_absolute_url;

/// A configured URL template, checked when the source is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    raw: String,
}

impl UrlTemplate {
    /// `field` names the setting in errors; `allowed` lists the placeholders it may use.
    pub fn new(raw: &str, field: &str, allowed: &[&str]) -> Result<Self, String> {
        let mut rest = raw;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("{field}: unclosed '{{' in {raw:?}"))?;
            let name = &after[..close];
            if !allowed.contains(&name) {
                return Err(format!(
                    "{field}: unknown placeholder {{{name}}} in {raw:?} (allowed: {})",
                    allowed
                        .iter()
                        .map(|a| format!("{{{a}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            rest = &after[close + 1..];
        }
        let sample = allowed
            .iter()
            .fold(raw.to_string(), |s, p| s.replace(&format!("{{{p}}}"), "1"));
        check_absolute_url(&sample).map_err(|e| format!("{field}: {e}"))?;
        Ok(Self {
            raw: raw.to_string(),
        })
    }

    /// The URL with each `(name, value)` substituted; values must already be URL-safe.
    ///
    /// ```
    /// use atg_scrapers::template::UrlTemplate;
    /// let t = UrlTemplate::new("http://mirror:8080/www.x.com/api?m={month}", "f", &["month"]).unwrap();
    /// assert_eq!(t.fill(&[("month", "07")]), "http://mirror:8080/www.x.com/api?m=07");
    /// ```
    pub fn fill(&self, values: &[(&str, &str)]) -> String {
        values.iter().fold(self.raw.clone(), |s, (name, value)| {
            s.replace(&format!("{{{name}}}"), value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_keeps_everything_else() {
        let t = UrlTemplate::new(
            "http://mirror:8080/www.x.com/api?month={month_name}-{year}&id={id}",
            "f",
            &["month_name", "year", "id"],
        )
        .unwrap();
        assert_eq!(
            t.fill(&[("month_name", "July"), ("year", "2025"), ("id", "abc")]),
            "http://mirror:8080/www.x.com/api?month=July-2025&id=abc"
        );
    }

    #[test]
    fn rejects_unknown_placeholders_and_relative_urls() {
        let e = UrlTemplate::new("https://x.test/{nope}", "events_url", &["year"]).unwrap_err();
        assert!(
            e.starts_with("events_url: unknown placeholder {nope}"),
            "{e}"
        );
        assert!(UrlTemplate::new("/api/{year}", "f", &["year"]).is_err());
        assert!(UrlTemplate::new("https://x.test/{year", "f", &["year"]).is_err());
    }
}
