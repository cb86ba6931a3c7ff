//! AI steps in the workflow: their own activities; a failing API never stops the schedule.

use std::time::Duration;

use atg_scrapers::testkit::Mirror;
use atg_workflows::starter::start;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_haiku_is_published_and_an_ai_outage_is_not_a_failure() {
    let server = TestServer::start();
    let q = queue("ai");
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"content": [{"type": "text", "text": "🌤️ Kaosamai Thai\nsteam rising over Obec\nsummer pints at dusk 🍺"}]})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&api)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("vision.json");
    let mirror = Mirror::start(Duration::ZERO).await;
    let (params, repo) = deploy_params(tmp.path(), &mirror.config());
    let mut env = trust_env(&repo);
    env.extend([
        ("ANTHROPIC_API_KEY", "sk-ant-test".to_string()),
        ("ANTHROPIC_BASE_URL", api.uri()),
        ("ATG_AI_MAX_ATTEMPTS", "1".to_string()),
        ("ATG_VISION_CACHE", cache.display().to_string()),
    ]);
    let mut worker = spawn_worker_process(&server, &q, &env);
    let client = server.client().await;
    let (_, r) = start(&client, &q, "ai-1", params.clone(), true)
        .await
        .unwrap();
    assert!(r.unwrap().deployed);
    let data: serde_json::Value =
        serde_json::from_str(&git(&repo, &["show", "main:public/data.json"])).unwrap();
    assert_eq!(
        data["haiku"],
        "🌤️ Kaosamai Thai\nsteam rising over Obec\nsummer pints at dusk 🍺"
    );

    // The API now fails: the haiku activity fails (and is retried by its policy); the run still
    // completes and publishes the schedule, without a haiku.
    let (_, r) = start(&client, &q, "ai-2", params, true).await.unwrap();
    let r = r.unwrap();
    assert!(r.success && r.deployed, "{r:?}");
    assert_eq!(r.events_count, Some(Mirror::WEEK_EVENTS));
    assert!(
        api.received_requests().await.unwrap().len() >= 3,
        "one success, then two failed attempts"
    );
    let data: serde_json::Value =
        serde_json::from_str(&git(&repo, &["show", "main:public/data.json"])).unwrap();
    assert_eq!(data["haiku"], serde_json::Value::Null);
    assert_eq!(data["total_events"], Mirror::WEEK_EVENTS);
    worker.kill().unwrap();
    worker.wait().unwrap();
}
