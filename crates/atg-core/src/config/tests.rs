use std::path::Path;

use super::model::DEFAULT_STALE_AFTER;
use super::*;

#[test]
fn embedded_config_lists_the_nine_breweries_in_order() {
    let c = SiteConfig::embedded().unwrap();
    let keys: Vec<_> = c.breweries.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "stoup-ballard",
            "yonder-balebreaker",
            "obec-brewing",
            "urban-family",
            "wheelie-pop",
            "chucks-greenwood",
            "salehs-corner",
            "lucky-envelope",
            "channel-marker"
        ]
    );
}

#[test]
fn the_shipped_config_is_the_ballard_site_with_its_weather() {
    let c = SiteConfig::embedded().unwrap();
    assert_eq!(c.site.key, "ballard");
    assert_eq!(c.site.title, "Ballard");
    assert_eq!(c.site.timezone, crate::PACIFIC);
    assert_eq!(c.site.coordinates, Some((47.6762, -122.3851)));
    assert_eq!(c.site.publish.dir(), "public");
    assert_eq!(c.site.stale_after, DEFAULT_STALE_AFTER);
}

const TWO_SITES: &str = r#"{"sites": [
    {"key": "ballard", "title": "Ballard", "breweries": [{"key":"a","name":"A","url":"https://a.test/"}]},
    {"key": "brooklyn", "title": "Brooklyn", "timezone": "America/New_York",
     "publish": {"repository": "https://github.com/o/brooklyn.git", "branch": "pages", "path": "."},
     "stale_after": 5,
     "breweries": [{"key":"a","name":"A","url":"webcal://b.test/cal.ics"}]}
]}"#;

#[test]
fn a_file_with_a_sites_list() {
    let list = SiteList::parse(TWO_SITES, "sites.json").unwrap();
    assert_eq!(list.keys(), ["ballard", "brooklyn"]);
    let b = list.site(Some("brooklyn")).unwrap();
    assert_eq!(b.site.timezone.name(), "America/New_York");
    assert_eq!(b.site.publish.dir(), "");
    assert_eq!(b.site.publish.branch.as_deref(), Some("pages"));
    assert_eq!(b.site.stale_after, 5);
    assert_eq!(b.breweries[0].url, "https://b.test/cal.ics");
    assert_eq!(list.site(None).unwrap().site.key, "ballard");
    let all = list.select(&["all".to_string()]).unwrap();
    assert_eq!(all.len(), 2);
    let one = list
        .select(&["brooklyn".to_string(), "brooklyn".to_string()])
        .unwrap();
    assert_eq!(one.len(), 1);
    let e = list
        .select(&["queens".to_string()])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        r#"sites.json: no site "queens" (sites: ballard, brooklyn)"#
    );
}

#[test]
fn a_directory_of_site_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let site = |key: &str, zone: &str| {
        format!(
            r#"{{"key": "{key}", "timezone": "{zone}", "breweries": [{{"key":"a","name":"A","url":"https://a.test/"}}]}}"#
        )
    };
    std::fs::write(
        dir.path().join("2-nyc.json"),
        site("nyc", "America/New_York"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("1-sea.json"),
        site("sea", "America/Los_Angeles"),
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "not a site").unwrap();
    let list = SiteList::load(Some(dir.path())).unwrap();
    assert_eq!(list.keys(), ["sea", "nyc"]);
    std::fs::write(dir.path().join("3-again.json"), site("nyc", "Europe/Paris")).unwrap();
    let e = SiteList::load(Some(dir.path())).unwrap_err().to_string();
    assert!(
        e.contains("3-again.json: key: the site key \"nyc\" is also the key of a site in"),
        "{e}"
    );
}

