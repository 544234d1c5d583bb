//! `#[gort::main]` and `#[gort::test]`: parsing and expansion.
//!
//! Both attributes turn an `async fn` into a plain `fn` that builds a gort runtime and
//! `block_on`s the original body:
//!
//! ```text
//! #[attrs] vis fn name() -> R {
//!     let __gort_body = async move {
//!         #[allow(clippy::diverging_sub_expression)]
//!         let __gort_output: R = { <the user's block, tokens and spans untouched> };
//!         #[allow(unreachable_code)]
//!         return __gort_output;
//!     };
//!     #[allow(clippy::expect_used)]
//!     let __gort_runtime = {
//!         let mut __gort_builder = ::gort::runtime::Builder::new();
//!         __gort_builder.worker_threads(N);          // only with `workers = N`
//!         __gort_builder.build().expect("gort: failed to build the runtime for #[gort::main]")
//!     };
//!     __gort_runtime.block_on(__gort_body)
//! }
//! ```
//!
//! `#[gort::test]` adds `#[::core::prelude::v1::test]` in front (that path still names the
//! built-in test attribute when a crate defines its own `test`).
//!
//! Why it is shaped like this:
//!
//! * The user's block is pasted unchanged, so every error and lint inside it points at the
//!   user's code. `return` and `?` in it act on the `async` block, which is what they did in the
//!   `async fn`.
//! * `let __gort_output: R = { … }` states the output type of the `async` block. Without it, a
//!   wrong tail expression would be reported on the `block_on` call, which carries the span of the
//!   attribute; with it, rustc reports "expected `R`" on the user's own tail expression. The
//!   annotation is left out when `R` mentions `impl Trait`, which a `let` cannot name. (A
//!   generic `fn check<F: Future<Output = R>>(f: F) -> F` would not do: rustc does not push that
//!   bound into the `async` block, and reports the mismatch on the whole block.)
//! * That `let` makes a body of a single diverging statement — `async fn t() { panic!("…") }`,
//!   the usual `#[should_panic]` test — look to clippy like a diverging sub-expression, which in
//!   the user's `async fn` it was not; hence the `allow(clippy::diverging_sub_expression)`.
//! * `return __gort_output;` rather than a bare tail `__gort_output`: when the user's block
//!   diverges (a `#[should_panic]` test ending in `panic!`), the line after it is unreachable, and
//!   rustc would warn about code the user never wrote. An `allow` is stable on a statement but
//!   not on a tail expression, hence the `return`; it covers only that generated statement, so
//!   unreachable code inside the user's block is still reported.
//! * The generated names use `Span::mixed_site()` and a `__gort_` prefix, so they can neither
//!   capture nor be captured by the user's names.
//! * The future is created before the runtime, so the user's block cannot see `__gort_runtime`,
//!   and the runtime outlives `block_on`: it is dropped — stopping its workers and dropping the
//!   tasks still on it — only when the function returns.
//!
//! On a mistake (not `async`, parameters, a bad argument) the macro still emits the expansion,
//! with the default configuration where an argument was wrong, next to the error. That keeps the
//! item defined, so the mistake produces our message instead of a cascade ("`main` function not
//! found", "cannot find function"), and IDEs keep completing inside the body. (Parameters on
//! `main` still draw rustc's E0580 "`main` function has wrong type" too: it says the same thing,
//! and dropping the parameters instead would turn every use of them into an error.) Only when the
//! item is not a function at all is it emitted unchanged beside the error.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, ItemFn, Lit, ReturnType, Token};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[gort::main]`.
    Main,
    /// `#[gort::test]`.
    Test,
}

impl Kind {
    /// The attribute as the user wrote it, for error messages.
    fn attribute(self) -> &'static str {
        match self {
            Kind::Main => "#[gort::main]",
            Kind::Test => "#[gort::test]",
        }
    }
}

/// The arguments of the attribute, validated.
#[derive(Debug, Default)]
struct Config {
    /// `workers = N`: the literal `N` (checked to be at least 1), kept to span the generated call.
    workers: Option<Literal>,
}

