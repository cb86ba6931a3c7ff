//! The AI enrichments through the CLI, with a stand-in for Anthropic's API.

use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::test_cli::{preview_run, run_with_env, write_config};

fn reply(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"content": [{"type": "text", "text": text}]}))
}

fn read_json(p: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_key_nothing_is_sent() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let api = MockServer::start().await;
    let cfg = write_config("ai-nokey", &mirror.config());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let r = preview_run(
        &cfg,
        &out,
        &[],
        &[
            ("ANTHROPIC_BASE_URL", &api.uri()),
            (
                "ATG_VISION_CACHE",
                tmp.path().join("v.json").to_str().unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(api.received_requests().await.unwrap().is_empty());
    assert_eq!(read_json(&out.join("data.json"))["haiku"], Value::Null);
    assert!(!tmp.path().join("v.json").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_haiku_goes_into_data_json() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply(
            "🍂 Thai spice in the air\nKaosamai at Obec\nSummer pints go round 🍺",
        ))
        .expect(1)
        .mount(&api)
        .await;
    let cfg = write_config("ai-haiku", &mirror.config());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let r = preview_run(
        &cfg,
        &out,
        &[],
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-test"),
            ("ANTHROPIC_BASE_URL", &api.uri()),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        read_json(&out.join("data.json"))["haiku"],
        "🍂 Thai spice in the air\nKaosamai at Obec\nSummer pints go round 🍺"
    );
    // The haiku is for the site, not the terminal (as the original).
    assert!(!r.stdout.contains("Thai spice"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_api_never_stops_the_schedule() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&api)
        .await;
    let cfg = write_config("ai-500", &mirror.config());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let r = preview_run(
        &cfg,
        &out,
        &[],
        &[
            ("ANTHROPIC_API_KEY", "sk-ant-test"),
            ("ANTHROPIC_BASE_URL", &api.uri()),
            ("ATG_AI_MAX_ATTEMPTS", "2"),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let data = read_json(&out.join("data.json"));
    assert_eq!(data["haiku"], Value::Null);
    assert_eq!(
        data["total_events"],
        Mirror::WEEK_EVENTS,
        "the schedule is published all the same"
    );
    assert_eq!(api.received_requests().await.unwrap().len(), 2);
    assert!(r.stderr.contains("no haiku today"), "{}", r.stderr);
    assert!(!r.stderr.contains("sk-ant-test"));
}

#[tokio::test(flavor = "multi_thread")]
async fn trucks_known_only_by_their_logo_are_named_once_and_then_from_the_cache() {
    let mirror = Mirror::start(Duration::ZERO).await;
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply("Tolu Modern Fijian Cuisine"))
        .mount(&api)
        .await;
    // Urban Family's calendar page is down: its Hivey fallback lists a truck only as a logo.
    let cfg = mirror.config().replace(
        &format!(
            "\"calendar_url\": \"{}/urbanfamilybrewing.com/home/calendar/\"",
            mirror.uri()
        ),
        &format!("\"calendar_url\": \"{}/gone/\"", mirror.uri()),
    );
    let cfg = write_config("ai-vision", &cfg);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("vision-cache.json");
    let (uri, cache_path) = (api.uri(), cache.display().to_string());
    let env = [
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("ANTHROPIC_BASE_URL", uri.as_str()),
        ("ATG_VISION_CACHE", cache_path.as_str()),
        ("ATG_HAIKU_ENABLED", "false"),
    ];
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        "2025-07-05",
        "--format",
        "json",
    ];

    let r = run_with_env(&args, &env).await;
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let named: Vec<&Value> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ai_generated_name"] == true)
        .collect();
    assert_eq!(named.len(), 1, "{}", r.stdout);
    assert_eq!(named[0]["vendor"], "Tolu Modern Fijian Cuisine");
    assert_eq!(named[0]["date"], "2025-07-09");
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
    let body: Value =
        serde_json::from_slice(&api.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        body["messages"][0]["content"][0]["source"]["url"],
        "https://hivey.s3.amazonaws.com/UpdatedLogo_BLK.png"
    );

    // The text output marks the AI-read name.
    let text_args = ["--config", cfg.to_str().unwrap(), "--as-of", "2025-07-05"];
    let r = run_with_env(&text_args, &env).await;
    assert!(
        r.stdout
            .contains("🚚 Tolu Modern Fijian Cuisine 🖼️🤖 @ Urban Family Brewing"),
        "{}",
        r.stdout
    );
    // Second and third runs: the answer came from the cache, nothing more was sent.
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
    assert!(
        std::fs::read_to_string(&cache)
            .unwrap()
            .contains("Tolu Modern Fijian Cuisine")
    );
}

/// A page can list a thousand logos: at most `max_per_run` images go to the AI in one run (the
/// rest stay unnamed), and what the cache already knows costs nothing.
#[tokio::test]
async fn vision_sends_at_most_the_runs_budget_of_images() {
    use atg_pipeline::ai_client::{AiClient, AiSettings, VisionCache};
    use atg_pipeline::core::{FoodTruckEvent, Secret, UNNAMED_VENDOR};
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply("Taco Truck"))
        .mount(&api)
        .await;
    let client = AiClient::new(AiSettings {
        api_key: Secret::new("sk-ant-test"),
        base_url: api.uri(),
        model: "claude-test".into(),
        timeout: Duration::from_secs(5),
        max_attempts: 1,
        max_backoff: Duration::from_secs(1),
        vision: true,
        haiku: true,
    })
    .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 7, 30).unwrap();
    let mut events: Vec<FoodTruckEvent> = (0..50)
        .map(|i| {
            let mut e = FoodTruckEvent::new("b", "B", UNNAMED_VENDOR, day);
            e.image_url = Some(format!("https://images.example.test/logo-{i}.png"));
            e
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut cache = VisionCache::open(Some(tmp.path().join("cache.json")));
    let named =
        atg_pipeline::ai::read_vendor_images(&mut events, &client, &mut cache, &[], 3).await;
    assert_eq!(named, 3);
    assert_eq!(api.received_requests().await.unwrap().len(), 3);
    assert_eq!(events.iter().filter(|e| e.ai_generated_name).count(), 3);
    // A second run: the three known from the cache, three more sent.
    let named =
        atg_pipeline::ai::read_vendor_images(&mut events, &client, &mut cache, &[], 3).await;
    assert_eq!(named, 3);
    assert_eq!(api.received_requests().await.unwrap().len(), 6);
}
