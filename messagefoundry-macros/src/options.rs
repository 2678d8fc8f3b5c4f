//! Values of connection options: durations, ports, names; and "did you mean" suggestions.

use std::net::IpAddr;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprLit, Lit};

/// A port literal from 1 to 65535.
pub fn port(expr: &Expr) -> syn::Result<u16> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(i), ..
    }) = expr
    else {
        return Err(syn::Error::new_spanned(
            expr,
            "a port is an integer from 1 to 65535",
        ));
    };
    match i.base10_parse::<u64>() {
        Ok(n @ 1..=65535) => Ok(n as u16),
        _ => Err(syn::Error::new(
            i.span(),
            format!("port {i} is out of range; a port is an integer from 1 to 65535"),
        )),
    }
}

/// A positive integer.
pub fn count(expr: &Expr, what: &str) -> syn::Result<u64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => match i.base10_parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(syn::Error::new(
                i.span(),
                format!("{what} must be a positive integer"),
            )),
        },
        _ => Err(syn::Error::new_spanned(
            expr,
            format!("{what} must be a positive integer"),
        )),
    }
}

/// A non-empty string literal.
pub fn string(expr: &Expr, what: &str) -> syn::Result<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) if !s.value().trim().is_empty() => Ok(s.value()),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!("{what} must be a non-empty string literal"),
        )),
    }
}

/// A boolean literal.
pub fn boolean(expr: &Expr, what: &str) -> syn::Result<bool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!("{what} must be `true` or `false`"),
        )),
    }
}

/// A duration written as a string: `"500ms"`, `"30s"`, `"10m"`, `"1h"`, `"2d"`; emitted as a
/// `Duration` constant expression.
pub fn duration(expr: &Expr, what: &str) -> syn::Result<TokenStream> {
    let err = || {
        syn::Error::new_spanned(
            expr,
            format!("{what} is a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\""),
        )
    };
    let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = expr
    else {
        return Err(err());
    };
    let text = s.value();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let n: u64 = digits.parse().map_err(|_| err())?;
    let millis = match unit {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => None,
    }
    .filter(|&ms| ms > 0)
    .ok_or_else(err)?;
    Ok(quote!(::core::time::Duration::from_millis(#millis)))
}

/// A non-empty array of string literals, each an IP address or a network (`"10.1.2.0/24"`);
/// emitted as a `&[Cidr]` constant. A bad entry is an error on its literal.
pub fn allow(expr: &Expr) -> syn::Result<TokenStream> {
    let usage =
        "allow is a list of addresses or networks, such as [\"127.0.0.1\", \"10.1.2.0/24\"]";
    let Expr::Array(array) = expr else {
        return Err(syn::Error::new_spanned(expr, usage));
    };
    if array.elems.is_empty() {
        return Err(syn::Error::new_spanned(
            expr,
            "allow needs at least one address; leave it out to accept every peer",
        ));
    }
    let mut entries = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for elem in &array.elems {
        let checked = match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => cidr(&s.value()).map_err(|m| syn::Error::new(s.span(), m)),
            _ => Err(syn::Error::new_spanned(elem, usage)),
        };
        // Every bad entry is reported, not only the first.
        let (ip, prefix) = match checked {
            Ok(entry) => entry,
            Err(e) => {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
                continue;
            }
        };
        let ip = match ip {
            IpAddr::V4(v4) => {
                let [a, b, c, d] = v4.octets();
                quote!(::core::net::IpAddr::V4(::core::net::Ipv4Addr::new(#a, #b, #c, #d)))
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                quote!(::core::net::IpAddr::V6(::core::net::Ipv6Addr::new(#(#s),*)))
            }
        };
        entries.push(quote!(::messagefoundry::interface::Cidr::new(#ip, #prefix)));
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(quote!(&[#(#entries),*])),
    }
}

/// An address, or a network in CIDR form with no bits set past its prefix.
fn cidr(text: &str) -> Result<(IpAddr, u8), String> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let ip: IpAddr = address
        .parse()
        .map_err(|_| format!("`{address}` is not an IP address"))?;
    let (max, family) = match ip {
        IpAddr::V4(_) => (32u8, "IPv4"),
        IpAddr::V6(_) => (128u8, "IPv6"),
    };
    let prefix = match prefix {
        None => max,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|n| *n <= max && !p.starts_with('+'))
            .ok_or_else(|| format!("`/{p}` is not a prefix length for {family} (0 to {max})"))?,
    };
    let bits = match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    };
    let host = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
    if bits & host != 0 {
        let network = bits & !host;
        let network = match ip {
            IpAddr::V4(_) => IpAddr::V4(((network >> 96) as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(network.into()),
        };
        return Err(format!(
            "`{text}` has bits set past the prefix; did you mean `{network}/{prefix}`?"
        ));
    }
    Ok((ip, prefix))
}

/// The closest of `known` to `given`, if it is close enough to be a typo.
pub fn nearest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(given, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = |s: &str| duration(&syn::parse_str(s).unwrap(), "t").map(|t| t.to_string());
        assert!(d("\"30s\"").unwrap().contains("30000"));
        assert!(d("\"10m\"").unwrap().contains("600000"));
        assert!(d("\"250ms\"").unwrap().contains("250"));
        assert!(d("\"30\"").is_err());
        assert!(d("30").is_err());
        assert!(d("\"0s\"").is_err());
    }

    #[test]
    fn allow_lists() {
        let a = |s: &str| allow(&syn::parse_str(s).unwrap()).map(|t| t.to_string());
        assert!(a(r#"["127.0.0.1", "10.1.2.0/24", "fd00::/8"]"#).is_ok());
        assert!(a("[]").is_err());
        assert!(a(r#""127.0.0.1""#).is_err());
        assert_eq!(
            cidr("10.1.2.0/33").unwrap_err(),
            "`/33` is not a prefix length for IPv4 (0 to 32)"
        );
        assert_eq!(
            cidr("10.1.2.7/24").unwrap_err(),
            "`10.1.2.7/24` has bits set past the prefix; did you mean `10.1.2.0/24`?"
        );
        assert_eq!(cidr("fd00::/8").unwrap().1, 8);
        assert_eq!(cidr("0.0.0.0/0").unwrap().1, 0);
        assert!(cidr("10.1.2").is_err());
    }

    #[test]
    fn ports_and_suggestions() {
        assert_eq!(port(&syn::parse_str("2575").unwrap()).unwrap(), 2575);
        assert!(port(&syn::parse_str("0").unwrap()).is_err());
        assert!(port(&syn::parse_str("70000").unwrap()).is_err());
        assert_eq!(nearest("prot", &["port", "bind"]), Some("port"));
        assert_eq!(nearest("zzzzzz", &["port", "bind"]), None);
    }
}
