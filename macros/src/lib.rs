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
        .and_then(|func| Ok((Config::parse(args, kind)?, func)))
        .and_then(|(config, func)| generate(config, func, kind));
    match result {
        Ok(tokens) => tokens.into(),
        // Keep the item so that the only error is ours (no "main not found" on top).
        Err(err) => {
            let err = err.to_compile_error();
            quote!(#err #item2).into()
        }
    }
}

/// Which runtime the attribute builds.
#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    CurrentThread,
    MultiThread,
}

/// The attribute's arguments: `flavor = "current_thread" | "multi_thread"`,
/// `worker_threads = N` (multi-thread only), `start_paused = bool` (current-thread only).
struct Config {
    flavor: Flavor,
    worker_threads: Option<usize>,
    start_paused: bool,
}

impl Config {
    fn parse(args: TokenStream, kind: Kind) -> syn::Result<Config> {
        let args = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse(args)?;
        let mut flavor = None;
        let mut worker_threads = None;
        let mut start_paused = None;
        for arg in args {
            let name = arg
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let twice = || syn::Error::new(arg.path.span(), format!("`{name}` is given twice"));
            match name.as_str() {
                "flavor" => {
                    let value = match &arg.value {
                        Expr::Lit(lit) => match &lit.lit {
                            Lit::Str(s) => s.value(),
                            _ => String::new(),
                        },
                        _ => String::new(),
                    };
                    let parsed = match value.as_str() {
                        "current_thread" => Flavor::CurrentThread,
                        "multi_thread" => Flavor::MultiThread,
                        _ => {
                            return Err(syn::Error::new(
                                arg.value.span(),
                                "`flavor` is \"current_thread\" or \"multi_thread\"",
                            ))
                        }
                    };
                    if flavor.replace((parsed, arg.value.span())).is_some() {
                        return Err(twice());
                    }
                }
                "worker_threads" => {
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
                            "`worker_threads` takes a positive integer literal, as in \
                             `worker_threads = 4`",
                        ));
                    }
                    if worker_threads.replace((n, arg.path.span())).is_some() {
                        return Err(twice());
                    }
                }
                "start_paused" => {
                    let paused = match &arg.value {
                        Expr::Lit(lit) => match &lit.lit {
                            Lit::Bool(b) => b.value,
                            _ => {
                                return Err(syn::Error::new(
                                    arg.value.span(),
                                    "`start_paused` takes `true` or `false`",
                                ))
                            }
                        },
                        _ => {
                            return Err(syn::Error::new(
                                arg.value.span(),
                                "`start_paused` takes `true` or `false`",
                            ))
                        }
                    };
                    if start_paused.replace((paused, arg.path.span())).is_some() {
                        return Err(twice());
                    }
                }
                _ => {
                    return Err(syn::Error::new(
                        arg.path.span(),
                        format!(
                            "unknown argument of `#[{}]`: it takes `flavor = \"current_thread\" \
                             | \"multi_thread\"`, `worker_threads = N` and `start_paused = bool`",
                            kind.name()
                        ),
                    ))
                }
            }
        }
        // tokio's defaults: `main` is multi-thread, `test` current-thread; naming worker
        // threads alone implies multi-thread.
        let default = match (kind, worker_threads.is_some()) {
            (_, true) | (Kind::Main, false) => Flavor::MultiThread,
            (Kind::Test, false) => Flavor::CurrentThread,
        };
        let flavor_given = flavor.map(|(f, _)| f);
        let flavor = flavor_given.unwrap_or(default);
        if let (Flavor::CurrentThread, Some((_, span))) = (flavor, worker_threads) {
            return Err(syn::Error::new(
                span,
                "`worker_threads` needs `flavor = \"multi_thread\"`: a current-thread runtime \
                 runs everything on the calling thread",
            ));
        }
        if let (Flavor::MultiThread, Some((true, span))) = (flavor, start_paused) {
            return Err(syn::Error::new(
                span,
                "`start_paused = true` needs `flavor = \"current_thread\"`: only a \
                 current-thread runtime can pause its clock",
            ));
        }
        Ok(Config {
            flavor,
            worker_threads: worker_threads.map(|(n, _)| n),
            start_paused: start_paused.is_some_and(|(p, _)| p),
        })
    }
}

fn generate(config: Config, func: ItemFn, kind: Kind) -> syn::Result<proc_macro2::TokenStream> {
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
    let builder = match config.flavor {
        Flavor::CurrentThread => quote!(new_current_thread),
        Flavor::MultiThread => quote!(new_multi_thread),
    };
    let threads = config.worker_threads.map(|n| quote!(.worker_threads(#n)));
    let paused = config.start_paused.then(|| quote!(.start_paused(true)));
    let test_attr = (kind == Kind::Test).then(|| quote!(#[::core::prelude::v1::test]));
    let what = kind.name();
    let run = match kind {
        Kind::Main => quote!(.block_on(#inner())),
        // A failing test prints the seed that replays it.
        Kind::Test => quote!(.pipe_test(#inner())),
    };
    let build = quote_spanned! {span=>
        ::eddy::__private::RunAttribute::new(
            ::eddy::Builder::#builder()
                #threads
                #paused
                .build()
                .unwrap_or_else(|err| ::core::panic!("`#[{}]` could not start the runtime: {}", #what, err))
        )
        #run
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
