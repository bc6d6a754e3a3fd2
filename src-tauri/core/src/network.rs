//! The SSRF guard: which addresses Satchel may fetch from on a source's
//! behalf (`fetchAndAddUrl`, `addCustomUrl`, `metadata`).
//!
//! By default anything on the local machine or network is refused: loopback,
//! private, link-local (cloud metadata lives there), unique-local, carrier
//! NAT, multicast, unspecified, and the IPv4-mapped forms of them. The
//! policy's `networkAllow` opens hosts or ranges; `networkDeny` closes them,
//! and wins. When working on this file, keep in mind:
//! - names are checked after they are resolved, and the connection goes to
//!   an address that was checked (the resolver only returns checked ones), so
//!   there is no window for DNS rebinding;
//! - IP literals skip the resolver, so they are checked in the URL itself,
//!   at the first request and at every redirect hop.

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
                net.contains(&ip) || unmapped(ip).is_some_and(|v4| net.contains(&IpAddr::V4(v4)))
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
        let refused = |rule: String| Error::Refused {
            host: host.to_owned(),
            ip,
            rule,
        };
        if self.deny.iter().any(|r| r.matches(host, ip)) {
            return Err(refused("it is in the policy's networkDeny".into()));
        }
        if self.allow.iter().any(|r| r.matches(host, ip)) {
            return Ok(());
        }
        match blocked(ip) {
            Some(kind) => Err(refused(format!(
                "{kind} addresses are refused (the policy's networkAllow can open them)"
            ))),
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
            None => blocked_v6(v6),
        },
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
}
