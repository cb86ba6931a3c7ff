use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_around-the-grounds");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(args: &[&str]) -> Run {
    run_with_env(args, &[]).await
}

/// The CLI with a clean environment for everything it reads, plus `env`.
pub async fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    run_in(None, args, env).await
}

/// [`run_with_env`] in the working directory `dir` (where a `.env` may be).
pub async fn run_in(dir: Option<&std::path::Path>, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    for k in [
        "RUST_LOG",
        "ATG_CONFIG",
        "ATG_SITE",
        "ATG_SITE_DIR",
        "GIT_REPOSITORY_URL",
        "GIT_BRANCH",
        "GITHUB_TOKEN",
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY_B64",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "GITHUB_API_URL",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "ATG_AI",
        "ATG_AI_MODEL",
        "ATG_AI_MAX_ATTEMPTS",
        "HAIKU_PROMPT_FILE",
        "ATG_VISION_CACHE",
        "VISION_ANALYSIS_ENABLED",
    ] {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().await.unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// `--config CFG --as-of <the mirror's week> --preview --out OUT` and `extra`, with `env`.
pub async fn preview_run(
    cfg: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let (cfg, out) = (cfg.to_string_lossy(), out.to_string_lossy());
    let mut args = vec![
        "--config",
        cfg.as_ref(),
        "--as-of",
        Mirror::AS_OF,
        "--preview",
        "--out",
        out.as_ref(),
    ];
    args.extend_from_slice(extra);
    run_with_env(&args, env).await
}

pub fn write_config(dir_name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("atg-cli-{}-{dir_name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("breweries.json");
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn text_schedule_from_the_mirror() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = write_config("text", &mirror.config());
    let r = run(&["--config", cfg.to_str().unwrap(), "--as-of", Mirror::AS_OF]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("mirror_week_text", r.stdout);
    assert!(
        r.stderr.is_empty(),
        "no logs on success without --verbose: {}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_is_one_document_on_stdout() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = write_config("json", &mirror.config());
    let r = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        Mirror::AS_OF,
        "--format",
        "json",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).expect("stdout is only the JSON document");
    let events = doc["events"].as_array().unwrap();
    assert!(events.len() > 10);
    assert_eq!(doc["errors"], Value::Array(vec![]));
    let first = &events[0];
    for key in [
        "brewery_key",
        "brewery_name",
        "vendor",
        "date",
        "start_time",
        "end_time",
        "description",
        "ai_generated_name",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    let pumpkin = events
        .iter()
        .find(|e| e["vendor"] == "Pumpkin Thai")
        .unwrap();
    assert_eq!(pumpkin["date"], "2025-08-02");
    assert_eq!(pumpkin["start_time"], "2025-08-02T17:00:00-07:00");
    assert_eq!(pumpkin["end_time"], "2025-08-02T20:00:00-07:00");
    assert_eq!(pumpkin["brewery_key"], "salehs-corner");
    let untimed = events
        .iter()
        .find(|e| e["vendor"] == "Bao Down" && e["brewery_key"] == "chucks-greenwood")
        .unwrap();
    assert_eq!(untimed["start_time"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_failure_exits_2_and_total_failure_exits_1() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let down = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&down)
        .await;
    let broken_obec = mirror.config().replace(
        &format!("{}/obecbrewing.com/", mirror.uri()),
        &format!("{}/x", down.uri()),
    );
    let cfg = write_config("partial", &broken_obec);
    let r = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        Mirror::AS_OF,
        "--max-attempts",
        "1",
    ])
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("⚠️  Processing Summary:"));
    assert!(r.stdout.contains("❌ 1 breweries failed"));
    assert!(
        r.stdout
            .contains("  • Failed to fetch information for brewery: Obec Brewing")
    );
    assert!(!r.stdout.contains("Kaosamai Thai @ Obec"));
    assert!(
        r.stderr.contains("HTTP 500"),
        "the reason is in the log: {}",
        r.stderr
    );

    let json = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        Mirror::AS_OF,
        "--max-attempts",
        "1",
        "--format",
        "json",
    ])
    .await;
    assert_eq!(json.code, 2);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["errors"][0]["brewery_key"], "obec-brewing");
    assert_eq!(doc["errors"][0]["kind"], "HTTP Error");
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );

    let all_down = format!(
        r#"{{"breweries":[{{"key":"obec-brewing","name":"Obec Brewing","url":"{}/x"}}]}}"#,
        down.uri()
    );
    let cfg = write_config("down", &all_down);
    let r = run(&["--config", cfg.to_str().unwrap(), "--max-attempts", "1"]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("❌ No events found - all breweries failed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_config_is_one_line_naming_file_and_field() {
    let cfg = write_config("bad", r#"{"breweries":[{"key":"a","name":"A"}]}"#);
    let r = run(&["--config", cfg.to_str().unwrap()]).await;
    assert_eq!(r.code, 1);
    let line = r.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains(cfg.to_str().unwrap())
            && line.contains("breweries[0]")
            && line.contains("url"),
        "{line}"
    );
    assert!(r.stdout.is_empty());

    let r = run(&["--config", "/nonexistent/breweries.json"]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/nonexistent/breweries.json"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dotenv_fills_in_the_environment_and_real_variables_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "# settings\nATG_CONFIG=/nonexistent/from-dotenv.json\n",
    )
    .unwrap();
    let r = run_in(Some(dir.path()), &[], &[]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/nonexistent/from-dotenv.json"),
        "{}",
        r.stderr
    );

    let r = run_in(
        Some(dir.path()),
        &[],
        &[("ATG_CONFIG", "/nonexistent/from-environment.json")],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/nonexistent/from-environment.json"),
        "{}",
        r.stderr
    );

    // A .env that cannot be read is one line naming the variable, not its value.
    std::fs::write(
        dir.path().join(".env"),
        "GITHUB_TOKEN='ghp_secret\nATG_CONFIG=x\n",
    )
    .unwrap();
    let r = run_in(Some(dir.path()), &["--help"], &[]).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: .env: the line setting GITHUB_TOKEN "),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("ghp_secret"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

/// An unknown parser is a mistake in the configuration: refused when it is loaded, with the
/// brewery and the parsers there are, before anything is fetched (issue #15 made this a
/// load-time error; it used to be that brewery's Configuration Error at scrape time).
#[tokio::test(flavor = "multi_thread")]
async fn unknown_parser_is_refused_when_the_config_is_loaded() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let cfg = mirror.config().replace(
        "\"key\": \"obec-brewing\"",
        "\"key\": \"obec-brewing\", \"parser\": \"nope\"",
    );
    let cfg = write_config("unknown", &cfg);
    let r = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        Mirror::AS_OF,
        "--format",
        "json",
    ])
    .await;
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let line = r.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains(
            "(obec-brewing): parser \"nope\" is unknown (known: stoup, squarespace-calendar"
        ),
        "{line}"
    );
    assert!(mirror.server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn flags() {
    let r = run(&["--version"]).await;
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout.trim(),
        format!("around-the-grounds {}", env!("CARGO_PKG_VERSION"))
    );
    let r = run(&["--help"]).await;
    assert_eq!(r.code, 0);
    for s in [
        "--config",
        "--as-of",
        "--verbose",
        "--format",
        "--max-concurrent",
    ] {
        assert!(r.stdout.contains(s), "{s}");
    }
    let r = run(&["--as-of", "tomorrow"]).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("\"tomorrow\" is not a date"),
        "{}",
        r.stderr
    );
    let r = run(&["--format", "xml"]).await;
    assert_eq!(r.code, 1);
    let r = run(&["--max-concurrent", "0"]).await;
    assert_eq!(r.code, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_brewery_list() {
    let cfg = write_config("empty", r#"{"breweries": []}"#);
    let r = run(&["--config", cfg.to_str().unwrap()]).await;
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("No breweries configured."));
    assert!(
        r.stdout
            .contains("No food truck events found for the next 7 days.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_input_is_a_message_not_a_crash() {
    // Dates past what chrono can add a day to, at every source, plus an escape sequence.
    let mirror = Mirror::start_hostile().await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("breweries.json");
    std::fs::write(&cfg, mirror.config()).unwrap();
    let r = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        "2025-07-30",
        "--format",
        "json",
    ])
    .await;
    assert!(matches!(r.code, 0..=2), "{} {}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(
        !r.stdout.contains('\u{1b}'),
        "an escape sequence reached the terminal"
    );
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["vendor"] == "Cedar Smoke[2J BBQ"),
        "{doc}"
    );

    // Flags and files: one line each, exit 1.
    for (args, expect) in [
        (
            vec!["--as-of", "+262142-12-31"],
            "\"+262142-12-31\" is not a date like 2026-11-25",
        ),
        (
            vec!["--as-of", "9999-12-31"],
            "\"9999-12-31\" is outside the years 1970–2200",
        ),
        (
            vec!["--config", "/dev/zero"],
            "config file /dev/zero: is not a regular file",
        ),
    ] {
        let r = run(&args).await;
        assert_ne!(r.code, 0, "{args:?}");
        assert!(r.stderr.contains(expect), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(r.stderr.trim().lines().count() <= 2, "{}", r.stderr);
    }
}