/// Expands `#[gort::main]` or `#[gort::test]` (`args` are the tokens inside the attribute's
/// parentheses, `item` the item it is placed on).
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse_function(kind, item.clone()) {
        Ok(function) => function,
        Err(error) => {
            // Not a function: nothing sensible to generate. Keep the item so that its other uses
            // still resolve, and report only our error.
            let mut tokens = error.to_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };

    let mut errors: Option<syn::Error> = None;
    let mut report = |error: syn::Error| match &mut errors {
        Some(errors) => errors.combine(error),
        None => errors = Some(error),
    };

    let config = parse_args(kind, args).unwrap_or_else(|error| {
        report(error);
        Config::default()
    });
    if let Err(error) = check_signature(kind, &function) {
        report(error);
    }

    let mut tokens = errors.map(|e| e.to_compile_error()).unwrap_or_default();
    tokens.extend(generate(kind, &config, function));
    tokens
}

/// Parses the item as a function, or explains that the attribute needs one.
fn parse_function(kind: Kind, item: TokenStream) -> syn::Result<ItemFn> {
    syn::parse2::<ItemFn>(item.clone()).map_err(|error| {
        if syn::parse2::<syn::Item>(item).is_ok() {
            // A well-formed item that is not a function: syn's error sits on the token where a
            // function stopped being possible (`struct`, `mod`, …); keep that spot, say it better.
            syn::Error::new(
                error.span(),
                format!(
                    "{} can only be used on an `async fn`{}",
                    kind.attribute(),
                    match kind {
                        Kind::Main => ", as in `async fn main() { … }`",
                        Kind::Test => ", as in `async fn my_test() { … }`",
                    }
                ),
            )
        } else {
            // Not even an item (a syntax error): syn's own message is the precise one.
            error
        }
    })
}

/// Parses `workers = N` (the only argument), with messages that say what is accepted.
fn parse_args(kind: Kind, args: TokenStream) -> syn::Result<Config> {
    let parser = |input: ParseStream<'_>| {
        let mut config = Config::default();
        while !input.is_empty() {
            // `parse_any` also takes keywords, so that `crate = …` gets the "unknown argument"
            // message instead of "expected identifier".
            let name = input.call(Ident::parse_any).map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!(
                        "expected an argument: {} accepts only `workers = N`",
                        kind.attribute()
                    ),
                )
            })?;
            if name != "workers" {
                return Err(unknown_argument(kind, &name));
            }
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    name.span(),
                    "`workers` needs a value: write `workers = N`, with N the number of worker \
                     threads (at least 1)",
                ));
            }
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            let workers = parse_workers(&value)?;
            if config.workers.is_some() {
                return Err(syn::Error::new(
                    name.span(),
                    "`workers` is given twice: keep one",
                ));
            }
            config.workers = Some(workers);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(config)
    };
    parser.parse2(args)
}

/// The error for an argument other than `workers`, with a hint for tokio's spellings.
fn unknown_argument(kind: Kind, name: &Ident) -> syn::Error {
    let hint = if name == "worker_threads" {
        " (tokio's `worker_threads` is `workers` here)"
    } else if name == "flavor" {
        " (gort has one runtime flavor, multi-threaded; for a single worker thread write \
         `workers = 1`)"
    } else {
        ""
    };
    syn::Error::new(
        name.span(),
        format!(
            "unknown argument `{name}`: {} accepts only `workers = N`{hint}",
            kind.attribute()
        ),
    )
}

/// Checks the value of `workers = …`: an integer literal, unsuffixed or `usize`, at least 1.
fn parse_workers(value: &Expr) -> syn::Result<Literal> {
    let literal = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(literal),
            attrs,
        }) if attrs.is_empty() => literal,
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                "`workers` takes an integer literal, the number of worker threads: write, for \
                 example, `workers = 4`",
            ))
        }
    };
    if !matches!(literal.suffix(), "" | "usize") {
        return Err(syn::Error::new(
            literal.span(),
            format!(
                "`workers` is a `usize`: drop the `{}` suffix",
                literal.suffix()
            ),
        ));
    }
    let workers = literal.base10_parse::<usize>().map_err(|_| {
        syn::Error::new(
            literal.span(),
            "`workers` is too large: it must fit in a `usize`",
        )
    })?;
    if workers == 0 {
        return Err(syn::Error::new(
            literal.span(),
            "`workers` must be at least 1: a runtime without worker threads could never run a \
             task",
        ));
    }
    // Regenerate it without a suffix, where the user wrote it, so a `usize` parameter takes it.
    let mut literal = Literal::usize_unsuffixed(workers);
    literal.set_span(value.span());
    Ok(literal)
}

