//! A handler named in `route![…]` or a router named in `inbound!(…, router = …)`: found by
//! rustc's name resolution, with one error in the author's words when the name is not one.
//!
//! `#[handler]` and `#[router]` emit beside the function a struct of the same name (types and
//! functions live in different namespaces) that implements `Handler` or `Router`. Looked up as a
//! type in the author's scope, a name that is not such a struct would be worded by rustc: a
//! plain function is "constant provided when a type was expected", a typo "cannot find type".
//! So a single name is looked up where it always resolves: in a module whose scope holds a
//! stand-in struct of that name (imported by a glob), from an inner scope that imports the
//! author's module by a glob. The author's item, when there is one, shadows the stand-in; the
//! stand-in fails a trait bound whose message names the name. Names are therefore those of the
//! author's module (declared or imported there); a path (`lab::to_ehr`) is resolved as written.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// What the name must be.
#[derive(Clone, Copy)]
pub enum Role {
    /// A `#[handler]`, in `route![…]`.
    Handler,
    /// A `#[router]`, in `router = …`.
    Router,
}

impl Role {
    /// The runtime's trait and registration type.
    fn registration(self) -> (TokenStream, TokenStream) {
        let i = quote!(::messagefoundry::__private);
        match self {
            Role::Handler => (quote!(#i::Handler), quote!(#i::HandlerDef)),
            Role::Router => (quote!(#i::Router), quote!(#i::RouterDef)),
        }
    }

    /// The names of the generated check trait and of the stand-in's module: rustc's help line
    /// shows them ("the trait `must_be::Handler` is not implemented for
    /// `no_such_handler::to_ehrr`").
    fn check_names(self) -> (Ident, Ident) {
        let (check, module) = match self {
            Role::Handler => ("Handler", "no_such_handler"),
            Role::Router => ("Router", "no_such_router"),
        };
        (
            Ident::new(check, Span::call_site()),
            Ident::new(module, Span::call_site()),
        )
    }

    /// The error's message, label and note for a name that is not one.
    fn words(self, name: &str) -> [String; 3] {
        match self {
            Role::Handler => [
                format!("`{name}` is not a #[handler]"),
                "`route![…]` names #[handler] functions".to_owned(),
                format!(
                    "no function marked #[handler] is named `{name}` in this module (declared or \
                     imported); a #[router] or an unmarked function cannot be named in a route"
                ),
            ],
            Role::Router => [
                format!("`{name}` is not a #[router]"),
                "`router = …` names a #[router] function".to_owned(),
                format!(
                    "no function marked #[router] is named `{name}` in this module (declared or \
                     imported); a #[handler] or an unmarked function cannot route an inbound"
                ),
            ],
        }
    }
}

/// A constant expression of the registration (`&'static HandlerDef` or `&'static RouterDef`)
/// the path names; on the author's token, one error when it names none.
pub fn def(role: Role, path: &syn::Path) -> TokenStream {
    let (registration, def) = role.registration();
    let Some(name) = path.get_ident() else {
        return quote!(<#path as #registration>::DEF);
    };
    let [message, label, note] = role.words(&name.to_string());
    let (named, stand_in) = role.check_names();
    // Only the name carries the author's token, so the error points at it.
    let check = quote_spanned!(name.span()=> <#name as self::#named>::DEF);
    quote! {
        {
            #[allow(non_camel_case_types, dead_code, unused_imports, clippy::all)]
            mod must_be {
                mod #stand_in {
                    pub struct #name {}
                }
                use self::#stand_in::*;

                #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
                pub trait #named {
                    const DEF: &'static #def;
                }

                #[diagnostic::do_not_recommend]
                impl<T: #registration> #named for T {
                    const DEF: &'static #def = <T as #registration>::DEF;
                }

                pub const DEF: &'static #def = {
                    // The author's module, in a scope inside the stand-in's: its item of this
                    // name, if any, is the one found.
                    use super::*;
                    #check
                };
            }
            must_be::DEF
        }
    }
}
