//! The SSRF guard: which addresses Satchel may fetch from on a source's
//! behalf (`fetchAndAddUrl`, `addCustomUrl`, `metadata`).
//!
//! By default anything on the local machine or network is refused: loopback,
//! private, link-local (cloud metadata lives there), unique-local, carrier
//! NAT, multicast, unspecified, and the IPv6 forms that carry an IPv4
//! address (mapped, compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`,
//! Teredo `2001::/32`), judged by the IPv4 address inside. The
//! policy's `networkAllow` opens hosts or ranges; `networkDeny` closes them,
//! and wins. When working on this file, keep in mind:
//! - names are checked after they are resolved, and the connection goes to
//!   an address that was checked (the resolver only returns checked ones), so
//!   there is no window for DNS rebinding;
//! - IP literals skip the resolver, so they are checked in the URL itself,
//!   at the first request and at every redirect hop;
//! - fetches never go through a proxy (the fetcher ignores `HTTP_PROXY` and
//!   friends): a proxy would resolve names itself, out of the guard's sight;
//! - a refusal never tells a source what a name resolved to (that would let
//!   it map the intranet): only the kind of address, and the address itself
//!   only when the URL gave it literally.
//!
//! The origins a source may connect to (`connect`, `scripts`) are checked
//! for their form here too ([`parse_origin`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

use crate::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct NetworkPolicy {
    allow: Vec<Rule>,
    deny: Vec<Rule>,
}

#[derive(Debug, Clone)]
enum Rule {
    Net(IpNet),
    /// A host name, or `*.example.com` for every name under it.
    Host(String),
}

impl Rule {
    fn parse(raw: &str) -> Result<Rule> {
        let raw = raw.trim();
        if let Ok(net) = raw.parse::<IpNet>() {
            return Ok(Rule::Net(net));
        }
        if let Ok(ip) = raw.parse::<IpAddr>() {
            return Ok(Rule::Net(IpNet::from(ip)));
        }
        let name = raw.trim_end_matches('.').to_ascii_lowercase();
        let valid = !name.is_empty()
            && name
                .trim_start_matches("*.")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(Error::BadRequest(format!(
                "{raw:?} is not a network rule (write an address, a range like 10.0.0.0/8, or a host name)"
            )));
        }
        Ok(Rule::Host(name))
    }

    fn matches(&self, host: &str, ip: IpAddr) -> bool {
        match self {
            Rule::Net(net) => {
                net.contains(&ip)
                    || unmapped(ip).is_some_and(|v4| net.contains(&IpAddr::V4(v4)))
                    || matches!(ip, IpAddr::V6(v6) if embedded_v4(v6)
                        .iter()
                        .any(|&v4| net.contains(&IpAddr::V4(v4))))
            }
            Rule::Host(name) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                match name.strip_prefix("*.") {
                    Some(domain) => host.ends_with(&format!(".{domain}")),
                    None => host == *name,
                }
            }
        }
    }
}

impl NetworkPolicy {
    pub fn parse(allow: &[String], deny: &[String]) -> Result<Self> {
        Ok(NetworkPolicy {
            allow: allow
                .iter()
                .map(|r| Rule::parse(r))
                .collect::<Result<_>>()?,
            deny: deny.iter().map(|r| Rule::parse(r)).collect::<Result<_>>()?,
        })
    }

    /// Whether `host`, resolved to `ip`, may be fetched from.
    pub fn check(&self, host: &str, ip: IpAddr) -> Result<()> {
        // The address is named only when the URL gave it: what a name
        // resolves to stays Satchel's business.
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|h| h == ip);
        let refused = |kind: &str, rule: String| Error::Refused {
            host: host.to_owned(),
            address: if literal {
                ip.to_string()
            } else {
                format!("{kind} address")
            },
            rule,
        };
        if self.deny.iter().any(|r| r.matches(host, ip)) {
            let kind = blocked(ip).unwrap_or("a denied");
            return Err(refused(kind, "it is in the policy's networkDeny".into()));
        }
        if self.allow.iter().any(|r| r.matches(host, ip)) {
            return Ok(());
        }
        match blocked(ip) {
            Some(kind) => Err(refused(
                kind,
                format!("{kind} addresses are refused (the policy's networkAllow can open them)"),
            )),
            None => Ok(()),
        }
    }

    /// A checked URL host that is an IP literal (names are checked when resolved).
    pub fn check_url_host(&self, url: &url::Url) -> Result<()> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        self.check(url.host_str().unwrap_or_default(), ip)
    }
}

/// Why an address is refused by default, if it is.
fn blocked(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => match unmapped(ip) {
            Some(v4) => blocked_v4(v4).map(|_| "IPv4-mapped local"),
            None => blocked_v6(v6).or_else(|| {
                embedded_v4(v6)
                    .iter()
                    .any(|&v4| blocked_v4(v4).is_some())
                    .then_some("IPv4-embedding (NAT64, 6to4, Teredo) local")
            }),
        },
    }
}

/// The IPv4 addresses an IPv6 address carries for translation or tunnels:
/// NAT64 (`64:ff9b::/96`; the local-use `64:ff9b:1::/48` is refused
/// whole, its layout being the operator's choice), 6to4
/// (`2002::/16`) and Teredo (`2001:0::/32`: its server, and its client,
/// stored inverted). A router on the way may hand them to the IPv4 inside.
fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => vec![v4(hi, lo)],
        [0x2002, hi, lo, ..] => vec![v4(hi, lo)],
        [0x2001, 0, server_hi, server_lo, .., client_hi, client_lo] => {
            vec![v4(server_hi, server_lo), v4(!client_hi, !client_lo)]
        }
        _ => vec![],
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local (cloud metadata)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("carrier-grade NAT")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("multicast or broadcast")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else {
        None
    }
}

