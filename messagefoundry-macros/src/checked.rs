//! `#[checked]`: the HL7 literals of a helper function, of every method of an `impl` block or
//! a trait, or of everything in an inline module are checked as in a router's body.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::body;

const WHERE: &str = "#[checked] goes on a function, an impl block, a trait or an inline module";

/// Expands the attribute. On error the item is emitted unchanged beside the error.
pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let e = syn::Error::new_spanned(&args, "#[checked] takes no arguments").to_compile_error();
        return quote!(#input #e);
    }
    let mut item: Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let e = syn::Error::new_spanned(&input, WHERE).to_compile_error();
            return quote!(#input #e);
        }
    };
    let refusal = match &item {
        Item::Fn(_) | Item::Impl(_) | Item::Trait(_) => None,
        Item::Mod(m) if m.content.is_some() => None,
        Item::Mod(m) => Some(syn::Error::new_spanned(
            m,
            format!(
                "#[checked] cannot see into the file of `mod {};`: put #[checked] on the items \
                 in that file, or write the module inline",
                m.ident
            ),
        )),
        other => Some(syn::Error::new_spanned(other, WHERE)),
    };
    if let Some(e) = refusal {
        let e = e.to_compile_error();
        return quote!(#item #e);
    }
    body::rewrite_item(&mut item);
    quote!(#item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_a_function_and_refuses_other_items() {
        let out = expand(
            TokenStream::new(),
            quote!(
                fn family(msg: &Message) -> &str {
                    &msg["PID-5.1"]
                }
            ),
        )
        .to_string();
        assert!(out.contains("from_parts"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");

        let out = expand(
            TokenStream::new(),
            quote!(
                mod elsewhere;
            ),
        )
        .to_string();
        assert!(out.contains("cannot see into the file"), "{out}");
        let out = expand(
            TokenStream::new(),
            quote!(
                struct S;
            ),
        )
        .to_string();
        assert!(out.contains(WHERE), "{out}");
        let out = expand(
            quote!(strict),
            quote!(
                fn f() {}
            ),
        )
        .to_string();
        assert!(out.contains("takes no arguments"), "{out}");
    }
}
