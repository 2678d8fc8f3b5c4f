//! `inbound!` and `outbound!`: parse the declaration, check every option, and emit the
//! connection's constant plus its link-time registration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token, Visibility};

use crate::options;

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `inbound!`: an MLLP listener with a router.
    Inbound,
    /// `outbound!`: an MLLP sender.
    Outbound,
}

const INBOUND_OPTIONS: &[&str] = &[
    "port",
    "bind",
    "max_frame",
    "max_connections",
    "max_connections_per_peer",
    "allow",
    "first_frame_timeout",
    "idle_timeout",
    "frame_timeout",
    "max_frame_memory",
    "ack_mode",
    "duplicate_window",
    "tls",
    "plaintext",
    "parse",
    "validate",
    "tls_cert",
    "tls_key",
    "tls_client_ca",
];

const OUTBOUND_OPTIONS: &[&str] = &[
    "host",
    "port",
    "connect_timeout",
    "send_timeout",
    "ack_timeout",
    "persistent",
    "retries",
    "backoff",
    "max_backoff",
    "tls_ca",
    "tls_fingerprint",
    "tls_server_name",
    "tls_cert",
    "tls_key",
];

/// `name = value` inside `mllp(…)`.
struct Setting {
    name: Ident,
    value: Expr,
}

impl Parse for Setting {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        Ok(Setting { name, value })
    }
}

/// The whole declaration.
struct Declaration {
    vis: Visibility,
    name: Ident,
    transport: Ident,
    settings: Punctuated<Setting, Token![,]>,
    router: Option<(Ident, syn::Path)>,
}

impl Parse for Declaration {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![,]>()?;
        let transport: Ident = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let settings = content.parse_terminated(Setting::parse, Token![,])?;
        let mut router = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let path: syn::Path = input.parse()?;
            router = Some((key, path));
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the connection's settings"));
        }
        Ok(Declaration {
            vis,
            name,
            transport,
            settings,
            router,
        })
    }
}

/// Collects every error of a declaration, so they are reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
}

