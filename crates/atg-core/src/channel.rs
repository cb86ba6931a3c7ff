//! Where a secret may travel: the one rule every client that sends a credential follows.

/// `host` is this machine: `localhost` or a loopback address.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A request to `url` may carry a secret: it is https, or plain http to this machine's
/// loopback (a local mirror, proxy or test server), where nothing crosses a network.
///
/// ```
/// use atg_core::secret_may_travel_to;
/// assert!(secret_may_travel_to("https://api.anthropic.com"));
/// assert!(secret_may_travel_to("http://127.0.0.1:8080/v1"));
/// assert!(!secret_may_travel_to("http://api.example.com"));
/// assert!(!secret_may_travel_to("not a url"));
/// ```
pub fn secret_may_travel_to(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(u) => match u.scheme() {
            "https" => u.host().is_some(),
            "http" => u.host_str().is_some_and(is_loopback_host),
            _ => false,
        },
        Err(_) => false,
    }
}
