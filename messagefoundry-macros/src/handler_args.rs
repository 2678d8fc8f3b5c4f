//! `#[handler(message = "ORU^R01", timeout = "2s")]`: the handler's options, checked into a
//! plain struct before anything is expanded.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Lit, LitStr};

use crate::message_type;

/// The options a `#[handler]` may take.
const OPTIONS: [&str; 2] = ["message", "timeout"];

/// The checked options of one `#[handler]`.
#[derive(Default)]
pub struct HandlerArgs {
    /// The message type the handler takes, if it declared one.
    pub message: Option<LitStr>,
    /// How long an `async` handler may take, and where it was written.
    pub timeout: Option<(Duration, Span)>,
}

/// Reads and checks the options; `is_async` says whether the function is an `async fn`, the
/// only kind a timeout can stop.
pub fn parse(args: TokenStream, is_async: bool) -> syn::Result<HandlerArgs> {
    let mut checked = HandlerArgs::default();
    if args.is_empty() {
        return Ok(checked);
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("message") {
            let lit: LitStr = meta.value()?.parse()?;
            message_type::parse(&lit)?;
            checked.message = Some(lit);
            Ok(())
        } else if meta.path.is_ident("timeout") {
            let key = meta.path.span();
            let lit: Lit = meta.value()?.parse()?;
            if !is_async {
                return Err(syn::Error::new(
                    key,
                    "a timeout applies to an `async fn` handler: a plain `fn` cannot be stopped \
                     once it runs; make the handler `async`, or remove the timeout",
                ));
            }
            checked.timeout = Some((timeout(&lit)?, lit.span()));
            Ok(())
        } else {
            let given = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let hint = messagefoundry_options::nearest(&given, &OPTIONS)
                .map(|near| format!("did you mean `{near}`? "))
                .unwrap_or_default();
            Err(meta.error(format!(
                "unknown #[handler] option `{given}`; {hint}the options are: {}",
                OPTIONS.join(", ")
            )))
        }
    });
    syn::parse::Parser::parse2(parser, args)?;
    Ok(checked)
}

/// `timeout = "2s"`: a duration as every option writes one, more than zero.
fn timeout(lit: &Lit) -> syn::Result<Duration> {
    let text = match lit {
        Lit::Str(s) => s.value(),
        Lit::Int(i) => i.to_string(),
        Lit::Float(f) => f.to_string(),
        _ => String::new(),
    };
    if let (Lit::Str(_), Some(duration)) = (lit, messagefoundry_options::parse_duration(&text)) {
        return Ok(duration);
    }
    let zero = text
        .trim_end_matches(|c: char| c.is_ascii_alphabetic() || c.is_whitespace())
        .parse::<f64>()
        .is_ok_and(|n| n == 0.0);
    let message = if zero {
        "a timeout of zero would fail every message; give the time the handler may take, \
         such as \"2s\""
            .to_owned()
    } else {
        let hint = messagefoundry_options::suggest_duration(&text)
            .map(|s| format!("; did you mean \"{s}\"?"))
            .unwrap_or_default();
        format!("timeout is a duration such as \"500ms\", \"2s\" or \"1m\"{hint}")
    };
    Err(syn::Error::new(lit.span(), message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn err(args: TokenStream, is_async: bool) -> String {
        parse(args, is_async)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_timeout_is_read() {
        let args = parse(quote!(timeout = "2s", message = "ADT^A01"), true).unwrap();
        assert_eq!(args.timeout.map(|(d, _)| d), Some(Duration::from_secs(2)));
        assert!(args.message.is_some());
        assert!(parse(TokenStream::new(), false).unwrap().timeout.is_none());
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            err(quote!(timeout = "2 sec"), true),
            "timeout is a duration such as \"500ms\", \"2s\" or \"1m\"; did you mean \"2s\"?"
        );
        assert_eq!(
            err(quote!(timeout = 2), true),
            "timeout is a duration such as \"500ms\", \"2s\" or \"1m\"; did you mean \"2s\"?"
        );
        assert_eq!(
            err(quote!(timeout = "soon"), true),
            "timeout is a duration such as \"500ms\", \"2s\" or \"1m\""
        );
        assert!(err(quote!(timeout = "0s"), true).starts_with("a timeout of zero"));
        assert!(
            err(quote!(timeout = "2s"), false).starts_with("a timeout applies to an `async fn`")
        );
        assert_eq!(
            err(quote!(timout = "2s"), true),
            "unknown #[handler] option `timout`; did you mean `timeout`? the options are: \
             message, timeout"
        );
    }
}
