//! `tables! { point_of_care = "../tables/point_of_care.csv" }`: the crate's code tables.
//!
//! Each file is read and checked now, relative to the source file that names it (as
//! `include_str!` reads), and built into the binary as the table's contents where no
//! environment points it at another file. The expansion is a module at the crate root,
//! `__tables`, holding a constant per table whose fields are its columns, so that
//! `table!("point_of_care", "downstream")` is resolved by rustc: a wrong name is an error at
//! the literal, with rustc's suggestion of the nearest one.

use std::path::{Path, PathBuf};

use messagefoundry_options::{Crosswalk, is_name};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Token};

/// The module `tables!` emits at the crate root.
pub const MODULE: &str = "__tables";

const USAGE: &str =
    "tables! declares code tables: tables! { point_of_care = \"../tables/point_of_care.csv\" }";

/// One `name = "file"` of the declaration.
struct Entry {
    attrs: Vec<Attribute>,
    name: Ident,
    file: LitStr,
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Entry> {
        let attrs = input.call(Attribute::parse_outer)?;
        let name = input.parse()?;
        input.parse::<Token![=]>()?;
        let file = input.parse()?;
        Ok(Entry { attrs, name, file })
    }
}

/// A table checked and ready to expand.
struct Checked {
    attrs: Vec<Attribute>,
    name: Ident,
    written: String,
    path: String,
    columns: Vec<String>,
}

/// Expands `tables!`. `source` is the file the macro is written in, when the compiler says.
pub fn expand(input: TokenStream, source: Option<PathBuf>) -> TokenStream {
    let entries = match Punctuated::<Entry, Token![,]>::parse_terminated.parse2(input) {
        Ok(entries) => entries,
        Err(e) => return syn::Error::new(e.span(), USAGE).to_compile_error(),
    };
    let dir = source.as_deref().and_then(Path::parent);
    let mut errors = TokenStream::new();
    let mut checked = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for entry in entries {
        let name = entry.name.to_string();
        let result = if seen.contains(&name) {
            Err(syn::Error::new(
                entry.name.span(),
                format!("table `{name}` is declared twice"),
            ))
        } else {
            check(entry, dir)
        };
        seen.push(name);
        match result {
            Ok(table) => checked.push(table),
            Err(e) => errors.extend(e.to_compile_error()),
        }
    }
    let tables = checked.iter().map(table_items);
    let module = format_ident!("{MODULE}");
    quote! {
        #errors
        #[doc(hidden)]
        pub mod #module {
            #(#tables)*
        }
    }
}

/// Reads and checks one table's file.
fn check(entry: Entry, dir: Option<&Path>) -> syn::Result<Checked> {
    let name = entry.name.to_string();
    if !is_name(&name) {
        return Err(syn::Error::new(
            entry.name.span(),
            "a table name is lower-case letters, digits and _, starting with a letter",
        ));
    }
    let written = entry.file.value();
    let at = |message: String| syn::Error::new(entry.file.span(), message);
    let Some(dir) = dir else {
        return Err(at(
            "the compiler does not say which file this tables! is in, so its files cannot be found"
                .to_owned(),
        ));
    };
    let path = dir.join(&written);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| at(format!("cannot read {}: {e}", path.display())))?;
    let table = Crosswalk::parse(&text).map_err(|e| at(format!("{written}: {e}")))?;
    // The compiler may name the source file relative to its working folder, where
    // `include_str!` would read it relative to the source file: make it absolute.
    let path = std::path::absolute(&path).map_err(|e| at(format!("{}: {e}", path.display())))?;
    let path = path
        .to_str()
        .ok_or_else(|| at(format!("{} is not a UTF-8 path", path.display())))?
        .to_owned();
    Ok(Checked {
        attrs: entry.attrs,
        name: entry.name,
        written: crate_relative(Path::new(&path)).unwrap_or(written),
        path,
        columns: table.columns().to_vec(),
    })
}

