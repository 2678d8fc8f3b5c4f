//! HL7 path literals: checked while the macro expands, emitted as a `const` `Path`.

use messagefoundry_hl7::Path;
use messagefoundry_hl7::schema::ResolveError;
use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::manifest;

/// Whether a string literal in a router or handler body is meant as a path: it starts like one
/// (a segment ID followed by `-` or `[`). Other strings are left alone.
pub fn looks_like_path(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 4
        && b[0].is_ascii_uppercase()
        && b[1..3]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && matches!(b[3], b'-' | b'[')
}

/// Parses and checks a path literal against the crate's HL7 version and declared segments.
///
/// Errors point at the literal (stable Rust cannot point inside it); the message names the
/// part that is wrong. An unusable manifest is reported at the first literal only. Warnings of the schema (a repetition on a field that does not repeat,
/// a withdrawn field) are not shown: stable proc macros cannot emit warnings.
pub fn check(lit: &LitStr) -> syn::Result<Path> {
    let text = lit.value();
    let path = Path::parse(&text)
        .map_err(|e| syn::Error::new(lit.span(), format!("malformed HL7 path {text:?}: {e}")))?;
    let settings = match manifest::settings() {
        manifest::Manifest::Usable(settings) => settings,
        manifest::Manifest::Report(problem) => return Err(syn::Error::new(lit.span(), problem)),
        // The build already fails with the manifest's one error.
        manifest::Manifest::Reported => return Ok(path),
    };
    settings.profile.resolve(&path).map_err(|e| {
        let mut message = e.to_string();
        if let ResolveError::UndeclaredZSegment { segment, .. } = e {
            message.push_str(&manifest::declare_hint(segment));
        }
        syn::Error::new(lit.span(), message)
    })?;
    Ok(path)
}

/// A block expression that evaluates to the path as a constant: no parsing at run time. It
/// also makes the manifest, which the check read, an input of the compilation.
pub fn const_tokens(path: &Path) -> TokenStream {
    let seg = proc_macro2::Literal::byte_string(path.segment.as_bytes());
    let opt = |v: Option<u16>| match v {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let occurrence = opt(path.occurrence);
    let field = path.field;
    let repetition = opt(path.repetition);
    let component = opt(path.component);
    let subcomponent = opt(path.subcomponent);
    let manifest = manifest::tracking_tokens();
    quote! {
        {
            #manifest
            const PATH: ::messagefoundry::hl7::Path = ::messagefoundry::hl7::Path::from_parts(
                *#seg, #occurrence, #field, #repetition, #component, #subcomponent,
            );
            PATH
        }
    }
}

/// The one string literal a function-like macro takes; `usage` says how to call it.
pub fn one_literal(input: TokenStream, usage: &str) -> syn::Result<LitStr> {
    syn::parse2(input).map_err(|e| syn::Error::new(e.span(), usage))
}

/// `path!("…")`.
pub fn expand_macro(input: TokenStream) -> TokenStream {
    one_literal(input, "path! takes one string literal: path!(\"OBR-25\")")
        .and_then(|lit| check(&lit))
        .map_or_else(|e| e.to_compile_error(), |path| const_tokens(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_path_like_strings() {
        assert!(looks_like_path("OBR-25"));
        assert!(looks_like_path("OBX[2]-5"));
        assert!(looks_like_path("ZP1-1"));
        assert!(looks_like_path("PID-x"));
        assert!(!looks_like_path("hello"));
        assert!(!looks_like_path("ORU"));
        assert!(!looks_like_path("Pid-3"));
    }

    #[test]
    fn emits_a_const_path() {
        let lit: LitStr = syn::parse_quote!("PID-3[2].1");
        let tokens = const_tokens(&check(&lit).unwrap()).to_string();
        assert!(tokens.contains("from_parts"), "{tokens}");
        assert!(tokens.contains("b\"PID\""), "{tokens}");
        let bad: LitStr = syn::parse_quote!("PID-0");
        assert!(
            check(&bad)
                .unwrap_err()
                .to_string()
                .contains("malformed HL7 path")
        );
    }
}
