//! Derive macros for typed decoding of Alloy blocks (`syntax::decode`).
//!
//! `#[derive(Block)]` on a struct and `#[derive(BlockEnum)]` on an enum read
//! `#[alloy(...)]` attributes that mirror Alloy's Go struct tags; the generated
//! code only describes fields, and `syntax::decode::derived` applies the rules.

mod attrs;
mod enums;
mod structs;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Decoding of a struct from a block body (and from an object value).
///
/// Field attributes: `#[alloy(attr)]`, `#[alloy(block)]`, `#[alloy(enum)]`, each
/// optionally with `optional` and `name = "..."`; `#[alloy(label)]` on a
/// `String`; `#[alloy(squash)]` on a nested `Block` struct. Struct attribute:
/// `#[alloy(validate)]` runs `syntax::decode::Validate` after decoding.
#[proc_macro_derive(Block, attributes(alloy))]
pub fn derive_block(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    structs::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The members of an enum block: each variant holds one `Block` struct and is
/// named by `#[alloy(name = "...")]` or its snake-cased variant name.
#[proc_macro_derive(BlockEnum, attributes(alloy))]
pub fn derive_block_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    enums::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
