//! HL7 literals inside checked code: `msg["OBR-25"]`, `msg.get("PID-5")`, …,
//! `msg.segments_named("OBX")` are checked and compiled to constants. A bad literal becomes a
//! `compile_error!` in its own place, so the rest of the code still type-checks and one mistake
//! gives one error.
//!
//! `#[router]` and `#[handler]` rewrite their function's body; `#[checked]` rewrites a whole
//! item (see [`rewrite_item`]).

use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use crate::{path_literal, segment_literal};

/// Methods of `Message` whose first argument is a path.
const PATH_METHODS: &[&str] = &[
    "get",
    "set",
    "set_null",
    "set_er7",
    "clear",
    "repetitions",
    "datetime",
];

/// Methods of `Message` whose first argument is a segment ID.
const SEGMENT_METHODS: &[&str] = &["segments_named"];

/// Attributes that check their own function's body, so `#[checked]` leaves it to them
/// (`#[handler(message = …)]` needs the paths it finds there).
const SELF_CHECKING: &[&str] = &["router", "handler"];

/// Rewrites the literals of a function body in place and returns the paths it found
/// (for the structure check of `#[handler(message = …)]`).
pub fn rewrite(block: &mut syn::Block) -> Vec<(messagefoundry_hl7::Path, proc_macro2::Span)> {
    let mut visitor = Rewriter::default();
    visitor.visit_block_mut(block);
    visitor.found
}

/// Rewrites the literals of every function body in an item (a function, the methods of an
/// `impl` or a trait, everything in an inline module), except the functions of `#[router]`
/// and `#[handler]`, which rewrite their own.
pub fn rewrite_item(item: &mut syn::Item) {
    Rewriter::default().visit_item_mut(item);
}

#[derive(Default)]
struct Rewriter {
    /// The paths checked so far, where they were written.
    found: Vec<(messagefoundry_hl7::Path, proc_macro2::Span)>,
    /// How many literals were replaced, by a constant or by an error.
    rewritten: usize,
}

impl Rewriter {
    /// Replaces `expr` by the checked constant if it is a path-like string literal.
    fn rewrite_path(&mut self, expr: &mut Expr) {
        let Some(lit) = string_literal(expr).filter(|s| path_literal::looks_like_path(&s.value()))
        else {
            return;
        };
        self.rewritten += 1;
        *expr = parsed(match path_literal::check(&lit) {
            Ok(path) => {
                self.found.push((path, lit.span()));
                path_literal::const_tokens(&path)
            }
            Err(e) => e.to_compile_error(),
        });
    }

    /// Replaces `expr` by the checked constant if it is a string literal.
    fn rewrite_segment(&mut self, expr: &mut Expr) {
        let Some(lit) = string_literal(expr) else {
            return;
        };
        self.rewritten += 1;
        *expr = parsed(match segment_literal::check(&lit) {
            Ok(id) => segment_literal::const_tokens(id),
            Err(e) => e.to_compile_error(),
        });
    }
}

fn string_literal(expr: &Expr) -> Option<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        _ => None,
    }
}

fn parsed(tokens: proc_macro2::TokenStream) -> Expr {
    syn::parse2(tokens.clone()).unwrap_or(Expr::Verbatim(tokens))
}

fn checks_itself(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| SELF_CHECKING.iter().any(|name| s.ident == name))
    })
}

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Index(index) => self.rewrite_path(&mut index.index),
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if let Some(first) = call.args.first_mut() {
                    if PATH_METHODS.contains(&method.as_str()) {
                        self.rewrite_path(first);
                    } else if SEGMENT_METHODS.contains(&method.as_str()) {
                        self.rewrite_segment(first);
                    }
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    /// Macros whose arguments are expressions (`assert_eq!`, `format!`, `println!`, …) are
    /// rewritten inside; others are left as written.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        let Ok(mut args) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) else {
            return;
        };
        let before = self.rewritten;
        for arg in args.iter_mut() {
            self.visit_expr_mut(arg);
        }
        if self.rewritten != before {
            mac.tokens = quote::ToTokens::to_token_stream(&args);
        }
    }

    fn visit_item_fn_mut(&mut self, item: &mut syn::ItemFn) {
        if !checks_itself(&item.attrs) {
            syn::visit_mut::visit_item_fn_mut(self, item);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, item: &mut syn::ImplItemFn) {
        if !checks_itself(&item.attrs) {
            syn::visit_mut::visit_impl_item_fn_mut(self, item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn rewrites_index_and_method_paths_only() {
        let mut block: syn::Block = syn::parse_quote!({
            let a = msg["OBR-25"];
            let b = msg.get("PID-5.1");
            let c = map["hello"];
            let d = other.call("PID-3");
        });
        let found = rewrite(&mut block);
        assert_eq!(found.len(), 2);
        let text = block.to_token_stream().to_string();
        assert!(text.contains("from_parts"), "{text}");
        assert!(text.contains("\"hello\""), "{text}");
        assert!(text.contains("\"PID-3\""), "{text}");
    }

    #[test]
    fn a_bad_path_becomes_one_compile_error() {
        let mut block: syn::Block = syn::parse_quote!({ msg["PID-0"] == "x" });
        rewrite(&mut block);
        let text = block.to_token_stream().to_string();
        assert_eq!(text.matches("compile_error").count(), 1, "{text}");
    }

    #[test]
    fn rewrites_segment_ids() {
        let mut block: syn::Block = syn::parse_quote!({
            let n = msg.segments_named("OBX").count();
            let z = msg.segments_named("ZZX").count();
        });
        rewrite(&mut block);
        let text = block.to_token_stream().to_string();
        assert!(text.contains("b\"OBX\""), "{text}");
        assert!(!text.contains("segments_named (\"OBX\")"), "{text}");
        assert_eq!(text.matches("compile_error").count(), 1, "{text}");
        assert!(text.contains("segment ZZX is not declared"), "{text}");
    }

    #[test]
    fn rewrites_inside_expression_macros_and_closures() {
        let mut block: syn::Block = syn::parse_quote!({
            assert_eq!(&msg["PID-5.1"], "DOE", "family name");
            let f = |m: &Message| format!("{}", &m["PID-8"]);
            println!("PID-3 is {}", x);
            tracing::info!(%msg["PID-3"], "kept as written");
        });
        let found = rewrite(&mut block);
        assert_eq!(found.len(), 2);
        let text = block.to_token_stream().to_string();
        assert!(text.contains("\"PID-3 is {}\""), "{text}");
        assert!(text.contains("% msg [\"PID-3\"]"), "{text}");
        assert!(text.contains("\"family name\""), "{text}");
    }

    #[test]
    fn an_item_is_rewritten_but_not_the_functions_that_check_themselves() {
        let mut item: syn::Item = syn::parse_quote! {
            mod helpers {
                fn name(msg: &Message) -> &str { &msg["PID-5.1"] }
                impl Extract for Lab {
                    fn status(msg: &Message) -> &str { &msg["OBR-25"] }
                }
                #[handler(message = "ORU^R01")]
                fn to_ehr(msg: Message) -> Outcome { if msg["OBR-25"] == "X" {} todo!() }
            }
        };
        rewrite_item(&mut item);
        let text = item.to_token_stream().to_string();
        assert!(!text.contains("\"PID-5.1\""), "{text}");
        assert_eq!(text.matches("\"OBR-25\"").count(), 1, "{text}");
    }
}