/// Checks what the expansion relies on: `async`, no parameters, and no second test attribute.
fn check_signature(kind: Kind, function: &ItemFn) -> syn::Result<()> {
    let mut errors: Vec<syn::Error> = Vec::new();
    let signature = &function.sig;

    if signature.asyncness.is_none() {
        errors.push(syn::Error::new(
            signature.fn_token.span,
            format!(
                "the {} function must be `async fn`: add `async` before `fn`",
                kind.attribute()
            ),
        ));
    }

    if !signature.inputs.is_empty() {
        let message = match kind {
            Kind::Main => {
                "the #[gort::main] function cannot take parameters, as `main` is called with \
                 none: read command-line arguments with `std::env::args()`"
            }
            Kind::Test => {
                "a #[gort::test] function cannot take parameters: the test harness calls it with \
                 none"
            }
        };
        errors.push(syn::Error::new_spanned(&signature.inputs, message));
    }

    if kind == Kind::Test {
        if let Some(attribute) = function.attrs.iter().find(|a| is_test_attribute(a)) {
            errors.push(syn::Error::new_spanned(
                attribute,
                "this function already has a test attribute, and #[gort::test] adds `#[test]` \
                 itself: remove this one",
            ));
        }
    }

    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}

/// Whether an attribute is a test attribute: `#[test]`, `#[tokio::test]`, `#[gort::test]`, ….
fn is_test_attribute(attribute: &Attribute) -> bool {
    attribute
        .path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "test")
}

/// Whether a type mentions `impl Trait` anywhere (it then cannot annotate a `let`).
fn mentions_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl_trait(group.stream()),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

