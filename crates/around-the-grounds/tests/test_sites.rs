//! Sites from the command line: two sites in two zones to two repositories, `--site`, and a
//! brewery's health across runs (flagged after three runs without trucks, kept through a run
//! where everything failed), on the page too.

use atg_deploy::testkit::{bare_repo, commit_count, git};
use atg_scrapers::testkit::{HealthCalendars, Mirror, TwoSites};
use serde_json::Value;

use crate::browser::{Chromium, Reader, shown_texts, wait_until};
use crate::test_cli::{run, run_with_env, write_config};
use crate::test_site::serve;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sites_in_two_zones_are_published_to_their_own_repositories() {
    let feed = TwoSites::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let (seattle, new_york) = (bare_repo(&a), bare_repo(&b));
    let cfg = write_config(
        "two-sites",
        &feed.config(seattle.to_str().unwrap(), new_york.to_str().unwrap()),
    );
    let cfg = cfg.to_str().unwrap();

    let r = run(&[
        "--config",
        cfg,
        "--site",
        "all",
        "--as-of",
        Mirror::AS_OF,
        "--deploy",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("📍 Seattle (America/Los_Angeles)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("📍 New York (America/New_York)"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches("🚀 Deployed to").count(),
        2,
        "{}",
        r.stdout
    );

    // Each commit says when it was made on its site's clock.
    for (repo, zone) in [
        (&seattle, chrono_tz::America::Los_Angeles),
        (&new_york, chrono_tz::America::New_York),
    ] {
        let log = git(repo, &["log", "-1", "--format=%s%n%ct", "main"]);
        let (subject, time) = log.trim().split_once('\n').unwrap();
        let at = chrono::DateTime::from_timestamp(time.parse().unwrap(), 0).unwrap();
        assert_eq!(
            subject,
            format!(
                "🚚 Update food truck data - {}",
                at.with_timezone(&zone).format("%Y-%m-%d %H:%M")
            )
        );
    }

    // Seattle: public/ of its repository, Pacific times, the night market outside its window.
    let data = json(&git(&seattle, &["show", "main:public/data.json"]));
    assert_eq!(data["site"]["key"], "seattle");
    assert_eq!(data["site"]["timezone"], "America/Los_Angeles");
    assert_eq!(data["timezone"], "PT");
    assert_eq!(data["window"]["first"], "2025-07-30");
    let events = data["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{data}");
    assert_eq!(events[0]["vendor"], "Dumpling Cart");
    assert_eq!(events[0]["start_time"], "1:00 PM PT");
    let ics = git(&seattle, &["show", "main:public/events.ics"]);
    assert!(ics.contains("X-WR-TIMEZONE:America/Los_Angeles"), "{ics}");
    assert!(
        ics.contains("DTSTART;TZID=America/Los_Angeles:20250730T130000"),
        "{ics}"
    );

    // New York: the root of its repository, Eastern times, both trucks.
    let data = json(&git(&new_york, &["show", "main:data.json"]));
    assert_eq!(data["site"]["key"], "new-york");
    assert_eq!(data["timezone"], "ET");
    let starts: Vec<&str> = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start_time"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["1:00 AM ET", "4:00 PM ET"]);
    let ics = git(&new_york, &["show", "main:events.ics"]);
    assert!(
        ics.contains("BEGIN:VTIMEZONE\r\nTZID:America/New_York"),
        "{ics}"
    );
    assert!(
        ics.contains("DTSTART;TZID=America/New_York:20250730T160000"),
        "{ics}"
    );
    assert!(ics.contains("X-WR-CALNAME:New York Food Trucks"), "{ics}");
    let files = git(&new_york, &["ls-tree", "--name-only", "main"]);
    assert!(
        files
            .lines()
            .any(|f| f == atg_web::ics::truck_feed_name("Dumpling Cart")),
        "{files}"
    );

    // One site by its key; JSON for several sites is one document with each site.
    let r = run(&[
        "--config",
        cfg,
        "--site",
        "new-york",
        "--as-of",
        Mirror::AS_OF,
        "--format",
        "json",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json(&r.stdout);
    assert_eq!(report["events"].as_array().unwrap().len(), 2);
    assert_eq!(
        report["events"][0]["start_time"],
        "2025-07-30T01:00:00-04:00"
    );
    let r = run(&[
        "--config",
        cfg,
        "--site",
        "all",
        "--as-of",
        Mirror::AS_OF,
        "--format",
        "json",
    ])
    .await;
    let all = json(&r.stdout);
    let keys: Vec<&str> = all["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["seattle", "new-york"]);

    // A key the config does not have: one line naming the keys it has.
    let r = run(&["--config", cfg, "--site", "queens"]).await;
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        format!("error: {cfg}: no site \"queens\" (sites: seattle, new-york)")
    );
    assert_eq!(commit_count(&seattle), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn sites_sharing_one_place_are_refused_before_anything_is_fetched() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = bare_repo(tmp.path());
    let cfg = write_config(
        "shared-place",
        r#"{"sites": [{"key": "a", "breweries": []}, {"key": "b", "breweries": []}]}"#,
    );
    let r = run_with_env(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--site",
            "all",
            "--deploy",
        ],
        &[("GIT_REPOSITORY_URL", repo.to_str().unwrap())],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains(r#"sites "a" and "b" would both publish to"#)
            && r.stderr
                .contains("give one a publish.path or publish.repository of its own"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_brewery_silent_for_three_runs_is_flagged_and_a_failed_run_loses_nothing() {
    let calendars = HealthCalendars::start().await;
    let cfg = write_config("health", &calendars.config());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let preview = |day: &'static str| {
        let (cfg, out) = (cfg.display().to_string(), out.display().to_string());
        async move {
            run(&[
                "--config",
                &cfg,
                "--as-of",
                day,
                "--preview",
                "--out",
                &out,
                "--max-attempts",
                "1",
            ])
            .await
        }
    };

    // Monday: both list trucks. Tuesday to Thursday: Fading answers with none.
    let r = preview("2025-07-28").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    calendars.serve(false, true).await;
    for day in ["2025-07-29", "2025-07-30"] {
        let r = preview(day).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stderr.contains("⚠️"), "{day}: {}", r.stderr);
    }
    let r = preview("2025-07-31").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "⚠️  No trucks listed by Fading Brewing since Monday — its website may have changed"
    );
    let health = json(&std::fs::read_to_string(out.join("health.json")).unwrap());
    let fading = &health["breweries"][1];
    assert_eq!(fading["key"], "fading");
    assert_eq!(fading["last_events"], "2025-07-28");
    assert_eq!(fading["last_answered"], "2025-07-31");
    assert_eq!(fading["runs_without_events"], 3);
    assert_eq!(fading["stale"], true);
    assert_eq!(health["breweries"][0]["stale"], false);
    let data = json(&std::fs::read_to_string(out.join("data.json")).unwrap());
    assert_eq!(data["stale"][0]["key"], "fading");

    // Everything down: nothing is published, health.json and the site stay as they were.
    let (site_before, health_before) = (
        std::fs::read_to_string(out.join("data.json")).unwrap(),
        std::fs::read_to_string(out.join("health.json")).unwrap(),
    );
    calendars.serve(false, false).await;
    let r = preview("2025-08-01").await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("left as it was"), "{}", r.stdout);
    assert_eq!(
        std::fs::read_to_string(out.join("data.json")).unwrap(),
        site_before
    );
    assert_eq!(
        std::fs::read_to_string(out.join("health.json")).unwrap(),
        health_before
    );

    // Back up, Fading still silent: the record carries on from Thursday's, not afresh.
    calendars.serve(false, true).await;
    let r = preview("2025-08-01").await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("No trucks listed by Fading Brewing since Monday"),
        "{}",
        r.stderr
    );

    // The reader sees the note, quietly, on the page.
    let (_server, url) = serve(&out).await;
    let chromium = Chromium::launch().await;
    let page = chromium
        .open(
            &format!("{url}#at=2025-08-01T19:00:00Z"),
            Reader {
                zone: "America/Los_Angeles",
                dark: false,
            },
        )
        .await;
    wait_until(&page, "document.body.dataset.state === 'ready'").await;
    assert_eq!(
        shown_texts(&page, "#stale-note .stale-item").await,
        ["No trucks listed by Fading Brewing since Monday — its website may have changed"]
    );
}
