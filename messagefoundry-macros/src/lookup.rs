//! `table!("point_of_care", "downstream")` and `value!("ehr_facility")`: the uses of what
//! `tables!` and `values!` declare.
//!
//! A use names the declaration's constant by a path from the crate root, each part spanned on
//! its literal: rustc resolves it, so a misspelled table, column or value is an error at the
//! literal, with rustc's "a constant with a similar name exists" when one does.

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
    let module = format_ident!("{}", tables::MODULE, span = lits[0].span());
    quote!(crate::#module::#table::#column)
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
    let module = format_ident!("{}", values::MODULE, span = lits[0].span());
    quote!(crate::#module::#value.get())
}

/// Exactly `count` string literals, separated by commas.
fn literals(input: TokenStream, count: usize, usage: &str) -> syn::Result<Vec<LitStr>> {
    let lits = Punctuated::<LitStr, Token![,]>::parse_terminated
        .parse2(input)
        .map_err(|e| syn::Error::new(e.span(), usage))?;
    if lits.len() != count {
        return Err(syn::Error::new(Span::call_site(), usage));
    }
    Ok(lits.into_iter().collect())
}

/// The literal as an identifier spanned on it, so that rustc's errors point at it.
fn name(lit: &LitStr, what: &str) -> syn::Result<Ident> {
    let text = lit.value();
    if !messagefoundry_options::is_name(&text) {
        return Err(syn::Error::new(
            lit.span(),
            format!("{text:?} is no {what} name: names are lower-case letters, digits and _"),
        ));
    }
    Ok(crate::tables::ident(&text, lit.span()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_become_paths_from_the_crate_root() {
        let out = expand_table(quote!("point_of_care", "downstream")).to_string();
        assert_eq!(out, "crate :: __tables :: point_of_care :: downstream");
        let out = expand_value(quote!("ehr_facility")).to_string();
        assert_eq!(out, "crate :: __values :: ehr_facility . get ()");
        let out = expand_table(quote!("point_of_care", "type")).to_string();
        assert!(out.ends_with(":: r#type"), "{out}");
    }

    #[test]
    fn what_cannot_be_a_name_is_refused_here() {
        let out = expand_table(quote!("point_of_care")).to_string();
        assert!(out.contains("table! takes a table and a column"), "{out}");
        let out = expand_table(quote!("point of care", "x")).to_string();
        assert!(out.contains("is no table name"), "{out}");
        let out = expand_value(quote!(ehr_facility)).to_string();
        assert!(out.contains("value! takes the name of a value"), "{out}");
    }
}
