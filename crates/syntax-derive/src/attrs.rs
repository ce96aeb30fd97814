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
            let path = &meta.path;
            let new_role = if path.is_ident("attr") {
                Some(Role::Attr)
            } else if path.is_ident("block") {
                Some(Role::Block)
            } else if path.is_ident("enum") {
                Some(Role::Enum)
            } else if path.is_ident("label") {
                Some(Role::Label)
            } else if path.is_ident("squash") {
                Some(Role::Squash)
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

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn parse_one(attr: Attribute) -> syn::Result<Options> {
        parse(&[attr])
    }

    #[test]
    fn reads_roles_flags_and_names() {
        let o = parse_one(parse_quote!(#[alloy(attr, optional, name = "is_secret")])).unwrap();
        assert!(o.role == Some(Role::Attr) && o.optional && !o.validate);
        assert_eq!(o.name.as_deref(), Some("is_secret"));
        let o = parse_one(parse_quote!(#[alloy(validate)])).unwrap();
        assert!(o.validate && o.role.is_none());
        assert!(parse(&[parse_quote!(#[doc = "x"])]).unwrap().role.is_none());
    }

    #[test]
    fn rejects_unknown_options_and_two_roles() {
        let e = parse_one(parse_quote!(#[alloy(atr)])).err().unwrap();
        assert!(e.to_string().starts_with("expected attr, block"), "{e}");
        let e = parse_one(parse_quote!(#[alloy(attr, block)]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("only one of"), "{e}");
    }
}
