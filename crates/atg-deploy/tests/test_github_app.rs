//! The GitHub App flow against a stand-in for GitHub's API.

use std::process::Command;

use atg_deploy::{Auth, AuthError, GitSettings};
use base64::Engine;
use serde_json::{Value, json};
use wiremock::matchers::{header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fresh RSA key (PKCS#1 PEM) for a test App.
fn app_key() -> String {
    let out = Command::new("openssl")
        .args(["genrsa", "-traditional", "2048"])
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn settings(api: &str, key_pem: &str) -> GitSettings {
    let b64 = base64::engine::general_purpose::STANDARD.encode(key_pem);
    let vars = [
        ("GITHUB_APP_ID", "424242".to_string()),
        ("GITHUB_APP_PRIVATE_KEY_B64", b64),
        ("GITHUB_API_URL", api.to_string()),
        // The API is a local stand-in; the repositories are GitHub's.
        ("GITHUB_HOST", "github.com".to_string()),
        (
            "GITHUB_TOKEN",
            "ignored-when-an-app-is-configured".to_string(),
        ),
    ];
    GitSettings::from_env(
        Some("https://github.com/steve/ballard-food-trucks.git".into()),
        None,
        |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()),
    )
    .unwrap()
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 20, 0, 0).unwrap()
}

fn claims(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let dec = |p: &str| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    (dec(parts.next().unwrap()), dec(parts.next().unwrap()))
}

#[tokio::test]
async fn installation_token_from_the_apps_jwt() {
    let gh = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/steve/ballard-food-trucks/installation"))
        .and(header_regex(
            "authorization",
            "^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 777, "account": {"login": "steve"}})),
        )
        .expect(1)
        .mount(&gh)
        .await;
    Mock::given(method("POST"))
        .and(path("/app/installations/777/access_tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"token": "ghs_minted123456789", "expires_at": "2026-11-25T21:00:00Z"}),
        ))
        .expect(1)
        .mount(&gh)
        .await;
    let s = settings(&gh.uri(), &app_key());
    assert!(
        matches!(s.auth, Auth::App(_)),
        "an App wins over GITHUB_TOKEN"
    );
    assert!(s.summary().contains("GitHub App 424242"));
    let token = s.token(now()).await.unwrap().unwrap();
    assert_eq!(token.expose(), "ghs_minted123456789");

    let reqs = gh.received_requests().await.unwrap();
    let jwt = reqs[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .trim_start_matches("Bearer ")
        .to_string();
    let (header, body) = claims(&jwt);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(body["iss"], "424242");
    let t = now().timestamp();
    assert_eq!(body["iat"], t - 60);
    assert!(body["exp"].as_i64().unwrap() <= t + 600);
    assert_eq!(
        reqs[1].headers.get("authorization"),
        reqs[0].headers.get("authorization")
    );
}

#[tokio::test]
async fn not_installed_unauthorized_and_malformed_replies() {
    let key = app_key();
    let gh = MockServer::start().await;
    Mock::given(path("/repos/steve/ballard-food-trucks/installation"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&gh)
        .await;
    let e = settings(&gh.uri(), &key).token(now()).await.unwrap_err();
    assert!(matches!(e, AuthError::NotInstalled { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("not installed on steve/ballard-food-trucks"),
        "{e}"
    );

    let gh = MockServer::start().await;
    Mock::given(path("/repos/steve/ballard-food-trucks/installation"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"message": "'Expiration time' claim ('exp') is too far in the future"}),
        ))
        .mount(&gh)
        .await;
    let e = settings(&gh.uri(), &key).token(now()).await.unwrap_err();
    assert!(
        matches!(e, AuthError::Unauthorized { status: 401, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("clock"), "{e}");

    let gh = MockServer::start().await;
    Mock::given(path("/repos/steve/ballard-food-trucks/installation"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 9})))
        .mount(&gh)
        .await;
    Mock::given(path("/app/installations/9/access_tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_string("<html>oops</html>"))
        .mount(&gh)
        .await;
    let e = settings(&gh.uri(), &key).token(now()).await.unwrap_err();
    assert!(matches!(e, AuthError::Malformed { .. }), "{e}");

    // GitHub unreachable.
    let e = settings("http://127.0.0.1:9", &key)
        .token(now())
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cannot reach the GitHub API at http://127.0.0.1:9"),
        "{e}"
    );
}

#[test]
fn a_malformed_key_is_refused_when_the_settings_are_read() {
    let b64 = base64::engine::general_purpose::STANDARD
        .encode("-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n");
    let e = GitSettings::from_env(Some("https://github.com/a/b".into()), None, |k| match k {
        "GITHUB_APP_ID" => Some("1".into()),
        "GITHUB_APP_PRIVATE_KEY_B64" => Some(b64.clone()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("GITHUB_APP_PRIVATE_KEY_B64: not a usable RSA private key"),
        "{e}"
    );
}

#[tokio::test]
async fn no_token_is_minted_for_another_host() {
    let gh = MockServer::start().await;
    let mut s = settings(&gh.uri(), &app_key());
    s.target.url = "https://evil.example/steve/ballard-food-trucks.git".into();
    let e = s.token(now()).await.unwrap_err();
    assert!(matches!(e, AuthError::WrongHost(_)), "{e}");
    assert!(
        e.to_string()
            .contains("the token is for https://github.com:443, not https://evil.example:443"),
        "{e}"
    );
    assert!(gh.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_app_needs_a_github_url() {
    let mut s = settings("http://127.0.0.1:9", &app_key());
    s.target.url = "git@github.com:steve/site.git".into();
    let e = s.token(now()).await.unwrap_err();
    assert!(matches!(e, AuthError::NotGitHub(_)), "{e}");
}
