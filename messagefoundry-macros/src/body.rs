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

/// Methods of `Message` (and of `Segment`, `Group`, `GroupMut`) that take a path, and which
/// argument it is.
const PATH_ARGUMENTS: &[(&str, usize)] = &[
    ("get", 0),
    ("set", 0),
    ("set_null", 0),
    ("set_er7", 0),
    ("clear", 0),
    ("repetitions", 0),
    ("datetime", 0),
    ("every", 0),
    ("update", 0),
    ("update_every", 0),
    ("copy_from", 1),
];

/// Methods that take a segment ID (or an array of them), and which argument it is.
const SEGMENT_ARGUMENTS: &[(&str, usize)] = &[
    ("segments_named", 0),
    ("remove_segments", 0),
    ("insert_segment_after", 0),
    ("copy_segment_from", 1),
    ("groups", 0),
    ("groups", 1),
    ("for_each_group", 0),
    ("for_each_group", 1),
];

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

    /// Replaces `expr` by the checked constant if it is a string literal, and each literal of
    /// an array (`["NTE", "OBX"]`, or a reference to one) likewise.
    fn rewrite_segment(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Array(array) => {
                return array.elems.iter_mut().for_each(|e| self.rewrite_segment(e));
            }
            Expr::Reference(reference) => return self.rewrite_segment(&mut reference.expr),
            _ => {}
        }
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
                let named = |table: &[(&str, usize)]| -> Vec<usize> {
                    table
                        .iter()
                        .filter(|(name, _)| *name == method)
                        .map(|(_, at)| *at)
                        .collect()
                };
                for at in named(PATH_ARGUMENTS) {
                    if let Some(arg) = call.args.iter_mut().nth(at) {
                        self.rewrite_path(arg);
                    }
                }
                for at in named(SEGMENT_ARGUMENTS) {
                    if let Some(arg) = call.args.iter_mut().nth(at) {
                        self.rewrite_segment(arg);
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
    fn rewrites_the_arguments_of_the_editing_methods() {
        let mut block: syn::Block = syn::parse_quote!({
            msg.update_every("PID-5.1", |name| name.to_uppercase())?;
            msg.copy_from(&other, "PID-3")?;
            msg.copy_segment_from(&other, "PV1")?;
            msg.for_each_group("OBR", ["NTE", &"OBX"], |order| Ok(()))?;
            msg.groups("ORC", &["OBR", "ZZX"]);
            msg.remove_segments("ZZY")?;
        });
        let found = rewrite(&mut block);
        assert_eq!(found.len(), 2);
        let text = block.to_token_stream().to_string();
        for id in ["PV1", "OBR", "NTE", "OBX", "ORC"] {
            assert!(text.contains(&format!("b\"{id}\"")), "{id}: {text}");
        }
        assert_eq!(text.matches("compile_error").count(), 2, "{text}");
        assert!(text.contains("segment ZZX is not declared"), "{text}");
        assert!(text.contains("segment ZZY is not declared"), "{text}");
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
