use std::time::{Duration, Instant};

use atg_ai::{
    AiClient, AiError, AiSettings, HaikuPrompt, VisionCache, WeatherQuery, generate_haiku,
    read_vendor_name,
};
use atg_core::{FoodTruckEvent, Secret};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(base: &str) -> AiClient {
    AiClient::new(AiSettings {
        api_key: Secret::new("sk-ant-test-key"),
        base_url: base.to_string(),
        model: "claude-test".into(),
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        max_backoff: Duration::from_secs(3),
        vision: true,
        haiku: true,
    })
    .unwrap()
}

fn reply(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"
    }))
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, 13).unwrap()
}

fn at_noon(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(12, 0, 0).unwrap()
}

fn events() -> Vec<FoodTruckEvent> {
    vec![
        FoodTruckEvent::new("stoup-ballard", "Stoup Brewing", "Georgia's Greek", today()),
        FoodTruckEvent::new(
            "obec-brewing",
            "Obec Brewing",
            "Kaosamai Thai",
            today().succ_opt().unwrap(),
        ),
    ]
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn a_haiku_about_todays_truck() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/prefix/v1/messages"))
        .and(header("x-api-key", "sk-ant-test-key"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(reply(
            "🍂 Smoke over Ballard\nGeorgia's Greek at Stoup\nAutumn pints glow warm 🍺",
        ))
        .expect(1)
        .mount(&api)
        .await;
    // A base URL with a path prefix keeps it.
    let c = client(&format!("{}/prefix", api.uri()));
    let h = generate_haiku(
        &c,
        &HaikuPrompt::default(),
        at_noon(today()),
        None,
        &events(),
    )
    .await
    .unwrap();
    assert_eq!(
        h.as_deref(),
        Some("🍂 Smoke over Ballard\nGeorgia's Greek at Stoup\nAutumn pints glow warm 🍺")
    );
    let body = &bodies(&api).await[0];
    assert_eq!(body["model"], "claude-test");
    assert_eq!(body["max_tokens"], 150);
    let prompt = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        prompt.contains("October 13, 2025 (Monday)")
            && prompt.contains("Georgia's Greek")
            && prompt.contains("Stoup Brewing")
    );
    assert!(!prompt.contains("Kaosamai"), "only today's trucks");
}

#[tokio::test]
async fn no_truck_today_means_no_request() {
    let api = MockServer::start().await;
    let h = generate_haiku(
        &client(&api.uri()),
        &HaikuPrompt::default(),
        at_noon(today().pred_opt().unwrap()),
        None,
        &events(),
    )
    .await
    .unwrap();
    assert_eq!(h, None);
    assert!(api.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn rate_limited_then_answered_honours_retry_after() {
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply("a b\nc d\ne f"))
        .mount(&api)
        .await;
    let started = Instant::now();
    let h = generate_haiku(
        &client(&api.uri()),
        &HaikuPrompt::default(),
        at_noon(today()),
        None,
        &events(),
    )
    .await
    .unwrap();
    assert_eq!(h.as_deref(), Some("a b\nc d\ne f"));
    let reqs = api.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as retry-after said"
    );
}

#[tokio::test]
async fn server_errors_until_the_retries_are_spent() {
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(529).set_body_json(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})))
        .mount(&api)
        .await;
    let mut c = client(&api.uri());
    c.settings.max_backoff = Duration::from_millis(50);
    let e = generate_haiku(
        &c,
        &HaikuPrompt::default(),
        at_noon(today()),
        None,
        &events(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AiError::Status { status: 529, .. }), "{e}");
    assert!(e.to_string().contains("Overloaded"));
    assert_eq!(api.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn malformed_replies_and_replies_that_are_not_haiku() {
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy error</html>"))
        .expect(1)
        .mount(&api)
        .await;
    let e = generate_haiku(
        &client(&api.uri()),
        &HaikuPrompt::default(),
        at_noon(today()),
        None,
        &events(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AiError::Malformed(_)), "{e}");

    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply(
            "Sure! Here's a haiku for you:\n\nLine one\nLine two\nLine three",
        ))
        .mount(&api)
        .await;
    let h = generate_haiku(
        &client(&api.uri()),
        &HaikuPrompt::default(),
        at_noon(today()),
        None,
        &events(),
    )
    .await
    .unwrap();
    assert_eq!(h, None, "four lines are not a haiku");
}

#[tokio::test]
async fn a_bad_prompt_file_falls_back_to_the_built_in_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("p.txt");
    std::fs::write(&bad, "Write a haiku about {truck_name}.").unwrap();
    let p =
        HaikuPrompt::from_env(|k| (k == "HAIKU_PROMPT_FILE").then(|| bad.display().to_string()));
    assert_eq!(p, HaikuPrompt::default());
    let good = dir.path().join("g.txt");
    std::fs::write(
        &good,
        "{date}: {truck_name} at {brewery_name}.\n{events_summary}\nThree lines, please.",
    )
    .unwrap();
    let p =
        HaikuPrompt::from_env(|k| (k == "HAIKU_PROMPT_FILE").then(|| good.display().to_string()));
    assert!(p.template().starts_with("{date}: {truck_name}"));
}