#[test]
fn bad_site_settings_name_their_field() {
    let err = |text: &str| SiteList::parse(text, "s.json").unwrap_err().to_string();
    assert_eq!(
        err(r#"{"timezone": "Mars/Olympus", "breweries": []}"#),
        r#"config file s.json: timezone: "Mars/Olympus" is not a tz database zone (like America/New_York)"#
    );
    assert!(
        err(r#"{"timezon": "America/New_York", "breweries": []}"#)
            .contains("unknown field `timezon`")
    );
    assert_eq!(
        err(r#"{"sites": [{"title": "X", "breweries": []}]}"#),
        "config file s.json: sites[0].key: is required for each site of a list"
    );
    assert!(
        err(r#"{"key": "Big City", "breweries": []}"#)
            .contains("key: \"Big City\": use lower-case")
    );
    assert_eq!(
        err(r#"{"latitude": 47.6, "breweries": []}"#),
        "config file s.json: latitude: give both latitude and longitude, or neither"
    );
    assert!(err(r#"{"latitude": 147.6, "longitude": 0, "breweries": []}"#).contains("within ±90"));
    assert!(
        err(r#"{"publish": {"path": "../elsewhere"}, "breweries": []}"#)
            .contains("publish.path: \"../elsewhere\" must be a directory inside the repository")
    );
    assert!(
        err(r#"{"weather_url": "file:///etc/passwd", "breweries": []}"#)
            .starts_with("config file s.json: weather_url:")
    );
    assert_eq!(
        err(r#"{"sites": []}"#),
        "config file s.json: sites: lists no site"
    );
    assert_eq!(
        err(r#"{"timezone": "America/New_York", "sites": [{"key": "a"}]}"#),
        "config file s.json: sites: a file with a `sites` list holds nothing else (put the settings in its sites)"
    );
    assert_eq!(
        err(r#"{"sites": [{"key": "a", "sites": []}]}"#),
        "config file s.json: sites[0].sites: a site cannot hold sites"
    );
    let e = err("{not json");
    assert!(
        e.starts_with("config file s.json: (top level): key must be a string"),
        "{e}"
    );
}

#[test]
fn parser_config_defaults_to_empty_when_missing_or_null() {
    let c = SiteConfig::parse(
        r#"{"breweries":[{"key":"a","name":"A","url":"https://a.test/"},
            {"key":"b","name":"B","url":"https://b.test/","parser_config":null}]}"#,
        "t.json",
    )
    .unwrap();
    assert!(c.breweries.iter().all(|b| b.parser_config.is_empty()));
}

#[test]
fn a_webcal_feed_is_read_over_https() {
    let c = SiteConfig::parse(
        r#"{"breweries":[{"key":"a","name":"A","url":"webcal://cal.test/a.ics","parser":"ical"}]}"#,
        "t.json",
    )
    .unwrap();
    assert_eq!(c.breweries[0].url, "https://cal.test/a.ics");
}

#[test]
fn missing_breweries_key_is_an_empty_list() {
    assert!(
        SiteConfig::parse("{}", "t.json")
            .unwrap()
            .breweries
            .is_empty()
    );
}

#[test]
fn errors_name_the_file_and_the_field() {
    let e = SiteConfig::parse(
        r#"{"breweries":[{"key":"a","name":"A","url":"https://a.test/"},{"key":"b","name":"B"}]}"#,
        "conf.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("config file conf.json: breweries[1]: missing field `url`"),
        "{e}"
    );

    let e = SiteConfig::parse(
        r#"{"breweries":[{"key":"a","name":"A","url":"/relative"}]}"#,
        "conf.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("config file conf.json: breweries[0].url: "),
        "{e}"
    );

    let e = SiteConfig::parse(r#"{"breweries":[{"key":1}]}"#, "c.json").unwrap_err();
    assert!(
        e.to_string().contains("breweries[0].key: invalid type"),
        "{e}"
    );

    let e = SiteConfig::parse("{not json", "c.json").unwrap_err();
    assert!(e.to_string().starts_with("config file c.json: "), "{e}");

    let e = SiteConfig::parse(
        r#"{"breweries":[{"key":"a","name":"A","url":"https://a.test/"},{"key":"a","name":"B","url":"https://b.test/"}]}"#,
        "c.json",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("breweries[1].key: duplicate brewery key"),
        "{e}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let e = SiteConfig::load(Some(Path::new("/nonexistent/b.json"))).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("config file /nonexistent/b.json: cannot read it")
    );
}

#[test]
fn keys_that_share_a_feed_name_are_refused() {
    let e = SiteConfig::parse(
        r#"{"breweries": [
            {"key": "stoup_ballard", "name": "A", "url": "https://a.test/"},
            {"key": "Stoup-Ballard", "name": "B", "url": "https://b.test/"}
        ]}"#,
        "t.json",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "config file t.json: breweries[1].key: \"Stoup-Ballard\" and \"stoup_ballard\" both become the feed events-stoup-ballard.ics: rename one"
    );
}

#[test]
fn devices_and_huge_files_are_refused_without_reading_them_whole() {
    let e = SiteConfig::load(Some(Path::new("/dev/zero")))
        .unwrap_err()
        .to_string();
    assert_eq!(e, "config file /dev/zero: is not a regular file");
    let dir = std::env::temp_dir().join(format!("atg-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_CONFIG_BYTES + 1).unwrap();
    let e = SiteConfig::load(Some(&big)).unwrap_err().to_string();
    assert!(
        e.ends_with("is larger than the 16 MiB a brewery list may have"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_named_config_is_read_only_inside_the_allowed_directory() {
    let root = std::env::temp_dir().join(format!("atg-within-{}", std::process::id()));
    let allowed = root.join("configs");
    std::fs::create_dir_all(&allowed).unwrap();
    let one = r#"{"breweries": [{"key": "a", "name": "A", "url": "https://a.test/"}]}"#;
    std::fs::write(allowed.join("seattle.json"), one).unwrap();
    std::fs::write(root.join("secret.json"), one).unwrap();
    std::os::unix::fs::symlink(root.join("secret.json"), allowed.join("link.json")).unwrap();
    let within = |r: &str| SiteConfig::load_within(Some(r), Some(&allowed));

    assert_eq!(within("seattle.json").unwrap().breweries.len(), 1);
    let abs = allowed.join("seattle.json");
    assert_eq!(within(abs.to_str().unwrap()).unwrap().breweries.len(), 1);
    for outside in ["../secret.json", "link.json", "/etc/passwd", "/dev/zero"] {
        let e = within(outside).unwrap_err().to_string();
        assert!(e.starts_with(&format!("config_path {outside:?}: ")), "{e}");
    }
    assert!(
        within("missing.json")
            .unwrap_err()
            .to_string()
            .contains("no such file")
    );
    // No directory: only the built-in list, and null or "" still mean it.
    let e = SiteConfig::load_within(Some("seattle.json"), None).unwrap_err();
    assert!(e.to_string().contains("ATG_CONFIG_DIR"), "{e}");
    assert_eq!(
        SiteConfig::load_within(None, None).unwrap().origin,
        EMBEDDED_CONFIG_NAME
    );
    assert_eq!(
        SiteConfig::load_within(Some(" "), None).unwrap().origin,
        EMBEDDED_CONFIG_NAME
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_config_directory_reads_only_its_own_regular_files() {
    let root = tempfile::tempdir().unwrap();
    let allowed = root.path().join("configs");
    std::fs::create_dir(&allowed).unwrap();
    let site = r#"{"key": "ballard", "breweries": []}"#;
    std::fs::write(allowed.join("a.json"), site).unwrap();
    let secret = root.path().join("secret.json");
    std::fs::write(&secret, r#"{"token": "s3cr3t-value"}"#).unwrap();
    // A directory with a link to a file outside: refused, the link named, nothing read.
    std::os::unix::fs::symlink(&secret, allowed.join("b.json")).unwrap();
    let e = SiteList::load_within(Some("."), Some(&allowed))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("b.json") && e.contains("outside the worker's config directory"),
        "{e}"
    );
    assert!(!e.contains("s3cr3t"), "{e}");
    std::fs::remove_file(allowed.join("b.json")).unwrap();
    // A FIFO is refused before it is opened (an open would block for ever).
    nix::unistd::mkfifo(&allowed.join("c.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let started = std::time::Instant::now();
    let e = SiteList::load_within(Some("."), Some(&allowed))
        .unwrap_err()
        .to_string();
    assert!(e.contains("c.json: is not a regular file"), "{e}");
    let e = SiteList::load_within(Some("c.json"), Some(&allowed))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not a regular file"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    std::fs::remove_file(allowed.join("c.json")).unwrap();
    assert_eq!(
        SiteList::load_within(Some("."), Some(&allowed))
            .unwrap()
            .keys(),
        ["ballard"]
    );
}

#[test]
fn the_originals_breweries_take_what_they_leave_out_from_the_operators_own() {
    let original = SiteList::parse(
        r#"{"breweries": [
            {"key": "yonder-balebreaker", "name": "Y", "url": "https://mirror.test/y",
             "parser_config": {"note": "n", "api_type": "squarespace_calendar"}},
            {"key": "custom", "name": "C", "url": "https://c.test/", "parser": "ical"}
        ]}"#,
        "original.json",
    )
    .unwrap();
    let own = SiteList::parse(EMBEDDED_CONFIG, EMBEDDED_CONFIG_NAME).unwrap();
    let (filled, notices) = original.with_defaults(&own);
    let y = &filled.sites[0].breweries[0];
    assert!(
        y.parser_config["month_api_url"]
            .as_str()
            .unwrap()
            .contains("GetItemsByMonth")
    );
    // What it gave wins; the original's own settings are kept and named once.
    assert_eq!(y.parser_config["note"], "n");
    assert_eq!(y.url, "https://mirror.test/y");
    assert_eq!(
        notices,
        [
            "original.json: yonder-balebreaker (ballard): parser_config.api_type is the original's and is not read here"
        ]
    );
    assert!(filled.sites[0].breweries[1].parser_config.is_empty());
}