/// The file's path from the crate's root, as operators see the crate (`tables/x.csv` rather
/// than `../tables/x.csv` from `src/lib.rs`); `None` when it is not in the crate.
fn crate_relative(path: &Path) -> Option<String> {
    let root = std::fs::canonicalize(std::env::var_os("CARGO_MANIFEST_DIR")?).ok()?;
    let path = std::fs::canonicalize(path).ok()?;
    path.strip_prefix(root).ok()?.to_str().map(str::to_owned)
}

/// An identifier for a name of a table file: raw where the name is a Rust keyword (a column
/// named `type`), so the file need not avoid them.
pub fn ident(name: &str, span: Span) -> Ident {
    match syn::parse_str::<Ident>(name) {
        Ok(_) => Ident::new(name, span),
        Err(_) => Ident::new_raw(name, span),
    }
}

/// The items of one table: its registration, and a constant of a struct with a field per
/// column to look up. A field rather than an item per column, so that rustc names a
/// misspelled column and lists the table's columns.
fn table_items(table: &Checked) -> TokenStream {
    let p = quote!(::messagefoundry::__private);
    let Checked {
        attrs,
        name,
        written,
        path,
        columns,
    } = table;
    let name_text = name.to_string();
    let def = format_ident!("__TABLE_{}", name_text.to_uppercase());
    let fields: Vec<Ident> = columns
        .iter()
        .skip(1)
        .map(|column| ident(column, Span::call_site()))
        .collect();
    let column_names = columns.iter().skip(1);
    quote! {
        #[doc(hidden)]
        #[#p::linkme::distributed_slice(#p::TABLES)]
        #[linkme(crate = #p::linkme)]
        pub static #def: #p::TableDef = #p::TableDef {
            name: #name_text,
            file: #written,
            columns: &[#(#columns),*],
            // Also what makes the file an input of the build: an edit rebuilds the crate.
            builtin: ::core::include_str!(#path),
        };
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        pub struct #name {
            #(pub #fields: ::messagefoundry::tables::Column,)*
        }
        #(#attrs)*
        #[allow(non_upper_case_globals)]
        pub const #name: #name = #name {
            #(#fields: ::messagefoundry::tables::Column::__new(&#def, #column_names),)*
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> (tempfile_dir::Dir, PathBuf) {
        let dir = tempfile_dir::Dir::new();
        std::fs::write(dir.path().join("codes.csv"), text).unwrap();
        let source = dir.path().join("lib.rs");
        (dir, source)
    }

    /// A folder removed when dropped (the macros crate has no temp-file dependency).
    mod tempfile_dir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
                let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let dir = std::env::temp_dir()
                    .join(format!("mf-macros-tables-{}-{n}", std::process::id()));
                std::fs::create_dir_all(&dir).unwrap();
                Dir(dir)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn a_table_becomes_a_module_with_a_constant_per_column() {
        let (_dir, source) = fixture("code,ehr,bed_board\n4W,MED4W,4WEST\n");
        let out = expand(quote!(point_of_care = "codes.csv"), Some(source)).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("pub const point_of_care"), "{out}");
        assert!(out.contains("pub ehr :"), "{out}");
        assert!(out.contains("pub bed_board :"), "{out}");
        assert!(!out.contains("pub code"), "{out}");
        assert!(out.contains("include_str"), "{out}");
    }

    #[test]
    fn a_bad_file_is_an_error_at_its_literal_and_the_others_still_expand() {
        let (_dir, source) = fixture("code,ehr\nA,1,2\n");
        let out = expand(
            quote!(
                bad = "codes.csv",
                missing = "nowhere.csv",
                bad = "codes.csv"
            ),
            Some(source),
        )
        .to_string();
        assert!(
            out.contains("codes.csv: line 2: 3 field(s); the header has 2"),
            "{out}"
        );
        assert!(out.contains("cannot read"), "{out}");
        assert!(out.contains("table `bad` is declared twice"), "{out}");
        assert!(out.contains("pub mod __tables"), "{out}");
        let out = expand(quote!(x = "codes.csv"), None).to_string();
        assert!(out.contains("does not say which file"), "{out}");
        let out = expand(quote!(x: "codes.csv"), None).to_string();
        assert!(out.contains("tables! declares code tables"), "{out}");
    }
}
