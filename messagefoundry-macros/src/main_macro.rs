//! `main!()`: the interface binary's entry point.

use proc_macro2::TokenStream;
use quote::quote;

/// Emits `fn main` calling the runtime's command line, which finds every connection through
/// the link-time registry (no list for the user to keep).
pub fn expand(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "main!() takes no arguments").to_compile_error();
    }
    // A binary whose code holds no checked path still hears of a bad manifest.
    let manifest_errors = crate::manifest::unreported_problem(proc_macro2::Span::call_site())
        .map(|e| e.to_compile_error());
    quote! {
        #manifest_errors
        fn main() -> ::std::process::ExitCode {
            ::messagefoundry::__private::run_main()
        }
    }
}
