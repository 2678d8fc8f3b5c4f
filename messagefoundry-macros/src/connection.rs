//! `inbound!` and `outbound!`: parse the declaration, check every option, and emit the
//! connection's constant plus its link-time registration.

use messagefoundry_options::{Default, Direction, Kind, Piece, Spec, Transport};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token, Visibility};

use crate::options;

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
    /// What follows the transport: `router = …`, `index = […]`.
    trailing: Vec<Setting>,
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
        let mut trailing = Vec::new();
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            trailing.push(input.parse::<Setting>()?);
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the connection's settings"));
        }
        Ok(Declaration {
            vis,
            name,
            transport,
            settings,
            trailing,
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
    let decl: Declaration = match syn::parse2(input) {
        Ok(d) => d,
        Err(e) => {
            let usage = usage(direction, Transport::Mllp);
            return syn::Error::new(e.span(), format!("{e}; usage: {usage}")).to_compile_error();
        }
    };
    let mut errors = Errors::default();
    // An unknown transport is one error; its settings are not checked against another's.
    let (transport, known) = match Transport::named(&decl.transport.to_string()) {
        Some(t) => (t, true),
        None => {
            errors.push(syn::Error::new(
                decl.transport.span(),
                Transport::unknown_transport(&decl.transport.to_string()),
            ));
            (Transport::Mllp, false)
        }
    };
    let usage = usage(direction, transport);
    let mut seen: Vec<String> = Vec::new();
    // Options an unknown name was taken for: their absence is the same mistake, not another.
    let mut suggested: Vec<&str> = Vec::new();
    let mut fields = Vec::new();
    // Whether the URL, if one was given and is valid, is `https`, and where it was written.
    let mut https: Option<(bool, Expr)> = None;
    for setting in decl.settings.iter().filter(|_| known) {
        let key = setting.name.to_string();
        if direction == Direction::Inbound && key == "index" {
            errors.push(syn::Error::new(
                setting.name.span(),
                format!(
                    "`index` follows the transport's parentheses, beside the router: inbound!(IB_NAME, {}(…), router = my_router, {})",
                    decl.transport,
                    crate::index::USAGE
                ),
            ));
            continue;
        }
        let Some(spec) = transport.option(direction, &key) else {
            suggested.extend(transport.nearest(direction, &key));
            errors.push(syn::Error::new(
                setting.name.span(),
                transport.unknown(direction, &key),
            ));
            continue;
        };
        if seen.contains(&key) {
            errors.push(syn::Error::new(
                setting.name.span(),
                format!("option `{key}` is given twice"),
            ));
            continue;
        }
        seen.push(key.clone());
        if key == "url"
            && let Ok(url) = options::check(spec, &setting.value)
            && let messagefoundry_options::Value::Text(url) = url
        {
            https = messagefoundry_options::HttpUrl::parse(&url)
                .ok()
                .map(|u| (u.tls, setting.value.clone()));
        }
        match field(transport, spec, &setting.value) {
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
    if transport == Transport::File && given("batch_wait") && !given("batch") {
        errors.push(syn::Error::new(
            decl.transport.span(),
            "`batch_wait` applies to batch files: give `batch` too, the most messages a file holds (`batch = 1000, batch_wait = \"5m\"`)",
        ));
    }
    if given("auth_user") != given("auth_password_env") {
        errors.push(syn::Error::new(
            decl.transport.span(),
            "`auth_user` and `auth_password_env` go together: give both or neither",
        ));
    }
    if direction == Direction::Outbound && given("auth_token_env") && given("auth_user") {
        errors.push(syn::Error::new(
            decl.transport.span(),
            "give `auth_token_env` (a bearer token) or `auth_user` (basic), not both",
        ));
    }
    match &https {
        Some((true, url)) if !trusts => errors.push(syn::Error::new_spanned(
            url,
            "an https URL needs `tls_ca` or `tls_fingerprint`: the certificate the downstream must present",
        )),
        Some((false, url)) if trusts || given("tls_cert") || given("tls_server_name") => {
            errors.push(syn::Error::new_spanned(
                url,
                "TLS options with an http:// URL: write https:// to speak TLS (an http:// URL is plaintext)",
            ))
        }
        _ => {}
    }
    // A misspelt login option is one mistake, not also a missing login.
    let login_suggested = suggested
        .iter()
        .any(|s| s.starts_with("key") || s.starts_with("password"));
    if transport == Transport::Sftp && known && !login_suggested {
        for e in sftp_login(&given) {
            errors.push(syn::Error::new(decl.transport.span(), e));
        }
    }
    let required = transport
        .options(direction)
        .iter()
        .filter(|spec| known && spec.default == Default::Required);
    for spec in required {
        let r = spec.name;
        if !given(r) && !suggested.contains(&r) {
            let why = match r {
                "host_key" => HOST_KEY_REQUIRED,
                _ => "",
            };
            errors.push(syn::Error::new(
                decl.transport.span(),
                format!("`{r}` is required{why}; usage: {usage}"),
            ));
        }
    }
    let (router, index) = trailing(direction, &decl, usage, &mut errors);
    match errors.0 {
        // The connection is still declared (with the settings that were valid), so the names
        // that refer to it resolve and one mistake gives one error.
        Some(e) => {
            let errors = e.to_compile_error();
            let fallback_router =
                router.or_else(|| syn::parse_str("::messagefoundry::__private::NoRouter").ok());
            let declaration = emit(
                direction,
                transport,
                &decl,
                &fields,
                fallback_router.as_ref(),
                false,
            );
            quote!(#errors #declaration)
        }
        None => {
            let declaration = emit(direction, transport, &decl, &fields, router.as_ref(), true);
            let index = index.map(|i| crate::index::emit(&decl.name.to_string(), &i));
            quote!(#declaration #index)
        }
    }
}

/// Why an SFTP connection must pin its server's key.
const HOST_KEY_REQUIRED: &str = ": the server's host key is pinned, never trusted on first use \
     (ask the partner for its fingerprint, or run `ssh-keygen -lf` on the server's public key)";

/// The mistakes in how an SFTP connection logs in: exactly one of a key and a password, each
/// secret from one place, a passphrase only for a key.
fn sftp_login(given: &dyn Fn(&str) -> bool) -> Vec<&'static str> {
    let mut errors = Vec::new();
    let password = given("password_env") || given("password_file");
    if given("key") == password {
        errors.push(
            "an SFTP connection logs in with `key` (a private key file) or a password \
             (`password_env` or `password_file`): give one of them",
        );
    }
    if given("password_env") && given("password_file") {
        errors.push("give `password_env` or `password_file`, not both");
    }
    if given("key_passphrase_env") && given("key_passphrase_file") {
        errors.push("give `key_passphrase_env` or `key_passphrase_file`, not both");
    }
    if !given("key") && (given("key_passphrase_env") || given("key_passphrase_file")) {
        errors.push("a key passphrase goes with `key`");
    }
    errors
}

/// Reads what follows the transport: an inbound's router (required) and index (optional); an
/// outbound takes neither.
fn trailing(
    direction: Direction,
    decl: &Declaration,
    usage: &str,
    errors: &mut Errors,
) -> (Option<syn::Path>, Option<crate::index::Checked>) {
    let mut router = None;
    let mut index = None;
    let mut seen: Vec<String> = Vec::new();
    for setting in &decl.trailing {
        let key = setting.name.to_string();
        if direction == Direction::Outbound {
            errors.push(syn::Error::new(
                setting.name.span(),
                format!("an outbound takes no `{key}`; usage: {usage}"),
            ));
            continue;
        }
        if seen.contains(&key) {
            errors.push(syn::Error::new(
                setting.name.span(),
                format!("`{key}` is given twice"),
            ));
            continue;
        }
        seen.push(key.clone());
        match key.as_str() {
            "router" => match &setting.value {
                Expr::Path(p) => router = Some(p.path.clone()),
                other => errors.push(syn::Error::new_spanned(
                    other,
                    format!(
                        "a router is named by its function: router = my_router; usage: {usage}"
                    ),
                )),
            },
            "index" => match crate::index::check(&setting.value) {
                Ok(checked) => index = Some(checked),
                Err(e) => errors.push(e),
            },
            _ => {
                const AFTER: &[&str] = &["router", "index"];
                let hint = messagefoundry_options::nearest(&key, AFTER)
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                errors.push(syn::Error::new(
                    setting.name.span(),
                    format!(
                        "unknown `{key}` after the transport; {hint}an inbound takes `router = …` and, optionally, `{}`; usage: {usage}",
                        crate::index::USAGE
                    ),
                ));
            }
        }
    }
    if direction == Direction::Inbound && router.is_none() && !seen.iter().any(|k| k == "router") {
        errors.push(syn::Error::new(
            decl.name.span(),
            format!("an inbound needs a router; usage: {usage}"),
        ));
    }
    (router, index)
}

/// How a declaration of this transport is written, for error messages.
fn usage(direction: Direction, transport: Transport) -> &'static str {
    match (direction, transport) {
        (Direction::Inbound, Transport::Mllp) => {
            "inbound!(IB_NAME, mllp(port = 2575), router = my_router)"
        }
        (Direction::Outbound, Transport::Mllp) => {
            "outbound!(OB_NAME, mllp(host = \"10.0.0.5\", port = 6661))"
        }
        (Direction::Inbound, Transport::File) => {
            "inbound!(IB_NAME, file(dir = \"/data/in\", pattern = \"*.hl7\"), router = my_router)"
        }
        (Direction::Outbound, Transport::File) => {
            "outbound!(OB_NAME, file(dir = \"/data/out\", name = \"{MSH-10}.hl7\"))"
        }
        (Direction::Inbound, Transport::Http) => {
            "inbound!(IB_NAME, http(port = 8080, path = \"/hl7\"), router = my_router)"
        }
        (Direction::Outbound, Transport::Http) => {
            "outbound!(OB_NAME, http(url = \"https://ehr.example.org/hl7\", tls_ca = \"ehr-ca.pem\"))"
        }
        (Direction::Inbound, Transport::Sftp) => {
            "inbound!(IB_NAME, sftp(host = \"sftp.lab.example\", user = \"gh\", host_key = \"SHA256:…\", key = \"keys/lab\", dir = \"results\"), router = my_router)"
        }
        (Direction::Outbound, Transport::Sftp) => {
            "outbound!(OB_NAME, sftp(host = \"sftp.lab.example\", user = \"gh\", host_key = \"SHA256:…\", key = \"keys/lab\", dir = \"orders\", name = \"{MSH-10}.hl7\"))"
        }
    }
}

/// Checks each HL7 path of a file name template against the schema, as every path literal is.
fn check_template(spec: &Spec, value: &Expr) -> syn::Result<()> {
    let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(lit),
        ..
    }) = value
    else {
        return Ok(());
    };
    let text = lit.value();
    let pieces = messagefoundry_options::name_template(&text)
        .map_err(|e| syn::Error::new(lit.span(), format!("{}: {e}", spec.name)))?;
    for (_, piece) in pieces {
        if let Piece::Path(path) = piece {
            let inner = syn::LitStr::new(path, lit.span());
            crate::path_literal::check(&inner).map_err(|e| {
                syn::Error::new(lit.span(), format!("in the file name `{text}`: {e}"))
            })?;
        }
    }
    Ok(())
}

/// A checked option: a field initialiser of the settings struct, of its retry policy, of the
/// HTTP settings, or of the SFTP server's.
enum Field {
    Plain(TokenStream),
    Retry(TokenStream),
    Http(TokenStream),
    Sftp(TokenStream),
}

/// The options kept in the HTTP settings (`HttpListen`, `HttpConnect`) rather than in the
/// settings HTTP shares with MLLP.
const HTTP_ONLY: &[&str] = &[
    "path",
    "url",
    "headers",
    "auth_token_env",
    "auth_user",
    "auth_password_env",
];

/// One checked option as a struct field initialiser. A field is named as its option, but for
/// the retry policy's three; an option without a default is an `Option` field, but for `allow`
/// (a list, empty when unset).
fn field(transport: Transport, spec: &Spec, value: &Expr) -> syn::Result<Field> {
    let checked = options::check(spec, value)?;
    if spec.kind == Kind::NameTemplate {
        check_template(spec, value)?;
    }
    let mut tokens = options::tokens(spec, &checked)?;
    let listed = matches!(spec.kind, Kind::Addresses | Kind::Headers);
    if matches!(spec.default, Default::Unset(_)) && !listed {
        tokens = quote!(::core::option::Option::Some(#tokens));
    }
    Ok(match messagefoundry_options::setting_of(spec.name) {
        "retries" => Field::Retry(quote!(max_attempts: #tokens)),
        "backoff" => Field::Retry(quote!(initial_backoff: #tokens)),
        "max_backoff" => Field::Retry(quote!(max_backoff: #tokens)),
        name => {
            let ident = format_ident!("{}", name);
            if transport == Transport::Http && HTTP_ONLY.contains(&name) {
                Field::Http(quote!(#ident: #tokens))
            } else if transport == Transport::Sftp && messagefoundry_options::is_server_option(name)
            {
                Field::Sftp(quote!(#ident: #tokens))
            } else {
                Field::Plain(quote!(#ident: #tokens))
            }
        }
    })
}

fn emit(
    direction: Direction,
    transport: Transport,
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
    let p = quote!(::messagefoundry::__private);
    let plain = fields.iter().filter_map(|f| match f {
        Field::Plain(t) => Some(t),
        _ => None,
    });
    let retry = fields.iter().filter_map(|f| match f {
        Field::Retry(t) => Some(t),
        _ => None,
    });
    let http: Vec<&TokenStream> = fields
        .iter()
        .filter_map(|f| match f {
            Field::Http(t) => Some(t),
            _ => None,
        })
        .collect();
    let sftp: Vec<&TokenStream> = fields
        .iter()
        .filter_map(|f| match f {
            Field::Sftp(t) => Some(t),
            _ => None,
        })
        .collect();
    let server = quote!(#p::SftpServer { #(#sftp,)* ..#p::SftpServer::DEFAULT });
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
                static REGISTER: #p::#kind = #name;
            };
        }
    } else {
        TokenStream::new()
    };
    let kind_word = match transport {
        Transport::Mllp => "MLLP",
        Transport::File => "file",
        Transport::Http => "HTTP",
        Transport::Sftp => "SFTP",
    };
    match direction {
        Direction::Inbound => {
            let router = router.map(|r| crate::named::def(crate::named::Role::Router, r));
            let doc = format!(
                "The {kind_word} inbound connection `{name_str}`, declared with `inbound!`."
            );
            let settings = match transport {
                Transport::Mllp => quote!(#p::InboundTransport::Mllp(
                    #p::MllpListen { #(#plain,)* ..#p::MllpListen::DEFAULT }
                )),
                Transport::File => quote!(#p::InboundTransport::File(
                    #p::FileIn { #(#plain,)* ..#p::FileIn::DEFAULT }
                )),
                Transport::Http => quote!(#p::InboundTransport::Http {
                    listen: #p::MllpListen { #(#plain,)* ..#p::MllpListen::DEFAULT },
                    http: #p::HttpListen { #(#http,)* ..#p::HttpListen::DEFAULT },
                }),
                Transport::Sftp => quote!(#p::InboundTransport::Sftp {
                    server: #server,
                    folder: #p::FileIn { #(#plain,)* ..#p::FileIn::DEFAULT },
                }),
            };
            quote! {
                #[doc = #doc]
                // Every field of a settings struct may be given, leaving its defaults unused.
                #[allow(non_upper_case_globals, clippy::needless_update)]
                #vis const #name: #p::Inbound = #p::Inbound({
                    // Every field may be given, leaving the defaults nothing to add.
                    #[allow(clippy::needless_update)]
                    static DEF: #p::InboundDef = #p::InboundDef {
                        name: #name_str,
                        transport: #settings,
                        router: #router,
                    };
                    &DEF
                });
                #registration
            }
        }
        Direction::Outbound => {
            let doc = format!(
                "The {kind_word} outbound connection `{name_str}`, declared with `outbound!`."
            );
            let retry = quote!(#p::RetryPolicy { #(#retry,)* ..#p::RetryPolicy::DEFAULT });
            let settings = match transport {
                Transport::Mllp => quote!(#p::OutboundTransport::Mllp(#p::MllpConnect {
                    #(#plain,)*
                    retry: #retry,
                    ..#p::MllpConnect::DEFAULT
                })),
                Transport::File => quote!(#p::OutboundTransport::File(#p::FileOut {
                    #(#plain,)*
                    retry: #retry,
                    ..#p::FileOut::DEFAULT
                })),
                Transport::Http => quote!(#p::OutboundTransport::Http {
                    connect: #p::MllpConnect {
                        #(#plain,)*
                        retry: #retry,
                        ..#p::MllpConnect::DEFAULT
                    },
                    http: #p::HttpConnect { #(#http,)* ..#p::HttpConnect::DEFAULT },
                }),
                Transport::Sftp => quote!(#p::OutboundTransport::Sftp {
                    server: #server,
                    folder: #p::FileOut {
                        #(#plain,)*
                        retry: #retry,
                        ..#p::FileOut::DEFAULT
                    },
                }),
            };
            quote! {
                #[doc = #doc]
                // Every field of a settings struct may be given, leaving its defaults unused.
                #[allow(non_upper_case_globals, clippy::needless_update)]
                #vis const #name: #p::Outbound = #p::Outbound({
                    // Every field may be given, leaving the defaults nothing to add.
                    #[allow(clippy::needless_update)]
                    static DEF: #p::OutboundDef = #p::OutboundDef {
                        name: #name_str,
                        transport: #settings,
                    };
                    &DEF
                });
                #registration
            }
        }
    }
}