/// A feed of each kind issue N names (20,000 nested components, a recurrence bomb, 40,000
/// RDATEs against as many EXDATEs, a flood, 40,000 nested elements, JSON 100,000 deep, a
/// 300-letter name) beside the mirror, through the binary with `--preview`: the process
/// survives, each hostile brewery fails alone with the limit it went over (or is published
/// cut), every brewery of the mirror is in the site, and it all takes one deadline.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_feeds_fail_alone_and_the_rest_is_published() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let hostile = atg_scrapers::testkit::HostileFeeds::start().await;
    let cfg = write_config("hostile-feeds", &hostile.added_to(&mirror.config()));
    let out = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let r = run(&[
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        Mirror::AS_OF,
        "--source-deadline",
        "5",
        "--preview",
        "--out",
        out.path().to_str().unwrap(),
        "--format",
        "json",
    ])
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 8, "{errors:?}");
    for e in errors {
        assert_eq!(e["kind"], "Parser Error", "{e}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("over a limit: it"),
            "{e}"
        );
    }
    // Read but in part: in the report, in the warnings and in health.json.
    assert_eq!(
        doc["partial"],
        serde_json::json!([{
            "brewery_key": "hostile-partly-unreadable-ics",
            "brewery_name": "Hostile partly-unreadable.ics",
            "unreadable": 2,
            "first": doc["partial"][0]["first"],
        }])
    );
    assert!(
        r.stderr
            .contains("Hostile partly-unreadable.ics: 2 of its entries could not be read"),
        "{}",
        r.stderr
    );
    let health: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("health.json")).unwrap())
            .unwrap();
    let partly = health["breweries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "hostile-partly-unreadable-ics")
        .unwrap();
    assert_eq!(partly["unreadable_entries"], 2, "{partly}");
    let data: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("data.json")).unwrap())
            .unwrap();
    let locations: Vec<&str> = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["location"].as_str())
        .collect();
    for name in [
        "Stoup Brewing - Ballard",
        "Obec Brewing",
        "Urban Family Brewing",
        "Wheelie Pop Brewing",
        "Saleh's Corner",
    ] {
        assert!(locations.contains(&name), "{name} in {locations:?}");
    }
    // The long name: cut, its override gone, its feed's file name bounded.
    let long = atg_scrapers::testkit::hostile_feeds::long_vendor();
    let published = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["location"] == "Hostile long-name.ics")
        .unwrap();
    let vendor = published["vendor"].as_str().unwrap();
    assert!(
        vendor.chars().count() <= 120 && !vendor.contains('\u{202E}'),
        "{vendor}"
    );
    assert!(!long.starts_with(vendor));
    for f in std::fs::read_dir(out.path()).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert!(name.len() < 80, "{name}");
    }
}
