//! `new_message!("ORU^R01")`: a message builder of a type checked against the crate's HL7
//! version, with the version and time zone of its `Cargo.toml`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::message_type::{self, Checked};
use crate::{manifest, path_literal};

const USAGE: &str =
    "new_message! takes one string literal, the message type: new_message!(\"ORU^R01\")";

/// Expands the macro. On an error the expansion is the error beside a builder of the same
/// type, so the code around it still type-checks and shows no follow-on errors.
pub fn expand_macro(input: TokenStream) -> TokenStream {
    let lit = match path_literal::one_literal(input, USAGE) {
        Ok(lit) => lit,
        Err(e) => return fallback(e, &LitStr::new("", proc_macro2::Span::call_site())),
    };
    let settings = match message_type::check(&lit) {
        Ok(Checked::Standard(settings, _) | Checked::Local(settings)) => settings,
        Ok(Checked::Unchecked) => return fallback_tokens(TokenStream::new(), &lit),
        Err(e) => return fallback(e, &lit),
    };
    let version = &settings.version;
    let zone = settings
        .time_zone
        .as_ref()
        .map(|name| quote!(.time_zone_named(#name)));
    let manifest = manifest::tracking_tokens();
    quote! {
        {
            #manifest
            ::messagefoundry::hl7::Message::builder(#lit, #version) #zone
        }
    }
}

fn fallback(e: syn::Error, lit: &LitStr) -> TokenStream {
    fallback_tokens(e.to_compile_error(), lit)
}

fn fallback_tokens(error: TokenStream, lit: &LitStr) -> TokenStream {
    let version = manifest::DEFAULT_VERSION;
    quote! {
        {
            #error
            ::messagefoundry::hl7::Message::builder(#lit, #version)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_to_a_builder_of_the_crate_version() {
        let out = expand_macro(quote!("ORU^R01")).to_string();
        assert!(
            out.contains("Message :: builder (\"ORU^R01\" , \"2.5.1\")"),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_wrong_type_is_one_error_beside_a_builder() {
        for (input, error) in [
            (
                quote!("ORU^Z99"),
                "ORU^Z99 is not a message type of HL7 2.5.1",
            ),
            (
                quote!("ORU-R01"),
                "is not a message type; write it as MSH-9 has it",
            ),
            (quote!(ORU), USAGE),
        ] {
            let out = expand_macro(input).to_string();
            assert_eq!(out.matches("compile_error").count(), 1, "{out}");
            assert!(out.contains(&error.replace('"', "\\\"")), "{out}");
            assert!(out.contains("Message :: builder"), "{out}");
        }
    }
}
