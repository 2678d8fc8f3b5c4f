//! `route![to_ehr, to_archive]`: the handlers a router sends a message to.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Token;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

use crate::named::{self, Role};

/// Expands `route![…]`: each name must be a `#[handler]` of the module (or a path to one).
pub fn expand(input: TokenStream) -> TokenStream {
    let names = match Punctuated::<syn::Path, Token![,]>::parse_terminated.parse2(input) {
        Ok(names) => names,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "route![…] takes the names of #[handler] functions: route![to_ehr, to_archive]",
            )
            .to_compile_error();
        }
    };
    let defs = names.iter().map(|name| named::def(Role::Handler, name));
    quote! {
        ::messagefoundry::__private::route(::std::vec![#(#defs),*])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_looked_up_with_a_stand_in() {
        let text = expand(quote!(to_ehr, lab::to_archive,)).to_string();
        assert_eq!(text.matches("pub struct to_ehr").count(), 1, "{text}");
        assert!(text.contains("`to_ehr` is not a #[handler]"), "{text}");
        // A path is resolved as written.
        assert!(
            text.contains(
                "< lab :: to_archive as :: messagefoundry :: __private :: Handler > :: DEF"
            ),
            "{text}"
        );
    }

    #[test]
    fn something_else_than_names_is_one_error() {
        let text = expand(quote!(to_ehr())).to_string();
        assert_eq!(text.matches("compile_error").count(), 1, "{text}");
    }
}
