//! A secret that cannot be printed by accident.

/// A credential (token, key). `Debug` and `Display` show only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself: only to hand it to the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `ghs_…` style summary: at most the first 4 characters, for connection summaries.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        if self.0.chars().count() > 8 {
            format!("{head}…")
        } else {
            "****".to_string()
        }
    }

    /// `text` with every occurrence of the secret replaced.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("ghs_supersecretvalue");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.masked(), "ghs_…");
        assert_eq!(Secret::new("short").masked(), "****");
        assert_eq!(s.redact("x ghs_supersecretvalue y"), "x *** y");
    }
}
