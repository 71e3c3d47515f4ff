//! eddy-macros: `#[eddy::main]` and `#[eddy::test]`, and a helper of `eddy::select!`.
//!
//! Use them through the `eddy` crate (`#[eddy::main]`), which re-exports them and
//! documents them with examples; the expansions name `::eddy`.
//!
//! Both attributes keep the user's `async fn` as it is, renamed and nested inside the
//! generated synchronous function, which builds a runtime and `block_on`s it: the body's
//! types (`?`, `return`, `impl Trait`) are exactly those of an `async fn`, with no
//! inference through an `async` block.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, Lit, MetaNameValue, Pat, Token};

/// Runs `async fn main` on a new eddy runtime — asyncio's `asyncio.run(main())`.
/// Documented on `eddy::main`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Main)
}

/// Runs an `async fn` test on a fresh eddy runtime. Documented on `eddy::test`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Test)
}

/// `select!`'s helper: the pattern with `mut` and `ref` taken off its bindings, so that
/// checking it against a reference to the output moves nothing. Not public API.
#[doc(hidden)]
#[proc_macro]
pub fn select_clean_pattern(input: TokenStream) -> TokenStream {
    match Pat::parse_multi.parse2(unwrap_group(input.into())) {
        Ok(mut pat) => {
            clean(&mut pat);
            quote!(#pat).into()
        }
        Err(err) => err.to_compile_error().into(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "eddy::main",
            Kind::Test => "eddy::test",
        }
    }
}

fn expand(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let item2: proc_macro2::TokenStream = item.clone().into();
    let result = syn::parse2::<ItemFn>(item2.clone())
        .and_then(|func| Ok((worker_threads(args, kind)?, func)))
        .and_then(|(threads, func)| generate(threads, func, kind));
    match result {
        Ok(tokens) => tokens.into(),
        // Keep the item so that the only error is ours (no "main not found" on top).
        Err(err) => {
            let err = err.to_compile_error();
            quote!(#err #item2).into()
        }
    }
}

/// `worker_threads = N`, the only argument.
fn worker_threads(args: TokenStream, kind: Kind) -> syn::Result<Option<usize>> {
    let args = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse(args)?;
    let mut threads = None;
    for arg in args {
        if !arg.path.is_ident("worker_threads") {
            return Err(syn::Error::new(
                arg.path.span(),
                format!(
                    "unknown argument of `#[{}]`: the only one is `worker_threads = N`",
                    kind.name()
                ),
            ));
        }
        let n = match &arg.value {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Int(int) => int.base10_parse::<usize>()?,
                _ => 0,
            },
            _ => 0,
        };
        if n == 0 {
            return Err(syn::Error::new(
                arg.value.span(),
                "`worker_threads` takes a positive integer literal, as in `worker_threads = 4`",
            ));
        }
        if threads.replace(n).is_some() {
            return Err(syn::Error::new(
                arg.path.span(),
                "`worker_threads` is given twice",
            ));
        }
    }
    Ok(threads)
}

fn generate(
    threads: Option<usize>,
    func: ItemFn,
    kind: Kind,
) -> syn::Result<proc_macro2::TokenStream> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "the `async` keyword is missing from the function declaration",
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            format!("a `#[{}]` function takes no arguments", kind.name()),
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            format!("a `#[{}]` function cannot be generic", kind.name()),
        ));
    }
    if kind == Kind::Test {
        if let Some(attr) = func.attrs.iter().find(|a| a.path().is_ident("test")) {
            return Err(syn::Error::new(
                attr.span(),
                "`#[eddy::test]` adds `#[test]` itself: remove this one",
            ));
        }
    }

    let attrs = &func.attrs;
    let vis = &func.vis;
    let name = &sig.ident;
    let output = &sig.output;
    let body = &func.block;
    let span = sig.fn_token.span();
    let inner = syn::Ident::new("__eddy_body", Span::mixed_site());
    let threads = threads.map(|n| quote!(.worker_threads(#n)));
    let test_attr = (kind == Kind::Test).then(|| quote!(#[::core::prelude::v1::test]));
    let what = kind.name();
    let build = quote_spanned! {span=>
        ::eddy::Runtime::builder()
            #threads
            .build()
            .unwrap_or_else(|err| ::core::panic!("`#[{}]` could not start the runtime: {}", #what, err))
            .block_on(#inner())
    };
    Ok(quote! {
        #test_attr
        #(#attrs)*
        #vis fn #name() #output {
            async fn #inner() #output #body
            #build
        }
    })
}

/// A `$p:pat` fragment arrives wrapped in an invisible group.
fn unwrap_group(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(proc_macro2::TokenTree::Group(group)), None)
            if group.delimiter() == proc_macro2::Delimiter::None =>
        {
            unwrap_group(group.stream())
        }
        _ => tokens,
    }
}

/// Strips `ref` and `mut` from every binding, and `mut` from reference patterns.
fn clean(pat: &mut Pat) {
    match pat {
        Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                clean(sub);
            }
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(clean),
        Pat::Paren(paren) => clean(&mut paren.pat),
        Pat::Reference(reference) => {
            reference.mutability = None;
            clean(&mut reference.pat);
        }
        Pat::Slice(slice) => slice.elems.iter_mut().for_each(clean),
        Pat::Struct(st) => st.fields.iter_mut().for_each(|f| clean(&mut f.pat)),
        Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(clean),
        Pat::TupleStruct(ts) => ts.elems.iter_mut().for_each(clean),
        Pat::Type(ty) => clean(&mut ty.pat),
        _ => {}
    }
}
