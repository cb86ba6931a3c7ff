use std::io::IsTerminal;

/// Log lines on stderr: human-readable or JSON (one object a line, for log collectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// Installs the process's logger: warnings by default, debug for this project's crates when
/// `verbose`; `RUST_LOG` overrides both.
pub fn init_logging(verbose: bool, format: LogFormat) {
    let default = if verbose {
        "info,around_the_grounds=debug,atg_core=debug,atg_scrapers=debug,atg_web=debug,atg_deploy=debug,atg_workflows=debug,atg_worker=debug,atg_starter=debug,atg_schedule_manager=debug"
    } else {
        "warn"
    };
    init_logging_with(format, default);
}

/// Installs the logger with `default` as the filter when `RUST_LOG` is not set.
pub fn init_logging_with(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Pretty => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