fn blocked_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xfe00 == 0xfc00 {
        Some("unique-local (cloud metadata)")
    } else if ip.segments()[..3] == [0x64, 0xff9b, 1] {
        Some("local-use NAT64")
    } else {
        None
    }
}

/// The IPv4 address inside an IPv4-mapped (or -compatible) IPv6 address.
fn unmapped(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().or_else(|| {
            let s = v6.segments();
            (s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified()).then(|| {
                let [_, _, _, _, _, _, hi, lo] = s;
                Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            })
        }),
        IpAddr::V4(_) => None,
    }
}

/// A resolver that only ever answers with addresses the policy allows, so
/// the connection is made to a checked address.
pub struct GuardedResolver {
    pub policy: Arc<NetworkPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match policy.check(&host, addr.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refusal = Some(e);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = match refusal {
                    Some(e) => Box::new(e),
                    None => format!("{host} has no address").into(),
                };
                return Err(error);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Checks an origin a source may connect to: `scheme://host[:port]`, http(s).
pub fn parse_origin(raw: &str) -> Result<String> {
    let bad = |reason: &str| Error::BadUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("an origin must be http or https"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin is scheme://host[:port], without a path"));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn local_addresses_are_refused_by_default_naming_the_rule() {
        let policy = NetworkPolicy::default();
        for (addr, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("192.168.0.1", "private"),
            ("172.16.5.5", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("224.0.0.1", "multicast"),
            ("0.0.0.0", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fd00:ec2::254", "unique-local"),
            ("::ffff:127.0.0.1", "IPv4-mapped"),
            ("::ffff:10.0.0.1", "IPv4-mapped"),
        ] {
            let err = policy.check("h", ip(addr)).unwrap_err();
            assert_eq!(err.kind(), "refused", "{addr}");
            assert!(err.to_string().contains(kind), "{addr}: {err}");
        }
        for public in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
            assert!(policy.check("h", ip(public)).is_ok(), "{public}");
        }
    }

    #[test]
    fn ipv6_forms_that_carry_ipv4_are_judged_by_the_ipv4_inside() {
        let policy = NetworkPolicy::default();
        for local in [
            "64:ff9b::7f00:1",                      // NAT64 of 127.0.0.1
            "64:ff9b::a9fe:a9fe",                   // NAT64 of 169.254.169.254
            "64:ff9b:1::c0a8:101",                  // local-use NAT64 of 192.168.1.1
            "2002:0a00:0001::1",                    // 6to4 of 10.0.0.1
            "2002:7f00:1::",                        // 6to4 of 127.0.0.1
            "2001:0:0a00:1::1",                     // Teredo, server 10.0.0.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
        ] {
            let err = policy.check("h", ip(local)).unwrap_err();
            assert_eq!(err.kind(), "refused", "{local}");
        }
        for public in [
            "64:ff9b::5db8:d822", // NAT64 of 93.184.216.34
            "2002:5db8:d822::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo, both public
        ] {
            assert!(policy.check("h", ip(public)).is_ok(), "{public}");
        }
        // networkAllow and networkDeny see the IPv4 inside too.
        let open = NetworkPolicy::parse(&["10.0.0.0/8".into()], &["1.1.1.1".into()]).unwrap();
        assert!(open.check("h", ip("2002:0a00:0001::1")).is_ok());
        assert!(open.check("h", ip("64:ff9b::101:101")).is_err());
    }

    #[test]
    fn a_refusal_names_the_address_only_when_the_url_gave_it() {
        let policy = NetworkPolicy::default();
        let by_name = policy.check("intranet", ip("10.1.2.3")).unwrap_err();
        let text = by_name.to_string();
        assert!(!text.contains("10.1.2.3"), "{text}");
        assert!(
            text.contains("intranet") && text.contains("private address"),
            "{text}"
        );
        assert_eq!(by_name.info().args["ip"], "private address");
        let literal = policy.check("10.1.2.3", ip("10.1.2.3")).unwrap_err();
        assert!(literal.to_string().contains("(10.1.2.3)"), "{literal}");
        let v6 = policy.check("[::1]", ip("::1")).unwrap_err();
        assert!(v6.to_string().contains("(::1)"), "{v6}");
    }

    #[test]
    fn the_policy_opens_and_closes_hosts_and_ranges() {
        let policy = NetworkPolicy::parse(
            &[
                "127.0.0.1".into(),
                "10.20.0.0/16".into(),
                "*.corp.example".into(),
            ],
            &["10.20.9.0/24".into(), "1.1.1.1".into()],
        )
        .unwrap();
        assert!(policy.check("localhost", ip("127.0.0.1")).is_ok());
        assert!(
            policy.check("x", ip("::ffff:127.0.0.1")).is_ok(),
            "mapped form of an allowed address"
        );
        assert!(policy.check("x", ip("10.20.1.1")).is_ok());
        assert!(policy
            .check("files.corp.example", ip("192.168.1.1"))
            .is_ok());
        assert!(policy
            .check("corp.example.evil", ip("192.168.1.1"))
            .is_err());
        let denied = policy.check("x", ip("10.20.9.9")).unwrap_err();
        assert!(denied.to_string().contains("networkDeny"), "{denied}");
        assert!(
            policy.check("x", ip("1.1.1.1")).is_err(),
            "deny closes public addresses too"
        );
        assert!(NetworkPolicy::parse(&["not a rule!".into()], &[]).is_err());
    }

    #[test]
    fn origins_are_bare() {
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            parse_origin("https://api.example.com/").unwrap(),
            "https://api.example.com"
        );
        assert!(parse_origin("https://a.com/path").is_err());
        assert!(parse_origin("file:///x").is_err());
        assert!(parse_origin("*").is_err());
    }
}
