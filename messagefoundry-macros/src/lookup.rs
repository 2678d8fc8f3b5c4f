//! `table!("point_of_care", "downstream")` and `value!("ehr_facility")`: the uses of what
//! `tables!` and `values!` declare.
//!
//! A use names the declaration's constant by a path from the crate root (and a column by a
//! field of the table's), each part spanned on its literal: rustc resolves it, so a misspelled
//! table, column or value is an error at the literal, with rustc's suggestion of the nearest
//! name. A name may also be written bare (`table!(point_of_care, downstream)`), which is the
//! form rustc's suggestion takes.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::{tables, values};

/// `table!("table", "column")`: the column, to look up keys in.
pub fn expand_table(input: TokenStream) -> TokenStream {
    const USAGE: &str =
        "table! takes a table and a column: table!(\"point_of_care\", \"downstream\")";
    let lits = match literals(input, 2, USAGE) {
        Ok(lits) => lits,
        Err(e) => return e.to_compile_error(),
    };
    let (table, column) = match (name(&lits[0], "table"), name(&lits[1], "column")) {
        (Ok(t), Ok(c)) => (t, c),
        (Err(e), _) | (_, Err(e)) => return e.to_compile_error(),
    };
    let module = format_ident!("{}", tables::MODULE, span = table.span());
    quote!(crate::#module::#table.#column)
}

/// `value!("name")`: the value in the environment `serve` runs with, of the declared type.
pub fn expand_value(input: TokenStream) -> TokenStream {
    const USAGE: &str = "value! takes the name of a value: value!(\"ehr_facility\")";
    let lits = match literals(input, 1, USAGE) {
        Ok(lits) => lits,
        Err(e) => return e.to_compile_error(),
    };
    let value = match name(&lits[0], "value") {
        Ok(v) => v,
        Err(e) => return e.to_compile_error(),
    };
    let module = format_ident!("{}", values::MODULE, span = value.span());
    quote!(crate::#module::#value.get())
}

/// A name as written: a string literal or a bare identifier.
enum Name {
    Literal(LitStr),
    Bare(Ident),
}

impl syn::parse::Parse for Name {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Name> {
        if input.peek(LitStr) {
            input.parse().map(Name::Literal)
        } else {
            syn::ext::IdentExt::parse_any(input).map(Name::Bare)
        }
    }
}

/// Exactly `count` names, separated by commas.
fn literals(input: TokenStream, count: usize, usage: &str) -> syn::Result<Vec<Name>> {
    let names = Punctuated::<Name, Token![,]>::parse_terminated
        .parse2(input)
        .map_err(|e| syn::Error::new(e.span(), usage))?;
    if names.len() != count {
        return Err(syn::Error::new(Span::call_site(), usage));
    }
    Ok(names.into_iter().collect())
}

/// The name as an identifier spanned where it is written, so that rustc's errors point there.
fn name(written: &Name, what: &str) -> syn::Result<Ident> {
    let (text, span) = match written {
        Name::Literal(lit) => (lit.value(), lit.span()),
        Name::Bare(ident) => (ident.to_string(), ident.span()),
    };
    let text = text.strip_prefix("r#").unwrap_or(&text).to_owned();
    if !messagefoundry_options::is_name(&text) {
        return Err(syn::Error::new(
            span,
            format!("{text:?} is no {what} name: names are lower-case letters, digits and _"),
        ));
    }
    Ok(crate::tables::ident(&text, span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_become_paths_from_the_crate_root() {
        let out = expand_table(quote!("point_of_care", "downstream")).to_string();
        assert_eq!(out, "crate :: __tables :: point_of_care . downstream");
        let bare = expand_table(quote!(point_of_care, downstream)).to_string();
        assert_eq!(bare, out);
        let out = expand_value(quote!("ehr_facility")).to_string();
        assert_eq!(out, "crate :: __values :: ehr_facility . get ()");
        let out = expand_table(quote!("point_of_care", "type")).to_string();
        assert!(out.ends_with(". r#type"), "{out}");
        assert_eq!(
            expand_value(quote!(ehr_facility)).to_string(),
            "crate :: __values :: ehr_facility . get ()"
        );
    }

    #[test]
    fn what_cannot_be_a_name_is_refused_here() {
        let out = expand_table(quote!("point_of_care")).to_string();
        assert!(out.contains("table! takes a table and a column"), "{out}");
        let out = expand_table(quote!("point of care", "x")).to_string();
        assert!(out.contains("is no table name"), "{out}");
        let out = expand_value(quote!(3)).to_string();
        assert!(out.contains("value! takes the name of a value"), "{out}");
    }
}
