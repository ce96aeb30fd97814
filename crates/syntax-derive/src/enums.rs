//! `#[derive(BlockEnum)]`: each variant wraps one block struct and is one
//! member of an enum block.

use crate::attrs;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

/// `JsonStage` → `json_stage`, the usual spelling of Alloy block names.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "BlockEnum can only be derived for enums",
        ));
    };
    let d = quote!(::syntax::decode);
    let ident = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();

    let (mut names, mut variants, mut types) = (vec![], vec![], vec![]);
    for v in &data.variants {
        let Fields::Unnamed(f) = &v.fields else {
            return Err(syn::Error::new_spanned(
                v,
                "each variant holds exactly one block struct",
            ));
        };
        let [field] = f.unnamed.iter().collect::<Vec<_>>()[..] else {
            return Err(syn::Error::new_spanned(
                v,
                "each variant holds exactly one block struct",
            ));
        };
        let name = attrs::parse(&v.attrs)?
            .name
            .unwrap_or_else(|| snake_case(&v.ident.to_string()));
        names.push(LitStr::new(&name, v.ident.span()));
        variants.push(&v.ident);
        types.push(&field.ty);
    }

    Ok(quote! {
        impl #impl_g #d::BlockEnum for #ident #ty_g #where_g {
            fn members() -> &'static [&'static str] {
                &[#(#names),*]
            }
            fn member_schemas() -> ::std::vec::Vec<#d::EnumMember> {
                ::std::vec![#(#d::EnumMember {
                    name: ::std::string::ToString::to_string(#names),
                    body: <#types as #d::Block>::schema(),
                }),*]
            }
            fn decode_member(member: &str, block: &::syntax::evaluated::EvaluatedBlock)
                -> ::std::option::Option<::std::result::Result<Self, ::std::vec::Vec<::syntax::diag::SpanError>>> {
                match member {
                    #(#names => ::std::option::Option::Some(<#types as #d::Block>::decode_block(block).map(Self::#variants)),)*
                    _ => ::std::option::Option::None,
                }
            }
            fn encode_member(&self) -> #d::EncodedBlock {
                match self {
                    #(Self::#variants(body) => #d::derived::encode_member(#names, body),)*
                }
            }
        }

        /// As a value, a member is an object with one key: `{json = {...}}`.
        impl #impl_g #d::Codec for #ident #ty_g #where_g {
            fn value_type() -> #d::ValueType {
                #d::ValueType::Any
            }
            fn decode(value: &::syntax::value::Value) -> ::std::result::Result<Self, #d::ValueError> {
                #d::derived::decode_enum_value(value, |member, v| match member {
                    #(#names => ::std::option::Option::Some(<#types as #d::Codec>::decode(v).map(Self::#variants)),)*
                    _ => ::std::option::Option::None,
                })
            }
            fn encode(&self) -> ::syntax::value::Value {
                let (name, value) = match self {
                    #(Self::#variants(body) => (#names, #d::Codec::encode(body)),)*
                };
                let mut object = ::syntax::value::Object::new();
                object.insert(::std::string::ToString::to_string(name), value);
                ::syntax::value::Value::Object(object)
            }
        }
    })
}
