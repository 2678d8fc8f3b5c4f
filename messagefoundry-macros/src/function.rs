//! `#[router]` and `#[handler]`: check the function's shape, check its path literals, and emit
//! beside it the item through which `route![…]` and `inbound!(…, router = …)` find it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, ReturnType, Type};

use crate::body;
use crate::handler_args::{self, HandlerArgs};
use crate::manifest;
use crate::message_type::{self, Checked};

/// Which attribute is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[router]`: `fn(&Message) -> Route`.
    Router,
    /// `#[handler]`: `fn(Message) -> Outcome`, or `async fn`.
    Handler,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::Router => "#[router]",
            Kind::Handler => "#[handler]",
        }
    }

    fn shape(self) -> &'static str {
        match self {
            Kind::Router => "#[router] fn name(msg: &Message) -> Route",
            Kind::Handler => "#[handler] fn name(msg: Message) -> Outcome",
        }
    }
}

/// Expands the attribute. On error the function is emitted unchanged beside the errors, with
/// a registration that does not call it, so that `route![…]` and `router = …` still find the
/// name and one mistake gives one error.
pub fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new_spanned(
                &item,
                format!("{} goes on a function: {}", kind.attribute(), kind.shape()),
            );
            let e = e.to_compile_error();
            return quote!(#item #e);
        }
    };
    if let Err(e) = check_signature(kind, &func) {
        let errors = e.to_compile_error();
        let companion = companion(kind, &func, Registration::Unbuilt);
        return quote!(#func #companion #errors);
    }
    let (checked, args_errors) = match parse_args(kind, args, func.sig.asyncness.is_some()) {
        Ok(checked) => (checked, TokenStream::new()),
        Err(e) => (HandlerArgs::default(), e.to_compile_error()),
    };
    let paths = body::rewrite(&mut func.block);
    let structure_errors = match &checked.message {
        Some(lit) => check_structure(lit, &paths)
            .map_or_else(|e| e.to_compile_error(), |()| TokenStream::new()),
        None => TokenStream::new(),
    };
    // A crate whose function bodies hold no path literal still hears of a bad manifest.
    let manifest_errors =
        manifest::unreported_problem(func.sig.ident.span()).map(|e| e.to_compile_error());
    let companion = companion(kind, &func, Registration::Calls(&checked));
    quote!(#func #companion #args_errors #structure_errors #manifest_errors)
}

/// `#[handler(message = "ORU^R01")]`: the message type must exist in the crate's HL7 version,
/// and every segment the body's paths name must belong to its structure (declared Z-segments
/// are allowed anywhere, as sites append them).
fn check_structure(
    lit: &LitStr,
    paths: &[(messagefoundry_hl7::Path, proc_macro2::Span)],
) -> syn::Result<()> {
    let (settings, structure) = match message_type::check(lit)? {
        Checked::Standard(settings, structure) => (settings, structure),
        // A locally defined type's structure is the site's own; a bad manifest is reported.
        Checked::Local(_) | Checked::Unchecked => return Ok(()),
    };
    let text = lit.value();
    let mut segments = Vec::new();
    let mut any = false;
    collect_segments(structure.nodes, &mut segments, &mut any);
    let mut errors: Option<syn::Error> = None;
    for (path, span) in paths {
        let id = path.segment.as_str();
        if any || segments.contains(&id) || path.segment.is_z_segment() {
            continue;
        }
        let e = syn::Error::new(
            *span,
            format!(
                "segment {id} is not part of {text} (structure {}) in HL7 {}",
                structure.id, settings.version
            ),
        );
        match &mut errors {
            Some(all) => all.combine(e),
            None => errors = Some(e),
        }
    }
    errors.map_or(Ok(()), Err)
}

fn collect_segments(
    nodes: &[messagefoundry_hl7::schema::Node],
    out: &mut Vec<&'static str>,
    any: &mut bool,
) {
    use messagefoundry_hl7::schema::Node;
    for node in nodes {
        match node {
            Node::Segment { id, .. } => out.push(id),
            Node::AnySegment { .. } => *any = true,
            Node::Group(g) => collect_segments(g.children, out, any),
        }
    }
}

/// `#[handler(message = "ORU^R01", timeout = "2s")]`; routers take no arguments.
fn parse_args(kind: Kind, args: TokenStream, is_async: bool) -> syn::Result<HandlerArgs> {
    if kind == Kind::Router && !args.is_empty() {
        return Err(syn::Error::new_spanned(
            args,
            "#[router] takes no arguments",
        ));
    }
    handler_args::parse(args, is_async)
}

fn check_signature(kind: Kind, func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    let wrong = |span: proc_macro2::Span, what: &str| {
        Err(syn::Error::new(
            span,
            format!(
                "{what}; a {} function looks like `{}`",
                kind.attribute(),
                kind.shape()
            ),
        ))
    };
    if let (Kind::Router, Some(a)) = (kind, &sig.asyncness) {
        return wrong(
            a.span(),
            "it cannot be async (a router decides from the message alone; an `async` \
             #[handler] can await a lookup)",
        );
    }
    if !sig.generics.params.is_empty() {
        return wrong(sig.generics.span(), "it cannot be generic");
    }
    if sig.inputs.len() != 1 {
        return wrong(
            sig.inputs
                .span()
                .join(sig.ident.span())
                .unwrap_or(sig.ident.span()),
            &format!(
                "it takes exactly one argument, the message (found {})",
                sig.inputs.len()
            ),
        );
    }
    let Some(FnArg::Typed(arg)) = sig.inputs.first() else {
        return wrong(sig.inputs.span(), "it cannot take `self`");
    };
    match (kind, &*arg.ty) {
        (Kind::Router, Type::Reference(r)) if r.mutability.is_none() && names_message(&r.elem) => {}
        (Kind::Router, ty) => {
            return wrong(ty.span(), "a router borrows the message: `msg: &Message`");
        }
        (Kind::Handler, ty) if names_message(ty) => {}
        (Kind::Handler, ty) => {
            return wrong(
                ty.span(),
                "a handler takes the message by value: `msg: Message`",
            );
        }
    }
    if let ReturnType::Default = sig.output {
        let what = match kind {
            Kind::Router => "it must return `Route`",
            Kind::Handler => "it must return `Outcome` (or `Result<Outcome, E>`)",
        };
        return wrong(sig.ident.span(), what);
    }
    Ok(())
}

/// Whether a type is written as `Message` (any path ending in `Message`).
fn names_message(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Message" && s.arguments.is_none()))
}

/// What the companion's registration holds.
enum Registration<'a> {
    /// The function, with the options its `#[handler(…)]` declared.
    Calls(&'a HandlerArgs),
    /// A stand-in, for a function whose signature is wrong: calling it would add type errors
    /// to the one already reported.
    Unbuilt,
}

/// The item that carries the function's registration: a struct of the same name (types and
/// functions live in different namespaces) implementing `Router` or `Handler`.
fn companion(kind: Kind, func: &ItemFn, registration: Registration<'_>) -> TokenStream {
    let name = &func.sig.ident;
    let vis = &func.vis;
    let name_str = name.to_string();
    let i = quote!(::messagefoundry::__private);
    let (trait_name, def) = match (kind, registration, &func.sig.output) {
        (Kind::Router, Registration::Calls(_), ReturnType::Type(_, ret)) => {
            let call = quote_spanned!(ret.span()=>
                ::messagefoundry::__private::IntoRoute::into_route(#name(msg)));
            (
                quote!(#i::Router),
                quote! {
                    &#i::RouterDef {
                        name: #name_str,
                        route: |msg: &::messagefoundry::hl7::Message| #call,
                    }
                },
            )
        }
        (Kind::Handler, Registration::Calls(args), ReturnType::Type(_, ret)) => {
            let message = match &args.message {
                Some(m) => quote!(::core::option::Option::Some(#m)),
                None => quote!(::core::option::Option::None),
            };
            let handle = handle(func, ret, args);
            (
                quote!(#i::Handler),
                quote! {
                    &#i::HandlerDef {
                        name: #name_str,
                        handle: #handle,
                        message: #message,
                    }
                },
            )
        }
        (Kind::Router, _, _) => (
            quote!(#i::Router),
            quote!(<::messagefoundry::__private::NoRouter as #i::Router>::DEF),
        ),
        (Kind::Handler, _, _) => (
            quote!(#i::Handler),
            quote!(::messagefoundry::__private::UNBUILT_HANDLER),
        ),
    };
    let def_type = match kind {
        Kind::Router => quote!(#i::RouterDef),
        Kind::Handler => quote!(#i::HandlerDef),
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        impl #trait_name for #name {
            const DEF: &'static #def_type = #def;
        }
    }
}

/// How the engine calls a handler: a plain `fn` directly, an `async fn` as a boxed future with
/// its timeout (`#[handler(timeout = …)]`, or the runtime's default).
fn handle(func: &ItemFn, ret: &Type, args: &HandlerArgs) -> TokenStream {
    let name = &func.sig.ident;
    let i = quote!(::messagefoundry::__private);
    if func.sig.asyncness.is_none() {
        let call = quote_spanned!(ret.span()=>
            ::messagefoundry::__private::IntoOutcome::into_outcome(#name(msg)));
        return quote!(#i::Handle::Sync(|msg: ::messagefoundry::hl7::Message| #call));
    }
    let call = quote_spanned!(ret.span()=>
        ::messagefoundry::__private::IntoOutcome::into_outcome(#name(msg).await));
    let timeout = match args.timeout {
        Some((d, _)) => {
            let millis = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            quote!(::core::time::Duration::from_millis(#millis))
        }
        None => quote!(#i::DEFAULT_TIMEOUT),
    };
    quote! {
        #i::Handle::Async {
            call: |msg: ::messagefoundry::hl7::Message| -> #i::HandlerFuture {
                ::std::boxed::Box::pin(async move { #call })
            },
            timeout: #timeout,
        }
    }
}
