//! Reading `#[alloy(...)]` attributes.

use syn::{Attribute, LitStr};

/// What a struct field is in the block's schema.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Attr,
    Block,
    Enum,
    Label,
    Squash,
}

/// The options written in one item's `#[alloy(...)]` attributes.
#[derive(Default)]
pub struct Options {
    pub role: Option<Role>,
    pub optional: bool,
    pub name: Option<String>,
    pub validate: bool,
}

pub fn parse(attrs: &[Attribute]) -> syn::Result<Options> {
    let mut opts = Options::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("alloy")) {
        attr.parse_nested_meta(|meta| {
            let role = |r| Some(r);
            let path = &meta.path;
            let new_role = if path.is_ident("attr") {
                role(Role::Attr)
            } else if path.is_ident("block") {
                role(Role::Block)
            } else if path.is_ident("enum") {
                role(Role::Enum)
            } else if path.is_ident("label") {
                role(Role::Label)
            } else if path.is_ident("squash") {
                role(Role::Squash)
            } else if path.is_ident("optional") {
                opts.optional = true;
                None
            } else if path.is_ident("validate") {
                opts.validate = true;
                None
            } else if path.is_ident("name") {
                opts.name = Some(meta.value()?.parse::<LitStr>()?.value());
                None
            } else {
                return Err(meta.error(
                    "expected attr, block, enum, label, squash, optional, validate or name",
                ));
            };
            if let Some(r) = new_role {
                if opts.role.is_some() {
                    return Err(
                        meta.error("a field has only one of attr, block, enum, label, squash")
                    );
                }
                opts.role = Some(r);
            }
            Ok(())
        })?;
    }
    Ok(opts)
}
