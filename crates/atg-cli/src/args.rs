use std::process::ExitCode;
use std::time::Duration;

/// Starts every binary of the project the same way: `.env` in the working directory (or a
/// parent) fills in what the environment lacks — real environment variables win — and is read
/// before the arguments, so flags with an `env` fallback see it; then the command line is
/// parsed. `--help` and `--version` print and exit 0; a bad `.env` or anything wrong on the
/// command line is one line on stderr and exit 1 (2 is kept for "some breweries failed").
pub fn parse_args<C: clap::Parser>() -> Result<C, ExitCode> {
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: .env: {}", dotenv_error(&e));
        return Err(ExitCode::from(1));
    }
    match C::try_parse() {
        Ok(c) => Ok(c),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            let text = e.to_string();
            eprintln!(
                "{} (see --help)",
                text.lines().next().unwrap_or("invalid arguments")
            );
            Err(ExitCode::from(1))
        }
    }
}

/// [`parse_args`], then the binary's async [`runtime`]: how the Temporal binaries start.
pub fn start<C: clap::Parser>(
    multi_thread: bool,
) -> Result<(C, tokio::runtime::Runtime), ExitCode> {
    let cli = parse_args::<C>()?;
    Ok((cli, runtime(multi_thread)?))
}

/// The async runtime of a binary (one thread, or one per core for the worker); a failure to
/// start it is one line on stderr and exit 1.
pub fn runtime(multi_thread: bool) -> Result<tokio::runtime::Runtime, ExitCode> {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().map_err(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        ExitCode::from(1)
    })
}

/// What is wrong with `.env`, on one line and without the values (they may be secrets).
fn dotenv_error(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(text, _) => {
            let key = text.split('=').next().unwrap_or_default().trim();
            let key = key
                .strip_prefix("export ")
                .unwrap_or(key)
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>();
            if key.is_empty() {
                "a line is not NAME=value".to_string()
            } else {
                format!(
                    "the line setting {key} cannot be read (an unclosed quote or a stray character?)"
                )
            }
        }
        other => other.to_string().replace('\n', " "),
    }
}

/// A `--as-of` date ([`atg_core::parse_as_of`]), as a clap value parser.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    atg_core::parse_as_of(s).map_err(|e| e.to_string())
}

/// A tz database zone name (`America/New_York`), as a clap value parser.
pub fn parse_zone(s: &str) -> Result<chrono_tz::Tz, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a tz database zone (like America/New_York)"))
}

/// A number of seconds in (0, 3600], as a clap value parser.
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 3600"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::dotenv_error;

    #[test]
    fn dotenv_errors_name_the_variable_not_its_value() {
        let e = dotenvy::Error::LineParse("ANTHROPIC_API_KEY='sk-secret\n".into(), 25);
        let text = dotenv_error(&e);
        assert!(text.contains("ANTHROPIC_API_KEY"), "{text}");
        assert!(
            !text.contains("sk-secret") && !text.contains('\n'),
            "{text}"
        );
        let e = dotenvy::Error::LineParse("export GITHUB_TOKEN=\"x y\n".into(), 3);
        assert!(dotenv_error(&e).contains("setting GITHUB_TOKEN "));
        let e = dotenvy::Error::LineParse("???\n".into(), 0);
        assert_eq!(dotenv_error(&e), "a line is not NAME=value");
    }
}
