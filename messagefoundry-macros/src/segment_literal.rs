//! Segment ID literals: checked while the macro expands, emitted as a `const` `SegmentId`.

use messagefoundry_hl7::SegmentId;
use messagefoundry_hl7::schema::SegmentError;
use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::{manifest, path_literal};

/// Parses and checks a segment ID literal: it must name a segment of the crate's HL7 version
/// or a Z-segment its manifest declares. Errors point at the literal.
pub fn check(lit: &LitStr) -> syn::Result<SegmentId> {
    let text = lit.value();
    let id = SegmentId::from_slice(text.as_bytes()).ok_or_else(|| {
        syn::Error::new(
            lit.span(),
            format!(
                "malformed segment ID {text:?}: a segment ID is an upper-case letter and two \
                 upper-case letters or digits, like OBX"
            ),
        )
    })?;
    let settings = match manifest::settings() {
        manifest::Manifest::Usable(settings) => settings,
        manifest::Manifest::Report(problem) => return Err(syn::Error::new(lit.span(), problem)),
        // The build already fails with the manifest's one error.
        manifest::Manifest::Reported => return Ok(id),
    };
    settings.profile.resolve_segment(id).map_err(|e| {
        let mut message = e.to_string();
        if let SegmentError::UndeclaredZSegment { segment } = e {
            message.push_str(&manifest::declare_hint(segment));
        }
        syn::Error::new(lit.span(), message)
    })?;
    Ok(id)
}

/// A block expression that evaluates to the segment ID as a constant, and makes the manifest,
/// which the check read, an input of the compilation.
pub fn const_tokens(id: SegmentId) -> TokenStream {
    let bytes = proc_macro2::Literal::byte_string(id.as_bytes());
    let manifest = manifest::tracking_tokens();
    quote! {
        {
            #manifest
            const SEGMENT: ::messagefoundry::hl7::SegmentId =
                match ::messagefoundry::hl7::SegmentId::new(*#bytes) {
                    ::core::option::Option::Some(id) => id,
                    ::core::option::Option::None => ::core::panic!("malformed segment ID"),
                };
            SEGMENT
        }
    }
}

/// `segment!("…")`.
pub fn expand_macro(input: TokenStream) -> TokenStream {
    path_literal::one_literal(
        input,
        "segment! takes one string literal: segment!(\"OBX\")",
    )
    .and_then(|lit| check(&lit))
    .map_or_else(|e| e.to_compile_error(), const_tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let lit = LitStr::new(text, proc_macro2::Span::call_site());
        check(&lit).unwrap_err().to_string()
    }

    #[test]
    fn emits_a_const_segment_id() {
        let lit: LitStr = syn::parse_quote!("OBX");
        let tokens = const_tokens(check(&lit).unwrap()).to_string();
        assert!(tokens.contains("b\"OBX\""), "{tokens}");
        assert!(tokens.contains("SegmentId :: new"), "{tokens}");
    }

    #[test]
    fn refuses_what_is_not_a_segment_of_the_version() {
        assert!(error("obx").starts_with("malformed segment ID \"obx\""));
        assert!(error("OBXX").starts_with("malformed segment ID"));
        assert_eq!(
            error("OBZ"),
            "unknown segment OBZ in HL7 2.5.1; did you mean OBR or OBX?"
        );
        assert_eq!(
            error("ZZX"),
            "segment ZZX is not declared; Z-segments are site-defined, so declare ZZX and its \
             fields in Cargo.toml, under [package.metadata.messagefoundry.segments.ZZX]"
        );
    }
}
