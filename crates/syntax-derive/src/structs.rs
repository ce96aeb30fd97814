//! `#[derive(Block)]` for structs: one generated arm per tagged field.

use crate::attrs::{self, Role};
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

struct Field {
    ident: Ident,
    ty: Type,
    role: Role,
    optional: bool,
    name: LitStr,
}

fn fields_of(input: &DeriveInput) -> syn::Result<Vec<Field>> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "Block can only be derived for structs",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "Block needs a struct with named fields",
        ));
    };
    let mut out = Vec::new();
    for f in &named.named {
        let opts = attrs::parse(&f.attrs)?;
        // Untagged fields take no part, as in Go.
        let Some(role) = opts.role else { continue };
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let default_name = ident.to_string().trim_start_matches("r#").to_string();
        if matches!(role, Role::Label | Role::Squash) && opts.name.is_some() {
            return Err(syn::Error::new_spanned(
                f,
                "label and squash fields have no name",
            ));
        }
        out.push(Field {
            name: LitStr::new(&opts.name.unwrap_or(default_name), ident.span()),
            ident,
            ty: f.ty.clone(),
            role,
            optional: opts.optional,
        });
    }
    if out.iter().filter(|f| f.role == Role::Label).count() > 1 {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "only one field may be the label",
        ));
    }
    Ok(out)
}

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let validate = attrs::parse(&input.attrs)?.validate;
    let fields = fields_of(input)?;
    let d = quote!(::syntax::decode);
    let ident = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();

    let of = |role: Role| fields.iter().filter(move |f| f.role == role);
    let squashed: Vec<_> = of(Role::Squash).collect();
    let sq_ident: Vec<_> = squashed.iter().map(|f| &f.ident).collect();
    let sq_ty: Vec<_> = squashed.iter().map(|f| &f.ty).collect();

    let has_label = if of(Role::Label).next().is_some() || sq_ty.is_empty() {
        let own = of(Role::Label).next().is_some();
        quote!(#own)
    } else {
        quote!(#(<#sq_ty as #d::derived::Fields>::has_label())||*)
    };
    let set_label = match of(Role::Label).next() {
        Some(f) => {
            let i = &f.ident;
            quote!(self.#i = ::std::string::ToString::to_string(label);)
        }
        None => quote!(#(#d::derived::Fields::set_label(&mut self.#sq_ident, label);)*),
    };
    let get_label = match of(Role::Label).next() {
        Some(f) => {
            let i = &f.ident;
            quote!(::std::option::Option::Some(self.#i.as_str()))
        }
        None => {
            quote!(::std::option::Option::None #(.or_else(|| #d::derived::Fields::get_label(&self.#sq_ident)))*)
        }
    };
    let validate = if validate {
        quote!(#d::Validate::validate(self))
    } else {
        quote!(::std::result::Result::Ok(()))
    };

    let mut layout = Vec::new();
    let mut schema = Vec::new();
    let (mut attr_arms, mut block_arms, mut enum_arms, mut key_arms) =
        (vec![], vec![], vec![], vec![]);
    let (mut encode_entries, mut encode_fields) = (vec![], vec![]);
    for f in &fields {
        let (i, ty, name, optional) = (&f.ident, &f.ty, &f.name, f.optional);
        let (role, kind) = match f.role {
            Role::Attr => {
                attr_arms.push(quote!(#name => return ::std::option::Option::Some(#d::derived::decode_attr(&mut self.#i, value)),));
                encode_entries
                    .push(quote!(#d::derived::encode_attr(&self.#i, #name, #optional, out);));
                (
                    quote!(Attr),
                    quote!(#d::FieldKind::Attr {
                        ty: <#ty as #d::Codec>::value_type(),
                        check: #d::Check(|v| <#ty as #d::Codec>::decode(v).map(|_| ())),
                    }),
                )
            }
            Role::Block => {
                block_arms.push(quote!(#name => return ::std::option::Option::Some(#d::BlockField::decode_occurrence(&mut self.#i, block, index, count)),));
                encode_entries.push(quote!(#d::BlockField::encode_blocks(&self.#i, #name, out);));
                (
                    quote!(Block),
                    quote!(#d::FieldKind::Block {
                        occurs: <#ty as #d::BlockField>::occurs(),
                        body: <#ty as #d::BlockField>::body_schema(),
                    }),
                )
            }
            Role::Enum => {
                enum_arms.push(quote!(#name => return ::std::option::Option::Some(#d::derived::EnumField::decode_member(&mut self.#i, prefix, block, index)),));
                encode_entries
                    .push(quote!(#d::derived::EnumField::encode_members(&self.#i, #name, out);));
                (
                    quote!(Enum(<#ty as #d::derived::EnumField>::member_names())),
                    quote!(#d::FieldKind::Enum { members: <#ty as #d::derived::EnumField>::member_schemas() }),
                )
            }
            // Squashed fields take their place in declaration order, as Go's tags do.
            Role::Squash => {
                layout.push(quote!(<#ty as #d::derived::Fields>::layout(out);));
                schema.push(quote!(<#ty as #d::derived::Fields>::schema_fields(out);));
                continue;
            }
            Role::Label => continue,
        };
        key_arms.push(quote!(#name => return ::std::option::Option::Some(#d::derived::decode_attr(&mut self.#i, value)),));
        encode_fields.push(quote!(out.insert(::std::string::ToString::to_string(#name), #d::Codec::encode(&self.#i));));
        layout.push(quote!(out.push(#d::derived::FieldInfo { name: #name, role: #d::derived::Role::#role, optional: #optional });));
        schema.push(quote!(out.push(#d::FieldSchema { name: ::std::string::ToString::to_string(#name), optional: #optional, kind: #kind });));
    }

    // Squashed structs answer for the names their own fields do not cover.
    let try_squashed = |method: TokenStream, args: TokenStream| {
        quote!(#(if let ::std::option::Option::Some(r) = #d::derived::Fields::#method(&mut self.#sq_ident, #args) {
            return ::std::option::Option::Some(r);
        })*)
    };
    let sq_attr = try_squashed(quote!(decode_attr), quote!(name, value));
    let sq_block = try_squashed(quote!(decode_block), quote!(name, block, index, count));
    let sq_enum = try_squashed(quote!(decode_enum), quote!(prefix, block, index));
    let sq_key = try_squashed(quote!(decode_key), quote!(key, value));

    Ok(quote! {
        impl #impl_g #d::derived::Fields for #ident #ty_g #where_g {
            fn has_label() -> bool {
                #has_label
            }
            fn layout(out: &mut ::std::vec::Vec<#d::derived::FieldInfo>) {
                #(#layout)*
            }
            fn schema_fields(out: &mut ::std::vec::Vec<#d::FieldSchema>) {
                #(#schema)*
            }
            fn set_label(&mut self, label: &str) {
                #set_label
            }
            fn get_label(&self) -> ::std::option::Option<&str> {
                #get_label
            }
            fn validate(&self) -> ::std::result::Result<(), ::std::string::String> {
                #validate
            }
            fn decode_attr(&mut self, name: &str, value: &::syntax::value::Value)
                -> ::std::option::Option<::std::result::Result<(), #d::ValueError>> {
                #[allow(clippy::match_single_binding)]
                match name {
                    #(#attr_arms)*
                    _ => {}
                }
                #sq_attr
                ::std::option::Option::None
            }
            fn decode_block(&mut self, name: &str, block: &::syntax::evaluated::EvaluatedBlock, index: usize, count: usize)
                -> ::std::option::Option<::std::result::Result<(), ::std::vec::Vec<::syntax::diag::SpanError>>> {
                #[allow(clippy::match_single_binding)]
                match name {
                    #(#block_arms)*
                    _ => {}
                }
                #sq_block
                ::std::option::Option::None
            }
            fn decode_enum(&mut self, prefix: &str, block: &::syntax::evaluated::EvaluatedBlock, index: usize)
                -> ::std::option::Option<::std::result::Result<(), ::std::vec::Vec<::syntax::diag::SpanError>>> {
                #[allow(clippy::match_single_binding)]
                match prefix {
                    #(#enum_arms)*
                    _ => {}
                }
                #sq_enum
                ::std::option::Option::None
            }
            fn decode_key(&mut self, key: &str, value: &::syntax::value::Value)
                -> ::std::option::Option<::std::result::Result<(), #d::ValueError>> {
                #[allow(clippy::match_single_binding)]
                match key {
                    #(#key_arms)*
                    _ => {}
                }
                #sq_key
                ::std::option::Option::None
            }
            fn encode_entries(&self, out: &mut #d::EncodedBody) {
                #(#encode_entries)*
                #(#d::derived::Fields::encode_entries(&self.#sq_ident, out);)*
            }
            fn encode_fields(&self, out: &mut ::syntax::value::Object) {
                #(#encode_fields)*
                #(#d::derived::Fields::encode_fields(&self.#sq_ident, out);)*
            }
        }

        impl #impl_g #d::Block for #ident #ty_g #where_g {
            fn schema() -> #d::Schema {
                #d::derived::schema::<Self>()
            }
            fn decode_block(block: &::syntax::evaluated::EvaluatedBlock)
                -> ::std::result::Result<Self, ::std::vec::Vec<::syntax::diag::SpanError>> {
                #d::derived::decode_block::<Self>(block)
            }
            fn decode_body(body: &::syntax::evaluated::EvaluatedBody, span: ::syntax::pos::Span)
                -> ::std::result::Result<Self, ::std::vec::Vec<::syntax::diag::SpanError>> {
                #d::derived::decode_body::<Self>(body, span)
            }
            fn encode_body(&self) -> #d::EncodedBody {
                let mut out = #d::EncodedBody::default();
                #d::derived::Fields::encode_entries(self, &mut out);
                out
            }
            fn label(&self) -> &str {
                #d::derived::Fields::get_label(self).unwrap_or("")
            }
        }

        impl #impl_g #d::Codec for #ident #ty_g #where_g {
            fn value_type() -> #d::ValueType {
                #d::ValueType::Object(::std::boxed::Box::new(#d::derived::schema::<Self>()))
            }
            fn decode(value: &::syntax::value::Value) -> ::std::result::Result<Self, #d::ValueError> {
                #d::derived::decode_value::<Self>(value)
            }
            fn encode(&self) -> ::syntax::value::Value {
                #d::derived::encode_value(self)
            }
        }
    })
}
