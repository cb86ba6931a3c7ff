//! The one outbound HTTP policy: every client of the project (the scrapers' fetcher, `probe`,
//! the weather, the AI and its vision requests, GitHub's API, the worker's health check) is
//! built here, with the same timeouts, user agent, TLS (rustls) and rules about where a request
//! may go:
//!
//! - a loopback, link-local, private, shared or unique-local address (and `localhost`) is
//!   refused, on the first request as on every redirect and whatever a name resolves to,
//!   unless the operator named that host ([`InternalHosts`]: the hosts of their config, their
//!   repository, their AI endpoint);
//! - a redirect from https to http, or to anything but http(s), is refused, and so is a chain
//!   longer than the policy's limit.
//!
//! Not here: retries, body limits and what a request is for (each client's own).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The User-Agent of every request that sets none of its own.
pub const USER_AGENT: &str = concat!(
    "Around-the-Grounds/",
    env!("CARGO_PKG_VERSION"),
    " (food-truck schedule tracker)"
);

/// Hosts on this machine or a private network that the operator named (a local mirror, a
/// repository on the LAN, a test server): requests to them are allowed. Shared by the clients
/// of one process; a worker adds the hosts of each configuration it loads.
#[derive(Debug, Clone, Default)]
pub struct InternalHosts(Arc<RwLock<HashSet<String>>>);

impl InternalHosts {
    /// The hosts of `urls` (any that do not parse are ignored).
    pub fn of<'u>(urls: impl IntoIterator<Item = &'u str>) -> Self {
        let hosts = Self::default();
        hosts.add_urls(urls);
        hosts
    }

    /// Adds the host of each of `urls`.
    pub fn add_urls<'u>(&self, urls: impl IntoIterator<Item = &'u str>) {
        let found: Vec<String> = urls
            .into_iter()
            .filter_map(|u| url::Url::parse(u.trim()).ok())
            .filter_map(|u| host_key(&u))
            .collect();
        if found.is_empty() {
            return;
        }
        if let Ok(mut set) = self.0.write() {
            set.extend(found);
        }
    }

    /// Whether the operator named `url`'s host.
    pub fn contains(&self, url: &url::Url) -> bool {
        host_key(url).is_some_and(|h| self.contains_host(&h))
    }

    fn contains_host(&self, host: &str) -> bool {
        self.0.read().is_ok_and(|s| s.contains(host))
    }
}

/// A host as the allow-list keeps it: lower case, without brackets or a trailing dot.
fn host_key(u: &url::Url) -> Option<String> {
    let h = u.host_str()?;
    Some(
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase(),
    )
}

/// An address of this machine or a private network: loopback, private (RFC 1918), shared
/// (100.64/10), link-local (the cloud metadata service), unspecified, broadcast, unique-local
/// (fc00::/7), link-local v6, and IPv4 mapped into v6.
pub fn is_internal_ip(ip: IpAddr) -> bool {
    let v4 = |ip: Ipv4Addr| {
        ip.is_loopback()
            || ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
    };
    match ip {
        IpAddr::V4(ip) => v4(ip),
        IpAddr::V6(ip) => {
            let seg = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || ip.to_ipv4_mapped().is_some_and(v4)
        }
    }
}

