//! Peer addresses an inbound accepts: one address (`10.1.2.3`) or a network (`10.1.2.0/24`),
//! IPv4 or IPv6.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address or a network, as written in an inbound's `allow` list.
///
/// ```
/// use messagefoundry_options::Cidr;
/// let lab: Cidr = "10.1.2.0/24".parse().unwrap();
/// assert!(lab.contains("10.1.2.77".parse().unwrap()));
/// assert!(!lab.contains("10.1.3.1".parse().unwrap()));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a text is not an address or a network.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum CidrError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("`{0}` is not an IP address")]
    Address(String),
    /// The prefix length is not a number up to the address's bit count.
    #[error("`/{prefix}` is not a prefix length for {family} (0 to {max})")]
    Prefix {
        /// The prefix as written.
        prefix: String,
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// 32 or 128.
        max: u8,
    },
    /// The address has bits set past the prefix, which is usually a typo.
    #[error("`{given}` has bits set past the prefix; did you mean `{network}`?")]
    HostBits {
        /// The text as written.
        given: String,
        /// The network it falls in.
        network: Cidr,
    },
}

impl Cidr {
    /// A network of `prefix` leading bits; one address with a full prefix (32 or 128).
    ///
    /// # Panics
    /// When `prefix` is longer than the address (in a constant, a compile error).
    pub const fn new(network: IpAddr, prefix: u8) -> Cidr {
        assert!(
            prefix <= max_prefix(network),
            "prefix longer than the address"
        );
        Cidr { network, prefix }
    }

    /// The network's address (the address itself, for one address).
    pub const fn network(&self) -> IpAddr {
        self.network
    }

    /// The number of leading bits that name the network: 32 or 128 for one address.
    pub const fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `peer` is this address or inside this network. An IPv4 peer seen on an IPv6
    /// socket (`::ffff:10.1.2.3`) counts as the IPv4 address.
    pub fn contains(&self, peer: IpAddr) -> bool {
        match (self.network, peer.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(ip).into(), 32, self.prefix) == u32::from(net).into()
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(ip), 128, self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

/// The bit count of an address's family.
const fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `bits` with everything past the first `prefix` of its `width` bits cleared.
fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    let kept = u32::from(prefix.min(width));
    let cleared = u32::from(width) - kept;
    bits.checked_shr(cleared)
        .and_then(|b| b.checked_shl(cleared))
        .unwrap_or(0)
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let ip: IpAddr = address
            .parse()
            .map_err(|_| CidrError::Address(address.to_owned()))?;
        let max = max_prefix(ip);
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max && !p.starts_with('+'))
                .ok_or_else(|| CidrError::Prefix {
                    prefix: p.to_owned(),
                    family: if max == 32 { "IPv4" } else { "IPv6" },
                    max,
                })?,
        };
        let network = match ip {
            IpAddr::V4(v4) => IpAddr::V4((masked(u32::from(v4).into(), 32, prefix) as u32).into()),
            IpAddr::V6(v6) => IpAddr::V6(masked(u128::from(v6), 128, prefix).into()),
        };
        let cidr = Cidr { network, prefix };
        if network != ip {
            return Err(CidrError::HostBits {
                given: text.to_owned(),
                network: cidr,
            });
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_and_networks() {
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        let net: Cidr = "10.1.2.0/24".parse().unwrap();
        assert!(net.contains(ip("10.1.2.255")));
        assert!(!net.contains(ip("10.1.3.0")));
        assert!(
            net.contains(ip("::ffff:10.1.2.3")),
            "IPv4 on an IPv6 socket"
        );
        let v6: Cidr = "fd00:1::/32".parse().unwrap();
        assert!(v6.contains(ip("fd00:1:ffff::1")));
        assert!(!v6.contains(ip("fd00:2::1")));
        assert!(!v6.contains(ip("10.1.2.3")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("192.0.2.1")));
        assert_eq!(net.to_string(), "10.1.2.0/24");
        assert_eq!(one.to_string(), "127.0.0.1");
    }

    #[test]
    fn mistakes_are_named() {
        let err = |s: &str| s.parse::<Cidr>().unwrap_err().to_string();
        assert_eq!(err("10.1.2"), "`10.1.2` is not an IP address");
        assert_eq!(
            err("10.1.2.0/33"),
            "`/33` is not a prefix length for IPv4 (0 to 32)"
        );
        assert_eq!(
            err("fd00::/129"),
            "`/129` is not a prefix length for IPv6 (0 to 128)"
        );
        assert_eq!(
            err("10.1.2.7/24"),
            "`10.1.2.7/24` has bits set past the prefix; did you mean `10.1.2.0/24`?"
        );
        assert!("10.1.2.0/+24".parse::<Cidr>().is_err());
    }
}
