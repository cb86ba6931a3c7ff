use std::process::ExitCode;

/// Parses the command line the same way for every binary of the project: `--help` and
/// `--version` print and exit 0; anything wrong is one line on stderr and exit 1 (2 is kept
/// for "some breweries failed").
pub fn parse_args<C: clap::Parser>() -> Result<C, ExitCode> {
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