/// The URL names this machine or a private network by its address, or `localhost`.
pub fn is_internal_host(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => is_internal_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_internal_ip(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// How a process's requests go out.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// One request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_redirects: usize,
    pub user_agent: String,
    /// Internal hosts the operator named.
    pub internal: InternalHosts,
    /// Host names pinned to addresses, as `curl --resolve` does (a test, a mirror): the
    /// operator's choice, so they are not filtered.
    pub resolve: Vec<(String, SocketAddr)>,
}

impl Default for Outbound {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_redirects: 5,
            user_agent: USER_AGENT.to_string(),
            internal: InternalHosts::default(),
            resolve: Vec::new(),
        }
    }
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl Outbound {
    /// This policy with `timeout` for a request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether a first request to `url` may be sent: an http(s) URL, and not an internal
    /// address the operator did not name. (What a name resolves to is checked when it is
    /// resolved.)
    pub fn check(&self, url: &str) -> Result<(), Refused> {
        let u = url::Url::parse(url).map_err(|e| Refused(format!("{url:?} is not a URL: {e}")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(Refused(format!("refused a {} URL", u.scheme())));
        }
        if is_internal_host(&u) && !self.internal.contains(&u) {
            return Err(Refused(format!(
                "refused the internal address {} (not a host the operator's configuration names)",
                u.host_str().unwrap_or("")
            )));
        }
        Ok(())
    }

    /// Why a redirect from `previous` (first requested as `first`) to `next` is not followed:
    /// a downgrade from https to http, anything but http(s), or an internal address that
    /// neither the operator named nor the chain began at. `None` when it may be followed.
    pub fn redirect_refusal(
        &self,
        first: &url::Url,
        previous: &url::Url,
        next: &url::Url,
    ) -> Option<String> {
        redirect_refusal_with(&self.internal, first, previous, next)
    }

    /// A client of this policy: its timeouts, user agent, redirect rule and resolver.
    pub fn client(&self) -> Result<reqwest::Client, reqwest::Error> {
        self.builder().build()
    }

    /// [`Outbound::client`]'s builder, for a client that adds settings of its own.
    pub fn builder(&self) -> reqwest::ClientBuilder {
        let max_redirects = self.max_redirects;
        let internal = self.internal.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            let chain = attempt.previous();
            if chain.len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            let (Some(first), Some(previous)) = (chain.first(), chain.last()) else {
                return attempt.follow();
            };
            match redirect_refusal_with(&internal, first, previous, attempt.url()) {
                Some(why) => attempt.error(why),
                None => attempt.follow(),
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(policy)
            .pool_idle_timeout(Duration::from_secs(30))
            .dns_resolver(Arc::new(PublicResolver {
                internal: self.internal.clone(),
            }));
        for (host, addr) in &self.resolve {
            builder = builder.resolve(host, *addr);
        }
        builder
    }
}

fn redirect_refusal_with(
    internal: &InternalHosts,
    first: &url::Url,
    previous: &url::Url,
    next: &url::Url,
) -> Option<String> {
    if previous.scheme() == "https" && next.scheme() != "https" {
        return Some(format!(
            "refused a redirect from https to {}: {}",
            next.scheme(),
            next.host_str().unwrap_or("")
        ));
    }
    if !matches!(next.scheme(), "http" | "https") {
        return Some(format!("refused a redirect to a {} URL", next.scheme()));
    }
    if is_internal_host(next) && !is_internal_host(first) && !internal.contains(next) {
        return Some(format!(
            "refused a redirect to the internal address {}",
            next.host_str().unwrap_or("")
        ));
    }
    None
}

/// Resolves names as the system does, then drops internal addresses unless the operator
/// named the host: a venue whose name points at 127.0.0.1 or 169.254.169.254 gets no request.
#[derive(Debug)]
struct PublicResolver {
    internal: InternalHosts,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let named = self.internal.contains_host(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| named || !is_internal_ip(a.ip()))
                .collect();
            if allowed.is_empty() && !found.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> = Box::new(Refused(format!(
                    "refused {host}: it resolves to an internal address (not a host the operator's configuration names)"
                )));
                return Err(e);
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn u(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_unless_the_operator_named_them() {
        let o = Outbound::default();
        assert!(o.check("https://www.stoupbrewing.com/").is_ok());
        for internal in [
            "http://127.0.0.1:8080/x",
            "http://localhost/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://10.0.0.1/",
        ] {
            let e = o.check(internal).unwrap_err();
            assert!(e.0.contains("refused the internal address"), "{e}");
        }
        assert!(o.check("file:///etc/passwd").is_err());
        let named = Outbound {
            internal: InternalHosts::of(["http://127.0.0.1:9999/mirror/"]),
            ..Outbound::default()
        };
        assert!(named.check("http://127.0.0.1:8080/other").is_ok());
        assert!(named.check("http://10.0.0.1/").is_err());
        named.internal.add_urls(["http://10.0.0.1/repo.git"]);
        assert!(named.check("http://10.0.0.1/").is_ok());
    }

    #[test]
    fn redirects_keep_tls_and_stay_outside_unless_named() {
        let o = Outbound::default();
        let public = u("https://brewery.example/food");
        assert!(
            o.redirect_refusal(&public, &public, &u("http://brewery.example/"))
                .is_some()
        );
        assert!(
            o.redirect_refusal(&public, &public, &u("https://10.1.1.1/"))
                .is_some()
        );
        assert!(
            o.redirect_refusal(&public, &public, &u("https://cdn.example/"))
                .is_none()
        );
        let local = u("http://127.0.0.1:1/");
        assert!(
            o.redirect_refusal(&local, &local, &u("http://127.0.0.1:2/"))
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_name_that_resolves_inside_is_refused() {
        let client = Outbound::default().client().unwrap();
        let e = client.get("http://localhost:9/").send().await.unwrap_err();
        let chain = format!("{e:?}");
        assert!(chain.contains("resolves to an internal address"), "{chain}");
    }
}
