//! `values! { ehr_facility: text, lookup_timeout: duration = "5s" }`: the crate's values per
//! environment, each with its type and optionally a default.
//!
//! The expansion is a module at the crate root, `__values`, holding a typed constant per
//! value, so that `value!("ehr_facility")` is resolved by rustc (a wrong name is an error at
//! the literal) and returns the declared type.

use messagefoundry_options::{Setting, SettingType, Written, is_name};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Lit, Token};

/// The module `values!` emits at the crate root.
pub const MODULE: &str = "__values";

const USAGE: &str = "values! declares values per environment: values! { ehr_facility: text, \
                     retries: integer = 3 } (types: text, integer, flag, duration)";

/// One `name: type [= default]`.
struct Entry {
    attrs: Vec<Attribute>,
    name: Ident,
    kind: Ident,
    default: Option<Lit>,
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Entry> {
        let attrs = input.call(Attribute::parse_outer)?;
        let name = input.parse()?;
        input.parse::<Token![:]>()?;
        let kind = input.parse()?;
        let default = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Entry {
            attrs,
            name,
            kind,
            default,
        })
    }
}

/// Expands `values!`.
pub fn expand(input: TokenStream) -> TokenStream {
    let entries = match Punctuated::<Entry, Token![,]>::parse_terminated.parse2(input) {
        Ok(entries) => entries,
        Err(e) => return syn::Error::new(e.span(), USAGE).to_compile_error(),
    };
    let mut errors = TokenStream::new();
    let mut items = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for entry in &entries {
        let name = entry.name.to_string();
        let checked = if seen.contains(&name) {
            Err(syn::Error::new(
                entry.name.span(),
                format!("value `{name}` is declared twice"),
            ))
        } else {
            check(entry)
        };
        seen.push(name);
        match checked {
            Ok((kind, default)) => items.push(value_item(entry, kind, default.as_ref())),
            Err(e) => errors.extend(e.to_compile_error()),
        }
    }
    let module = format_ident!("{MODULE}");
    quote! {
        #errors
        #[doc(hidden)]
        pub mod #module {
            #(#items)*
        }
    }
}

fn check(entry: &Entry) -> syn::Result<(SettingType, Option<Setting>)> {
    let name = entry.name.to_string();
    if !is_name(&name) {
        return Err(syn::Error::new(
            entry.name.span(),
            "a value's name is lower-case letters, digits and _, starting with a letter",
        ));
    }
    let kind = SettingType::from_word(&entry.kind.to_string()).ok_or_else(|| {
        syn::Error::new(
            entry.kind.span(),
            "the type of a value is text, integer, flag or duration",
        )
    })?;
    let Some(lit) = &entry.default else {
        return Ok((kind, None));
    };
    let written = match lit {
        Lit::Str(s) => Written::Str(s.value()),
        Lit::Int(n) => n
            .base10_parse::<i128>()
            .map_or(Written::Other, Written::Int),
        Lit::Bool(b) => Written::Bool(b.value),
        _ => Written::Other,
    };
    let default = kind
        .check(&name, &written)
        .map_err(|e| syn::Error::new_spanned(lit, format!("the default of {e}")))?;
    Ok((kind, Some(default)))
}

/// The typed constant of one value, and its registration.
fn value_item(entry: &Entry, kind: SettingType, default: Option<&Setting>) -> TokenStream {
    let p = quote!(::messagefoundry::__private);
    let attrs = &entry.attrs;
    let name = &entry.name;
    let name_text = name.to_string();
    let def = format_ident!("__DEF_{}", name_text.to_uppercase());
    let (handle, kind_tokens) = match kind {
        SettingType::Text => (quote!(TextValue), quote!(Text)),
        SettingType::Integer => (quote!(IntegerValue), quote!(Integer)),
        SettingType::Flag => (quote!(FlagValue), quote!(Flag)),
        SettingType::Duration => (quote!(DurationValue), quote!(Duration)),
    };
    let default = match default {
        None => quote!(::core::option::Option::None),
        Some(setting) => {
            let value = match setting {
                Setting::Text(t) => {
                    let t = t.as_ref();
                    quote!(Text(::std::borrow::Cow::Borrowed(#t)))
                }
                Setting::Integer(n) => quote!(Integer(#n)),
                Setting::Flag(b) => quote!(Flag(#b)),
                Setting::Duration(d) => {
                    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                    quote!(Duration(::core::time::Duration::from_nanos(#nanos)))
                }
            };
            quote!(::core::option::Option::Some(#p::Setting::#value))
        }
    };
    quote! {
        #[doc(hidden)]
        #[#p::linkme::distributed_slice(#p::VALUES)]
        #[linkme(crate = #p::linkme)]
        pub static #def: #p::ValueDef = #p::ValueDef {
            name: #name_text,
            kind: #p::SettingType::#kind_tokens,
            default: #default,
        };
        #(#attrs)*
        #[allow(non_upper_case_globals)]
        pub const #name: ::messagefoundry::values::#handle =
            ::messagefoundry::values::#handle::__new(&#def);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_is_a_typed_constant_with_its_registration() {
        let out = expand(quote!(
            /// MSH-6.
            ehr_facility: text,
            timeout: duration = "5s",
            retries: integer = 3,
        ))
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("pub const ehr_facility"), "{out}");
        assert!(out.contains("TextValue"), "{out}");
        assert!(out.contains("from_nanos (5000000000u64)"), "{out}");
        assert!(out.contains("Integer (3i64)"), "{out}");
    }

    #[test]
    fn mistakes_are_errors_at_their_token() {
        for (input, expected) in [
            (quote!(x: string), "the type of a value is text"),
            (
                quote!(x: integer = "3"),
                "the default of value x is integer",
            ),
            (quote!(x: flag, x: flag), "value `x` is declared twice"),
            (quote!(Upper: text), "a value's name is lower-case"),
            (quote!(x = 3), "values! declares values per environment"),
        ] {
            let out = expand(input).to_string();
            assert!(out.contains(expected), "{out}");
        }
    }
}
