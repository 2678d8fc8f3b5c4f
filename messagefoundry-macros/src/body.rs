//! Path literals inside router and handler bodies: `msg["OBR-25"]`, `msg.get("PID-5")`, …
//! are checked and compiled to constants. A bad literal becomes a `compile_error!` in its own
//! place, so the rest of the body still type-checks and one mistake gives one error.

use syn::visit_mut::VisitMut;
use syn::{Expr, ExprLit, Lit, LitStr};

use crate::path_literal;

/// Methods of `Message` whose first argument is a path.
const PATH_METHODS: &[&str] = &["get", "set", "set_null", "set_er7", "clear", "repetitions"];

/// Rewrites the path literals of a function body in place and returns the paths it found
/// (for the structure check of `#[handler(message = …)]`).
pub fn rewrite(block: &mut syn::Block) -> Vec<(messagefoundry_hl7::Path, proc_macro2::Span)> {
    let mut visitor = PathRewriter { found: Vec::new() };
    visitor.visit_block_mut(block);
    visitor.found
}

struct PathRewriter {
    found: Vec<(messagefoundry_hl7::Path, proc_macro2::Span)>,
}

impl PathRewriter {
    /// Replaces `expr` by the checked constant if it is a path-like string literal.
    fn rewrite_literal(&mut self, expr: &mut Expr) {
        let Some(lit) = path_like_literal(expr) else {
            return;
        };
        *expr = match path_literal::check(&lit) {
            Ok(path) => {
                self.found.push((path, lit.span()));
                syn::parse2(path_literal::const_tokens(&path))
                    .unwrap_or_else(|e| Expr::Verbatim(e.to_compile_error()))
            }
            Err(e) => Expr::Verbatim(e.to_compile_error()),
        };
    }
}

fn path_like_literal(expr: &Expr) -> Option<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) if path_literal::looks_like_path(&s.value()) => Some(s.clone()),
        _ => None,
    }
}

impl VisitMut for PathRewriter {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Index(index) => self.rewrite_literal(&mut index.index),
            Expr::MethodCall(call) if PATH_METHODS.contains(&call.method.to_string().as_str()) => {
                if let Some(first) = call.args.first_mut() {
                    self.rewrite_literal(first);
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, expr);
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
}
