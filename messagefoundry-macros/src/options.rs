//! Values of connection options: durations, ports, names; and "did you mean" suggestions.

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
    fn ports_and_suggestions() {
        assert_eq!(port(&syn::parse_str("2575").unwrap()).unwrap(), 2575);
        assert!(port(&syn::parse_str("0").unwrap()).is_err());
        assert!(port(&syn::parse_str("70000").unwrap()).is_err());
        assert_eq!(nearest("prot", &["port", "bind"]), Some("port"));
        assert_eq!(nearest("zzzzzz", &["port", "bind"]), None);
    }
}