/// Generates the synchronous function (see the module documentation for its shape).
fn generate(kind: Kind, config: &Config, function: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    sig.asyncness = None;

    // Hygienic names: the user's code can neither see nor shadow them.
    let body = Ident::new("__gort_body", Span::mixed_site());
    let output = Ident::new("__gort_output", Span::mixed_site());
    let runtime = Ident::new("__gort_runtime", Span::mixed_site());
    let builder = Ident::new("__gort_builder", Span::mixed_site());

    let future = match &sig.output {
        ReturnType::Type(_, ty) if mentions_impl_trait(ty.to_token_stream()) => {
            quote! { async move #block }
        }
        ReturnType::Type(_, ty) => quote! {
            async move {
                #[allow(clippy::diverging_sub_expression)]
                let #output: #ty = #block;
                #[allow(unreachable_code)]
                return #output;
            }
        },
        ReturnType::Default => quote! {
            async move {
                #[allow(clippy::diverging_sub_expression)]
                let #output: () = #block;
                #[allow(unreachable_code)]
                return #output;
            }
        },
    };

    let worker_threads = config.workers.as_ref().map(|workers| {
        quote_spanned! {workers.span()=>
            #builder.worker_threads(#workers);
        }
    });
    let expect_message = format!("gort: failed to build the runtime for {}", kind.attribute());

    let test_attribute = match kind {
        Kind::Main => None,
        Kind::Test => Some(quote! { #[::core::prelude::v1::test] }),
    };

    quote! {
        #test_attribute
        #(#attrs)*
        #vis #sig {
            let #body = #future;
            #[allow(clippy::expect_used)]
            let #runtime = {
                let mut #builder = ::gort::runtime::Builder::new();
                #worker_threads
                #builder.build().expect(#expect_message)
            };
            #runtime.block_on(#body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> TokenStream {
        source.parse().expect("valid tokens")
    }

    /// Expands `#[gort::main(<args>)] <item>`, printed as tokens.
    fn main(args: &str, item: &str) -> String {
        expand(Kind::Main, tokens(args), tokens(item)).to_string()
    }

    /// Expands `#[gort::test(<args>)] <item>`, printed as tokens.
    fn test(args: &str, item: &str) -> String {
        expand(Kind::Test, tokens(args), tokens(item)).to_string()
    }

    /// The messages of the `compile_error!`s of an expansion, in order.
    fn errors(expansion: &str) -> Vec<String> {
        expansion
            .split(":: core :: compile_error !")
            .skip(1)
            .map(|rest| {
                let start = rest.find('"').expect("a message") + 1;
                let end = start + rest[start..].find('"').expect("a closing quote");
                rest[start..end].to_owned()
            })
            .collect()
    }

    #[test]
    fn main_without_arguments_builds_the_default_runtime() {
        let out = main("", "async fn main() { run().await }");
        assert!(errors(&out).is_empty(), "{out}");
        let function: ItemFn = syn::parse_str(&out).expect("a function");
        assert!(function.sig.asyncness.is_none());
        assert_eq!(function.sig.ident, "main");
        assert!(function.sig.inputs.is_empty());
        assert!(
            out.contains(":: gort :: runtime :: Builder :: new ()"),
            "{out}"
        );
        assert!(out.contains(". build () . expect"), "{out}");
        assert!(out.contains(". block_on (__gort_body)"), "{out}");
        assert!(out.contains("async move"), "{out}");
        assert!(out.contains("run () . await"), "{out}");
        assert!(!out.contains("worker_threads"), "{out}");
        assert!(!out.contains("test"), "{out}");
    }

    #[test]
    fn workers_sets_worker_threads() {
        let out = main("workers = 3", "async fn main() {}");
        assert!(errors(&out).is_empty(), "{out}");
        assert!(
            out.contains("__gort_builder . worker_threads (3) ;"),
            "{out}"
        );
        let out = main("workers = 2usize,", "async fn main() {}");
        assert!(errors(&out).is_empty(), "{out}");
        assert!(out.contains(". worker_threads (2) ;"), "{out}");
    }

    #[test]
    fn keeps_attributes_visibility_and_return_type() {
        let out = main(
            "",
            "/// Docs.
            #[allow(unused)]
            pub async fn main() -> Result<(), std::io::Error> { Ok(()) }",
        );
        let function: ItemFn = syn::parse_str(&out).expect("a function");
        assert_eq!(function.attrs.len(), 2);
        assert!(matches!(function.vis, syn::Visibility::Public(_)));
        let output = function.sig.output.to_token_stream().to_string();
        assert_eq!(output, "-> Result < () , std :: io :: Error >");
        assert!(
            out.contains("let __gort_output : Result < () , std :: io :: Error > = { Ok (()) } ;"),
            "{out}"
        );
    }

    #[test]
    fn impl_trait_return_types_are_not_annotated() {
        let out = main("", "async fn main() -> impl std::process::Termination {}");
        assert!(errors(&out).is_empty(), "{out}");
        assert!(!out.contains("__gort_output"), "{out}");
    }

    #[test]
    fn test_adds_the_test_attribute_and_keeps_the_others() {
        let out = test(
            "workers = 1",
            r#"
            #[should_panic(expected = "boom")]
            #[ignore]
            async fn it_panics() { panic!("boom") }
            "#,
        );
        assert!(errors(&out).is_empty(), "{out}");
        let function: ItemFn = syn::parse_str(&out).expect("a function");
        let attrs: Vec<String> = function
            .attrs
            .iter()
            .map(|a| a.path().to_token_stream().to_string())
            .collect();
        assert_eq!(
            attrs,
            [":: core :: prelude :: v1 :: test", "should_panic", "ignore"]
        );
        assert_eq!(function.sig.ident, "it_panics");
        assert!(out.contains(". worker_threads (1) ;"), "{out}");
        assert!(out.contains("for #[gort::test]"), "{out}");
    }

    #[test]
    fn not_async_is_an_error_that_says_what_to_add() {
        let out = main("", "fn main() {}");
        assert_eq!(
            errors(&out),
            ["the #[gort::main] function must be `async fn`: add `async` before `fn`"]
        );
        // The function is still generated, so there is no "`main` function not found" cascade.
        assert!(out.contains("fn main ()"), "{out}");
        let out = test("", "fn t() {}");
        assert_eq!(
            errors(&out),
            ["the #[gort::test] function must be `async fn`: add `async` before `fn`"]
        );
    }

    #[test]
    fn parameters_are_an_error() {
        let out = main("", "async fn main(args: Vec<String>) {}");
        let messages = errors(&out);
        assert_eq!(messages.len(), 1, "{out}");
        assert!(messages[0].contains("cannot take parameters"), "{out}");
        assert!(messages[0].contains("std::env::args()"), "{out}");
        let out = test("", "async fn t(x: u32) {}");
        assert!(errors(&out)[0].contains("the test harness calls it with none"));
    }

    #[test]
    fn several_mistakes_are_reported_together() {
        let out = main("workers = 0", "fn main(x: u8) {}");
        let errors = errors(&out);
        assert_eq!(errors.len(), 3, "{out}");
        assert!(errors[0].contains("at least 1"), "{out}");
        assert!(errors[1].contains("must be `async fn`"), "{out}");
        assert!(errors[2].contains("cannot take parameters"), "{out}");
    }

    #[test]
    fn unknown_arguments_name_the_accepted_one() {
        let out = main("threads = 4", "async fn main() {}");
        assert_eq!(
            errors(&out),
            ["unknown argument `threads`: #[gort::main] accepts only `workers = N`"]
        );
        let out = test("worker_threads = 4", "async fn t() {}");
        assert!(errors(&out)[0].contains("tokio's `worker_threads` is `workers` here"));
        let out = main("flavor = \"current_thread\"", "async fn main() {}");
        assert!(errors(&out)[0].contains("`workers = 1`"));
        let out = main("crate = \"x\"", "async fn main() {}");
        assert!(errors(&out)[0].starts_with("unknown argument `crate`"));
        let out = main("4", "async fn main() {}");
        assert!(errors(&out)[0].starts_with("expected an argument"));
        // A bad argument still expands, with the default configuration.
        assert!(out.contains("Builder :: new ()"), "{out}");
        assert!(!out.contains("worker_threads"), "{out}");
    }

    #[test]
    fn bad_workers_values() {
        let cases = [
            ("workers = 0", "must be at least 1"),
            ("workers = \"4\"", "takes an integer literal"),
            ("workers = 2.5", "takes an integer literal"),
            ("workers = n", "takes an integer literal"),
            ("workers = -1", "takes an integer literal"),
            ("workers = 4u8", "drop the `u8` suffix"),
            ("workers", "needs a value"),
        ];
        for (args, expected) in cases {
            let out = main(args, "async fn main() {}");
            let errors = errors(&out);
            assert_eq!(errors.len(), 1, "{args}: {out}");
            assert!(errors[0].contains(expected), "{args}: {errors:?}");
        }
        let out = main("workers = 1, workers = 2", "async fn main() {}");
        assert!(errors(&out)[0].contains("given twice"), "{out}");
        let out = main("workers = 99999999999999999999999999", "async fn main() {}");
        assert!(errors(&out)[0].contains("too large"), "{out}");
    }

    #[test]
    fn not_a_function_is_an_error_and_the_item_is_kept() {
        let out = main("", "struct Main;");
        assert_eq!(
            errors(&out),
            ["#[gort::main] can only be used on an `async fn`, as in `async fn main() { … }`"]
        );
        assert!(out.ends_with("struct Main ;"), "{out}");
    }

    #[test]
    fn a_second_test_attribute_is_an_error() {
        let out = test("", "#[test] async fn t() {}");
        assert!(
            errors(&out)[0].contains("already has a test attribute"),
            "{out}"
        );
        let out = test("", "#[tokio::test] async fn t() {}");
        assert!(
            errors(&out)[0].contains("already has a test attribute"),
            "{out}"
        );
    }
}