#[tokio::test]
async fn vision_sends_the_image_by_url_and_the_cache_saves_the_second_request() {
    let api = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply("Tolu Modern Fijian Cuisine"))
        .expect(1)
        .mount(&api)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cache_path = dir.path().join("vision.json");
    let url = "https://hivey.s3.amazonaws.com/UpdatedLogo_BLK.png";
    let known = vec!["Kaosamai Thai Restaurant".to_string()];

    let mut cache = VisionCache::open(Some(cache_path.clone()));
    let name = read_vendor_name(&client(&api.uri()), &mut cache, url, &known)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("Tolu Modern Fijian Cuisine"));
    cache.save().unwrap();
    let body = &bodies(&api).await[0];
    assert_eq!(body["max_tokens"], 200);
    assert_eq!(
        body["messages"][0]["content"][0],
        json!({"type": "image", "source": {"type": "url", "url": url}})
    );
    assert!(
        body["messages"][0]["content"][1]["text"]
            .as_str()
            .unwrap()
            .contains("Kaosamai Thai Restaurant")
    );

    // A second run: from the cache, no request (the mock expects exactly one).
    let mut cache = VisionCache::open(Some(cache_path));
    let again = read_vendor_name(&client(&api.uri()), &mut cache, url, &known)
        .await
        .unwrap();
    assert_eq!(again.as_deref(), Some("Tolu Modern Fijian Cuisine"));

    // Not an image URL: no request either.
    assert_eq!(
        read_vendor_name(
            &client(&api.uri()),
            &mut cache,
            "https://x.test/page",
            &known
        )
        .await
        .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_retry_after_too_large_for_any_clock_is_capped_not_a_crash() {
    let api = MockServer::start().await;
    for huge in ["1e20", "18446744073709551616", "inf", "-5", "soon"] {
        Mock::given(path("/v1/messages"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", huge)
                    .set_body_json(json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&api)
            .await;
        let settings = AiSettings {
            api_key: Secret::new("sk-ant-test-key"),
            base_url: api.uri(),
            model: "claude-test".into(),
            timeout: Duration::from_secs(5),
            max_attempts: 2,
            max_backoff: Duration::from_millis(200),
            vision: true,
            haiku: true,
        };
        Mock::given(path("/v1/messages"))
            .respond_with(reply("a b\nc d\ne f"))
            .mount(&api)
            .await;
        let h = generate_haiku(
            &AiClient::new(settings).unwrap(),
            &HaikuPrompt::default(),
            at_noon(today()),
            None,
            &events(),
        )
        .await
        .unwrap();
        assert_eq!(h.as_deref(), Some("a b\nc d\ne f"), "{huge}");
        api.reset().await;
    }
}

#[test]
fn the_key_is_never_sent_in_the_clear() {
    let env = |base: &'static str| {
        move |k: &str| match k {
            "ANTHROPIC_API_KEY" => Some("sk-ant-test-key".to_string()),
            "ANTHROPIC_BASE_URL" => Some(base.to_string()),
            _ => None,
        }
    };
    assert!(AiSettings::from_env(env("http://api.example.com")).is_none());
    assert!(AiSettings::from_env(env("https://api.example.com")).is_some());
    assert!(AiSettings::from_env(env("http://127.0.0.1:9999")).is_some());
}

/// A prompt in the shape of the original's newest, with `{time_of_day}` and `{weather}`.
fn weather_prompt() -> HaikuPrompt {
    HaikuPrompt::from_template(include_str!(
        "../../../fixtures/sources/haiku_prompt_with_weather.txt"
    ))
    .unwrap()
}

fn forecast(day: NaiveDate) -> Value {
    // Two days of hours; this evening (18–21) is 44–47°F and overcast, the rest 60°F and clear.
    let mut time = Vec::new();
    let (mut temp, mut code, mut wind, mut humidity) = (vec![], vec![], vec![], vec![]);
    for d in [day, day.succ_opt().unwrap()] {
        for h in 0..24 {
            time.push(format!("{d}T{h:02}:00"));
            let evening = d == day && (18..=21).contains(&h);
            temp.push(if evening {
                44.0 + f64::from(h - 18)
            } else {
                60.0
            });
            code.push(if evening { 3 } else { 0 });
            wind.push(if evening { 20.0 } else { 2.0 });
            humidity.push(if evening { 88 } else { 40 });
        }
    }
    json!({"latitude": 40.7, "longitude": -74.0, "hourly_units": {"temperature_2m": "°F"},
        "hourly": {"time": time, "temperature_2m": temp, "weather_code": code,
            "wind_speed_10m": wind, "relative_humidity_2m": humidity}})
}

fn new_york(url: String) -> WeatherQuery {
    WeatherQuery {
        url,
        latitude: 40.7128,
        longitude: -74.006,
        zone: "America/New_York".parse().unwrap(),
    }
}

/// The prompt a haiku at `now` is asked with, Open-Meteo answering as `forecast` does (asked
/// exactly once) and the API with a haiku.
async fn prompt_with_forecast(forecast: Mock, now: NaiveDateTime) -> String {
    let api = MockServer::start().await;
    let meteo = MockServer::start().await;
    forecast.expect(1).mount(&meteo).await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply("a b\nc d\ne f"))
        .expect(1)
        .mount(&api)
        .await;
    let query = new_york(format!("{}/v1/forecast", meteo.uri()));
    let h = generate_haiku(
        &client(&api.uri()),
        &weather_prompt(),
        now,
        Some(&query),
        &events(),
    )
    .await
    .unwrap();
    assert_eq!(h.as_deref(), Some("a b\nc d\ne f"));
    bodies(&api).await[0]["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_weather_of_the_sites_evening_goes_into_the_prompt() {
    let forecast = Mock::given(method("GET"))
        .and(path("/v1/forecast"))
        .and(query_param("latitude", "40.7128"))
        .and(query_param("longitude", "-74.006"))
        .and(query_param(
            "hourly",
            "temperature_2m,weather_code,wind_speed_10m,relative_humidity_2m",
        ))
        .and(query_param("temperature_unit", "fahrenheit"))
        .and(query_param("timezone", "America/New_York"))
        .and(query_param("forecast_days", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(forecast(today())));
    let prompt = prompt_with_forecast(forecast, today().and_hms_opt(19, 15, 0).unwrap()).await;
    assert!(
        prompt.contains(
            "It is Evening in Ballard, Seattle. The weather: 46°F, overcast, breezy, 88% humidity\n"
        ),
        "{prompt}"
    );
    assert!(
        prompt.contains("Georgia's Greek, parked at Stoup Brewing"),
        "{prompt}"
    );
}

#[tokio::test]
async fn a_failed_forecast_leaves_the_weather_empty_and_the_haiku_is_still_asked() {
    for failure in [
        ResponseTemplate::new(503),
        ResponseTemplate::new(200).set_body_json(json!({"error": true, "reason": "bad"})),
        ResponseTemplate::new(200)
            .set_body_json(forecast(today()))
            .set_delay(Duration::from_secs(15)),
    ] {
        let forecast = Mock::given(path("/v1/forecast")).respond_with(failure);
        let prompt = prompt_with_forecast(forecast, at_noon(today())).await;
        assert!(
            prompt.contains("It is Afternoon in Ballard, Seattle. The weather: \n"),
            "{prompt}"
        );
    }
}

#[tokio::test]
async fn no_weather_request_without_a_weather_placeholder_or_without_trucks() {
    let api = MockServer::start().await;
    let meteo = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(reply("a b\nc d\ne f"))
        .mount(&api)
        .await;
    let query = new_york(format!("{}/v1/forecast", meteo.uri()));
    let c = client(&api.uri());
    generate_haiku(
        &c,
        &HaikuPrompt::default(),
        at_noon(today()),
        Some(&query),
        &events(),
    )
    .await
    .unwrap();
    let yesterday = at_noon(today().pred_opt().unwrap());
    generate_haiku(&c, &weather_prompt(), yesterday, Some(&query), &events())
        .await
        .unwrap();
    assert!(meteo.received_requests().await.unwrap().is_empty());
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
}

/// The forecast is fetched under the project's one outbound policy: a chain of redirects longer
/// than it allows is not followed to its end (reqwest's own default would follow ten).
#[tokio::test]
async fn the_forecast_follows_redirects_only_as_the_outbound_policy_allows() {
    let meteo = MockServer::start().await;
    for hop in 0..7 {
        Mock::given(path(format!("/hop{hop}")))
            .respond_with(ResponseTemplate::new(302).insert_header(
                "location",
                format!("{}/hop{}", meteo.uri(), hop + 1).as_str(),
            ))
            .mount(&meteo)
            .await;
    }
    Mock::given(path("/hop7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(forecast(today())))
        .mount(&meteo)
        .await;
    let query = new_york(format!("{}/hop0", meteo.uri()));
    let window = atg_ai::TimeWindow::at(at_noon(today()));
    let e = atg_ai::fetch_weather(&query, window).await.unwrap_err();
    assert!(e.to_string().contains("redirect"), "{e}");
    let asked: Vec<String> = meteo
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert!(!asked.contains(&"/hop7".to_string()), "{asked:?}");
}
