//! `index = ["PID-3.1", "PID-5.1"]` of `inbound!`: each path checked against the schema as
//! every path literal is, then registered with the runtime so the store indexes the values.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprArray, ExprLit, Lit};

/// How the option is written, for error messages.
pub const USAGE: &str = "index = [\"PID-3.1\", \"PID-5.1\"]";

/// The most fields one inbound indexes: each costs a B-tree insert per message at intake.
const MAX_FIELDS: usize = 8;

/// A checked index: each field's path, in the order written.
#[derive(Debug)]
pub struct Checked {
    fields: Vec<messagefoundry_hl7::Path>,
}

/// Checks the value of `index = …`: an array of path literals, each a path the schema knows,
/// none twice. Every problem is reported, each on its literal.
pub fn check(value: &Expr) -> Result<Checked, syn::Error> {
    let Expr::Array(ExprArray { elems, .. }) = value else {
        return Err(syn::Error::new_spanned(
            value,
            format!("`index` is a list of HL7 paths: {USAGE}"),
        ));
    };
    if elems.is_empty() {
        return Err(syn::Error::new_spanned(
            value,
            format!("`index` names at least one HL7 path: {USAGE}"),
        ));
    }
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    if elems.len() > MAX_FIELDS {
        push(syn::Error::new_spanned(
            value,
            format!(
                "`index` takes at most {MAX_FIELDS} fields (each costs a write per message received); this names {}",
                elems.len()
            ),
        ));
    }
    let mut fields: Vec<messagefoundry_hl7::Path> = Vec::new();
    for elem in elems {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) = elem
        else {
            push(syn::Error::new_spanned(
                elem,
                format!("an index field is an HL7 path in a string literal: {USAGE}"),
            ));
            continue;
        };
        match crate::path_literal::check(lit) {
            Ok(path) if fields.contains(&path) => push(syn::Error::new(
                lit.span(),
                format!("`{}` is indexed twice", lit.value()),
            )),
            Ok(path) => fields.push(path),
            Err(e) => push(syn::Error::new(
                lit.span(),
                format!("index field `{}`: {e}", lit.value()),
            )),
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(Checked { fields }),
    }
}

/// The registration of an inbound's index with the runtime.
pub fn emit(inbound: &str, checked: &Checked) -> TokenStream {
    let p = quote!(::messagefoundry::__private);
    // The canonical text: searches name the field the same way however it was written.
    let names = checked.fields.iter().map(ToString::to_string);
    let paths = checked.fields.iter().map(crate::path_literal::const_tokens);
    quote! {
        #[allow(missing_docs)]
        const _: () = {
            #[#p::linkme::distributed_slice(#p::INDEXES)]
            #[linkme(crate = #p::linkme)]
            static INDEX: #p::IndexDef = #p::IndexDef {
                inbound: #inbound,
                names: &[#(#names),*],
                paths: &[#(#paths),*],
            };
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Result<Checked, String> {
        check(&syn::parse_str(text).expect("expression")).map_err(|e| {
            e.into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    #[test]
    fn paths_are_checked_and_registered_by_their_canonical_text() {
        let ok = checked(r#"["PID-3.1", "PID-5.1"]"#).expect("valid");
        let out = emit("IB", &ok).to_string();
        assert!(out.contains("\"PID-3.1\" , \"PID-5.1\""), "{out}");
        assert!(out.contains("INDEXES"), "{out}");
    }

    #[test]
    fn every_mistake_is_reported() {
        let e = checked(r#"["PID-99", "PID-3.1", "PID-3.1", 7]"#).unwrap_err();
        assert!(e.contains("index field `PID-99`: PID has 39 fields"), "{e}");
        assert!(e.contains("`PID-3.1` is indexed twice"), "{e}");
        assert!(e.contains("an index field is an HL7 path"), "{e}");
        assert!(checked("[]").unwrap_err().contains("at least one"));
        assert!(checked(r#""PID-3.1""#).unwrap_err().contains("is a list"));
        let many = format!(
            "[{}]",
            (1..=9)
                .map(|n| format!("\"PID-{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(checked(&many).unwrap_err().contains("at most 8"));
    }
}
