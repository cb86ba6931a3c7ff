//! Headless Chromium driven over the DevTools protocol (chromiumoxide): a reader's time zone
//! and colour scheme, real key presses, and axe-core's audit (from npm) run in the page.

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::emulation::MediaFeature;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures::StreamExt;
use serde_json::Value;

/// The Chromium to drive: `CHROMIUM`, else the first on the PATH (its full path).
pub fn chromium() -> String {
    if let Ok(c) = std::env::var("CHROMIUM") {
        return c;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(found) = std::env::split_paths(&path)
            .map(|d| d.join(c))
            .find(|p| p.is_file())
        {
            return found.display().to_string();
        }
    }
    panic!(
        "headless Chromium is needed for the page test: apt-get install chromium (or set CHROMIUM)"
    );
}

/// axe-core's script, installed by `npm ci` (cargo xtask test does it).
pub fn axe_source() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: the page's accessibility audit needs axe-core from npm (run `npm ci` at the repository's root)",
            path.display()
        )
    })
}

/// One headless Chromium, its own profile, closed on drop.
pub struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

/// How a reader sees the page.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The reader's own time zone.
    pub zone: &'a str,
    pub dark: bool,
}

impl Chromium {
    pub async fn launch() -> Self {
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable(chromium())
            .no_sandbox()
            .user_data_dir(profile.path())
            .args([
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .window_size(1000, 900)
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let (browser, mut events) = Browser::launch(config).await.unwrap();
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        Self {
            browser,
            handler,
            _profile: profile,
        }
    }

    /// `url` as `reader` sees it, once the page has rendered (or failed to).
    pub async fn open(&self, url: &str, reader: Reader<'_>) -> Page {
        let page = self.browser.new_page("about:blank").await.unwrap();
        page.emulate_timezone(reader.zone).await.unwrap();
        page.emulate_media_features(vec![MediaFeature::new(
            "prefers-color-scheme",
            if reader.dark { "dark" } else { "light" },
        )])
        .await
        .unwrap();
        page.goto(url).await.unwrap();
        wait_until(
            &page,
            "document.body && document.body.dataset.state !== undefined",
        )
        .await;
        page
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.handler.abort();
    }
}

/// `js` evaluated in the page (promises awaited), as JSON.
pub async fn eval(page: &Page, js: &str) -> Value {
    let params = EvaluateParams::builder()
        .expression(js)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .unwrap();
    page.evaluate(params)
        .await
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .value()
        .cloned()
        .unwrap_or(Value::Null)
}

/// Waits (10 s at most) until `condition` is true in the page.
pub async fn wait_until(page: &Page, condition: &str) {
    for _ in 0..200 {
        if eval(page, &format!("Boolean({condition})")).await == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page never got to: {condition}");
}

/// The text of every element `css` matches that is shown (no `hidden` ancestor).
pub async fn shown_texts(page: &Page, css: &str) -> Vec<String> {
    let js = format!(
        "[...document.querySelectorAll({})].filter((e) => !e.closest('[hidden]')).map((e) => e.textContent.trim())",
        serde_json::to_string(css).unwrap()
    );
    serde_json::from_value(eval(page, &js).await).unwrap()
}

/// Clicks the first element `css` matches, as a mouse would.
pub async fn click(page: &Page, css: &str) {
    page.find_element(css)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Presses `key` (a DevTools key name: `Tab`, `Enter`, ` `) where the focus is.
pub async fn press(page: &Page, key: &str) {
    page.find_element("body")
        .await
        .unwrap()
        .press_key(key)
        .await
        .unwrap();
}

/// The focused element, as `tag.class` (`button.chip`).
pub async fn focused(page: &Page) -> String {
    eval(
        page,
        "(() => { const e = document.activeElement; return e ? `${e.tagName.toLowerCase()}.${e.className}` : ''; })()",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Tabs until the focus is on an element `css` matches (80 presses at most); returns every
/// element the focus passed, in order.
pub async fn tab_to(page: &Page, css: &str) -> Vec<String> {
    let mut passed = Vec::new();
    let test = format!(
        "document.activeElement && document.activeElement.matches({})",
        serde_json::to_string(css).unwrap()
    );
    for _ in 0..80 {
        press(page, "Tab").await;
        passed.push(focused(page).await);
        if eval(page, &test).await == Value::Bool(true) {
            return passed;
        }
    }
    panic!("the keyboard never reached {css}: {passed:?}");
}

/// axe-core's serious and critical violations on the page as it is now (`id: selectors`).
pub async fn serious_violations(page: &Page) -> Vec<String> {
    if eval(page, "typeof window.axe").await != Value::String("object".into()) {
        eval(page, &axe_source()).await;
    }
    let found = eval(
        page,
        r#"axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`))"#,
    )
    .await;
    serde_json::from_value(found).unwrap()
}