/// Expands `inbound!` or `outbound!`.
pub fn expand(direction: Direction, input: TokenStream) -> TokenStream {
    let usage = match direction {
        Direction::Inbound => "inbound!(IB_NAME, mllp(port = 2575), router = my_router)",
        Direction::Outbound => "outbound!(OB_NAME, mllp(host = \"10.0.0.5\", port = 6661))",
    };
    let decl: Declaration = match syn::parse2(input) {
        Ok(d) => d,
        Err(e) => {
            return syn::Error::new(e.span(), format!("{e}; usage: {usage}")).to_compile_error();
        }
    };
    let mut errors = Errors::default();
    if decl.transport != "mllp" {
        errors.push(syn::Error::new(
            decl.transport.span(),
            format!(
                "unknown transport `{}`; the transport is `mllp(…)`",
                decl.transport
            ),
        ));
    }
    let known = match direction {
        Direction::Inbound => INBOUND_OPTIONS,
        Direction::Outbound => OUTBOUND_OPTIONS,
    };
    let mut seen: Vec<String> = Vec::new();
    let mut fields = Vec::new();
    for setting in &decl.settings {
        let key = setting.name.to_string();
        if !known.contains(&key.as_str()) {
            let hint = options::nearest(&key, known)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            errors.push(syn::Error::new(
                setting.name.span(),
                format!(
                    "unknown option `{key}`; {hint}the options are: {}",
                    known.join(", ")
                ),
            ));
            continue;
        }
        if seen.contains(&key) {
            errors.push(syn::Error::new(
                setting.name.span(),
                format!("option `{key}` is given twice"),
            ));
            continue;
        }
        seen.push(key.clone());
        match field(&key, &setting.value) {
            Ok(tokens) => fields.push(tokens),
            Err(e) => errors.push(e),
        }
    }
    let given = |key: &str| seen.iter().any(|s| s == key);
    if given("tls_cert") != given("tls_key") {
        errors.push(syn::Error::new(
            decl.transport.span(),
            "`tls_cert` and `tls_key` go together: give both or neither",
        ));
    }
    let trusts = given("tls_ca") || given("tls_fingerprint");
    if direction == Direction::Outbound
        && !trusts
        && (given("tls_cert") || given("tls_server_name"))
    {
        errors.push(syn::Error::new(
            decl.transport.span(),
            "a TLS sender needs `tls_ca` or `tls_fingerprint` (`tls_cert` and `tls_server_name` apply to TLS)",
        ));
    }
    if given("tls_ca") && given("tls_fingerprint") {
        errors.push(syn::Error::new(
            decl.transport.span(),
            "give `tls_ca` or `tls_fingerprint`, not both",
        ));
    }
    let required: &[&str] = match direction {
        Direction::Inbound => &["port"],
        Direction::Outbound => &["host", "port"],
    };
    for r in required {
        if !seen.iter().any(|s| s == r) {
            errors.push(syn::Error::new(
                decl.transport.span(),
                format!("`{r}` is required; usage: {usage}"),
            ));
        }
    }
    let router = match (direction, &decl.router) {
        (Direction::Inbound, Some((key, path))) if key == "router" => Some(path.clone()),
        (Direction::Inbound, Some((key, _))) => {
            errors.push(syn::Error::new(
                key.span(),
                format!("expected `router = …`; usage: {usage}"),
            ));
            None
        }
        (Direction::Inbound, None) => {
            errors.push(syn::Error::new(
                decl.name.span(),
                format!("an inbound needs a router; usage: {usage}"),
            ));
            None
        }
        (Direction::Outbound, Some((key, _))) => {
            errors.push(syn::Error::new(
                key.span(),
                format!("an outbound takes no `{key}`; usage: {usage}"),
            ));
            None
        }
        (Direction::Outbound, None) => None,
    };
    match errors.0 {
        // The connection is still declared (with the settings that were valid), so the names
        // that refer to it resolve and one mistake gives one error.
        Some(e) => {
            let errors = e.to_compile_error();
            let fallback_router =
                router.or_else(|| syn::parse_str("::messagefoundry::__private::NoRouter").ok());
            let declaration = emit(direction, &decl, &fields, fallback_router.as_ref(), false);
            quote!(#errors #declaration)
        }
        None => emit(direction, &decl, &fields, router.as_ref(), true),
    }
}

/// A checked option: a field initialiser of the settings struct, or of its retry policy.
enum Field {
    Plain(TokenStream),
    Retry(TokenStream),
}

/// One checked option as a struct field initialiser.
fn field(key: &str, value: &Expr) -> syn::Result<Field> {
    let ident = format_ident!("{}", key);
    Ok(Field::Plain(match key {
        "port" => {
            let p = options::port(value)?;
            quote!(#ident: #p)
        }
        "bind" | "host" => {
            let s = options::string(value, key)?;
            quote!(#ident: #s)
        }
        "max_frame" | "max_connections" | "max_frame_memory" => {
            let n = options::count(value, key)? as usize;
            quote!(#ident: #n)
        }
        "max_connections_per_peer" => {
            let n = options::count(value, key)? as usize;
            quote!(#ident: ::core::option::Option::Some(#n))
        }
        "allow" => {
            let list = options::allow(value)?;
            quote!(#ident: #list)
        }
        "first_frame_timeout"
        | "idle_timeout"
        | "frame_timeout"
        | "connect_timeout"
        | "send_timeout"
        | "ack_timeout" => {
            let d = options::duration(value, key)?;
            quote!(#ident: #d)
        }
        "duplicate_window" => {
            let d = options::duration(value, key)?;
            quote!(#ident: ::core::option::Option::Some(#d))
        }
        "persistent" => {
            let b = options::boolean(value, key)?;
            quote!(#ident: #b)
        }
        "ack_mode" => choice(
            value,
            "ack_mode",
            "AckMode",
            &[
                ("original", "Original"),
                ("enhanced", "Enhanced"),
                ("after_processing", "AfterProcessing"),
                ("none", "None"),
            ],
        )?,
        "tls" => choice(value, "tls", "Tls", &[("on", "On"), ("off", "Off")])?,
        "plaintext" => choice(
            value,
            "plaintext",
            "Plaintext",
            &[("allow", "Allow"), ("refuse", "Refuse")],
        )?,
        "parse" => choice(
            value,
            "parse",
            "ParsePolicy",
            &[("tolerant", "Tolerant"), ("strict", "Strict")],
        )?,
        "validate" => choice(
            value,
            "validate",
            "ValidatePolicy",
            &[
                ("off", "Off"),
                ("tolerant", "Tolerant"),
                ("strict", "Strict"),
            ],
        )?,
        "tls_cert" | "tls_key" | "tls_client_ca" | "tls_ca" | "tls_fingerprint"
        | "tls_server_name" => {
            let s = options::string(value, key)?;
            quote!(#ident: ::core::option::Option::Some(#s))
        }
        "retries" => {
            let n = options::count(value, key)?;
            let n = u32::try_from(n)
                .map_err(|_| syn::Error::new_spanned(value, "retries is too large"))?;
            return Ok(Field::Retry(quote!(max_attempts: #n)));
        }
        "backoff" => {
            let d = options::duration(value, key)?;
            return Ok(Field::Retry(quote!(initial_backoff: #d)));
        }
        "max_backoff" => {
            let d = options::duration(value, key)?;
            return Ok(Field::Retry(quote!(max_backoff: #d)));
        }
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                format!("unsupported option `{key}`"),
            ));
        }
    }))
}

/// A bare word such as `on` or `refuse`; anything else gives an empty string.
/// An option that is one of a few bare words (`tls = off`), each naming a variant of a runtime
/// enum: `field: ::messagefoundry::interface::Type::Variant`.
fn choice(
    value: &Expr,
    option: &str,
    type_name: &str,
    words: &[(&str, &str)],
) -> syn::Result<TokenStream> {
    let given = word(value);
    let Some((_, variant)) = words.iter().find(|(w, _)| *w == given) else {
        let names: Vec<String> = words.iter().map(|(w, _)| format!("`{w}`")).collect();
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        return Err(syn::Error::new_spanned(
            value,
            format!("{option} is {list}"),
        ));
    };
    let field = syn::Ident::new(option, proc_macro2::Span::call_site());
    let ty = syn::Ident::new(type_name, proc_macro2::Span::call_site());
    let variant = syn::Ident::new(variant, proc_macro2::Span::call_site());
    Ok(quote!(#field: ::messagefoundry::interface::#ty::#variant))
}

fn word(value: &Expr) -> String {
    match value {
        Expr::Path(p) => p
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn emit(
    direction: Direction,
    decl: &Declaration,
    fields: &[Field],
    router: Option<&syn::Path>,
    register: bool,
) -> TokenStream {
    let vis = match &decl.vis {
        Visibility::Inherited => quote!(pub(crate)),
        v => quote!(#v),
    };
    let name = &decl.name;
    let name_str = name.to_string();
    let i = quote!(::messagefoundry::interface);
    let p = quote!(::messagefoundry::__private);
    let plain = fields.iter().filter_map(|f| match f {
        Field::Plain(t) => Some(t),
        Field::Retry(_) => None,
    });
    let retry = fields.iter().filter_map(|f| match f {
        Field::Retry(t) => Some(t),
        Field::Plain(_) => None,
    });
    let (slice, kind) = match direction {
        Direction::Inbound => (quote!(INBOUNDS), quote!(Inbound)),
        Direction::Outbound => (quote!(OUTBOUNDS), quote!(Outbound)),
    };
    let registration = if register {
        quote! {
            #[allow(missing_docs)]
            const _: () = {
                #[#p::linkme::distributed_slice(#p::#slice)]
                #[linkme(crate = #p::linkme)]
                static REGISTER: #i::#kind = #name;
            };
        }
    } else {
        TokenStream::new()
    };
    match direction {
        Direction::Inbound => {
            let router = router.map(|r| crate::named::def(crate::named::Role::Router, r));
            let doc =
                format!("The MLLP inbound connection `{name_str}`, declared with `inbound!`.");
            quote! {
                #[doc = #doc]
                #[allow(non_upper_case_globals)]
                #vis const #name: #i::Inbound = #i::Inbound({
                    static DEF: #i::InboundDef = #i::InboundDef {
                        name: #name_str,
                        mllp: #i::MllpListen { #(#plain,)* ..#i::MllpListen::DEFAULT },
                        router: #router,
                    };
                    &DEF
                });
                #registration
            }
        }
        Direction::Outbound => {
            let doc =
                format!("The MLLP outbound connection `{name_str}`, declared with `outbound!`.");
            quote! {
                #[doc = #doc]
                #[allow(non_upper_case_globals)]
                #vis const #name: #i::Outbound = #i::Outbound({
                    static DEF: #i::OutboundDef = #i::OutboundDef {
                        name: #name_str,
                        mllp: #i::MllpConnect {
                            #(#plain,)*
                            retry: #i::RetryPolicy { #(#retry,)* ..#i::RetryPolicy::DEFAULT },
                            ..#i::MllpConnect::DEFAULT
                        },
                    };
                    &DEF
                });
                #registration
            }
        }
    }
}

#[cfg(test)]
mod documented {
    use super::{INBOUND_OPTIONS, OUTBOUND_OPTIONS};

    /// The rustdoc of `inbound!` or `outbound!` in lib.rs: the lines after its first line.
    fn docs_of(first_line: &str) -> String {
        let lib = include_str!("lib.rs");
        let start = lib.find(first_line).expect("the macro's doc comment");
        let end = start + lib[start..].find("#[proc_macro]").expect("its attribute");
        lib[start..end].to_owned()
    }

    /// Each option the macros accept has a row in the docs authors read.
    #[test]
    fn every_option_is_documented() {
        for (options, first_line) in [
            (INBOUND_OPTIONS, "/// Declares an MLLP listener"),
            (OUTBOUND_OPTIONS, "/// Declares an MLLP sender"),
        ] {
            let docs = docs_of(first_line);
            for option in options {
                assert!(
                    docs.contains(&format!("| `{option}`"))
                        || docs.contains(&format!("`, `{option}` |")),
                    "{option} is not in the docs of {first_line}"
                );
            }
        }
    }
}
