//! Connection options in the macros: from the Rust expression an author wrote to the shared
//! table's checked value, and from that value to the tokens of a settings field.
//!
//! What an option is and which values it takes is decided by `messagefoundry-options`, which
//! the environment loader asks too; this module only translates.

use messagefoundry_options::{Invalid, Spec, Value, Written};
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::{Expr, ExprLit, Lit};

/// What the author wrote, in the table's terms.
pub fn written(expr: &Expr) -> Written {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(i) => i
                .base10_parse::<i128>()
                .map(Written::Int)
                .unwrap_or(Written::Other),
            Lit::Str(s) => Written::Str(s.value()),
            Lit::Bool(b) => Written::Bool(b.value),
            _ => Written::Other,
        },
        Expr::Path(p) => p
            .path
            .get_ident()
            .map(|i| Written::Word(i.to_string()))
            .unwrap_or(Written::Other),
        Expr::Array(array) => Written::List(array.elems.iter().map(written).collect()),
        _ => Written::Other,
    }
}

/// Checks one option's value; every problem is an error on the token at fault (a list's
/// entry, or the whole value).
pub fn check(spec: &Spec, expr: &Expr) -> syn::Result<Value> {
    spec.check(&written(expr), messagefoundry_options::Origin::Declaration)
        .map_err(|problems| errors(expr, &problems))
}

fn errors(expr: &Expr, problems: &[Invalid]) -> syn::Error {
    let at = |item: Option<usize>| -> &dyn quote::ToTokens {
        match (expr, item) {
            (Expr::Array(array), Some(i)) => array.elems.iter().nth(i).map_or(expr, |e| e),
            _ => expr,
        }
    };
    let mut all: Option<syn::Error> = None;
    for problem in problems {
        let e = syn::Error::new_spanned(at(problem.item), &problem.message);
        match &mut all {
            Some(all) => all.combine(e),
            None => all = Some(e),
        }
    }
    all.unwrap_or_else(|| syn::Error::new_spanned(expr, "invalid value"))
}

/// A checked value as a constant expression of the runtime's type.
pub fn tokens(spec: &Spec, value: &Value) -> syn::Result<TokenStream> {
    Ok(match value {
        Value::Port(p) => quote!(#p),
        Value::Duration(d) => {
            let millis = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            quote!(::core::time::Duration::from_millis(#millis))
        }
        Value::Number(n) => {
            // Unsuffixed: the field decides (`usize`, or `u32` for retries).
            let n = Literal::u64_unsuffixed(*n);
            quote!(#n)
        }
        Value::Flag(b) => quote!(#b),
        Value::Text(s) => quote!(#s),
        Value::Word(word) => choice(spec, word)?,
        Value::Addresses(list) => {
            let entries = list.iter().map(|cidr| {
                let prefix = cidr.prefix();
                let ip = match cidr.network() {
                    std::net::IpAddr::V4(v4) => {
                        let [a, b, c, d] = v4.octets();
                        quote!(::core::net::IpAddr::V4(::core::net::Ipv4Addr::new(#a, #b, #c, #d)))
                    }
                    std::net::IpAddr::V6(v6) => {
                        let s = v6.segments();
                        quote!(::core::net::IpAddr::V6(::core::net::Ipv6Addr::new(#(#s),*)))
                    }
                };
                quote!(::messagefoundry::__private::Cidr::new(#ip, #prefix))
            });
            quote!(&[#(#entries),*])
        }
        Value::Texts(list) => quote!(&[#(#list),*]),
    })
}

/// A word of a choice as a variant of its runtime enum: `after_processing` of `ack_mode` is
/// `AckMode::AfterProcessing`.
fn choice(spec: &Spec, word: &str) -> syn::Result<TokenStream> {
    let ty = match spec.name {
        "ack_mode" => "AckMode",
        "tls" => "Tls",
        "plaintext" => "Plaintext",
        "parse" => "ParsePolicy",
        "charset" => "CharsetPolicy",
        "invalid_ack" => "InvalidAck",
        "validate" => "ValidatePolicy",
        "after" => "AfterPickup",
        other => {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                format!("the choice `{other}` has no runtime type"),
            ));
        }
    };
    let variant: String = word
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    let ty = syn::Ident::new(ty, proc_macro2::Span::call_site());
    let variant = syn::Ident::new(&variant, proc_macro2::Span::call_site());
    Ok(quote!(::messagefoundry::__private::#ty::#variant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use messagefoundry_options::Direction;

    fn expand(direction: Direction, name: &str, expr: &str) -> Result<String, String> {
        let spec = direction.option(name).unwrap();
        let expr: Expr = syn::parse_str(expr).unwrap();
        check(spec, &expr)
            .and_then(|v| tokens(spec, &v))
            .map(|t| t.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn values_become_constants() {
        let out = |n, e| expand(Direction::Outbound, n, e).unwrap();
        let inb = |n, e| expand(Direction::Inbound, n, e).unwrap();
        assert!(out("ack_timeout", "\"30s\"").contains("from_millis (30000u64)"));
        assert!(inb("idle_timeout", "\"10m\"").contains("600000"));
        assert_eq!(out("retries", "9"), "9");
        assert_eq!(out("port", "6661"), "6661u16");
        assert_eq!(
            inb("ack_mode", "after_processing"),
            ":: messagefoundry :: __private :: AckMode :: AfterProcessing"
        );
        let allow = inb("allow", r#"["127.0.0.1", "10.1.2.0/24", "fd00::/8"]"#);
        assert!(allow.contains("Ipv4Addr :: new (10u8 , 1u8 , 2u8 , 0u8)) , 24u8"));
        assert!(allow.contains("Ipv6Addr :: new (64768u16"));
    }

    #[test]
    fn mistakes_are_errors() {
        let err = |d, n, e| expand(d, n, e).unwrap_err();
        assert_eq!(
            err(Direction::Outbound, "ack_timeout", "30"),
            "ack_timeout is a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\""
        );
        assert_eq!(
            err(Direction::Inbound, "port", "0"),
            "port 0 is out of range; a port is an integer from 1 to 65535"
        );
        assert!(err(Direction::Inbound, "allow", "[]").contains("at least one address"));
        assert!(err(Direction::Inbound, "tls", "maybe").contains("tls is `on` or `off`"));
    }

    #[test]
    fn every_choice_has_a_runtime_type() {
        for (transport, direction) in messagefoundry_options::Transport::ALL
            .iter()
            .flat_map(|t| [(*t, Direction::Inbound), (*t, Direction::Outbound)])
        {
            for spec in transport.options(direction) {
                if let messagefoundry_options::Kind::Choice(words) = spec.kind {
                    for word in words {
                        assert!(choice(spec, word).is_ok(), "{}", spec.name);
                    }
                }
            }
        }
    }
}
