//! Turning a parsed [`Select`] into code on gort-channel's select protocol.
//!
//! For `select! { v = recv(rx) => A, r = send(tx, x), if ok => B, t = fut => C }` the
//! expansion is, in outline (`P` is `::gort::chan::select`; the generated names are hygienic):
//!
//! ```text
//! {
//!     enum Out<T0, T1, T2> { _0(T0), _1(T1), _2(T2) }     // + `Default` with a default arm
//!     let out = {
//!         // 1. Every expression, once, in source order (guards too).
//!         let arg0 = &(rx);
//!         let mut case0 = P::recv_case(arg0);
//!         let on0 = true;
//!         let arg1 = &(tx);
//!         let mut case1 = P::send_case(arg1, x);
//!         let on1: bool = ok;
//!         let mut fut2 = pin!(IntoFuture::into_future(fut));
//!         let mut case2 = P::FutureCase::new(fut2.as_mut());
//!         let on2 = true;
//!         // 2. The enabled arms, in random order (source order with `biased;`).
//!         let mut order = [0usize; 3]; /* the indices i with on_i */ P::shuffle(order);
//!         // 3. Wait for exactly one arm.
//!         let mut driver = P::SelectDriver::new();    // ::with_future_arms() with future arms
//!         poll_fn(|cx| {
//!             let won = match P::poll_select(&mut driver, &mut [&mut case0, …], order, cx) {
//!                 Ready(won) => won,
//!                 Pending => return Pending,
//!             };
//!             Ready(match won { 0 => Out::_0(case0.take()), 1 => …, 2 => … })
//!         }).await
//!     };                                                     // every case dropped here
//!     // 4. The winning arm's body, in the enclosing code.
//!     match out { Out::_0(o) => { let v = o; A } Out::_1(o) => { let r = o; B } … }
//! }
//! ```
//!
//! Why it is shaped like this:
//!
//! * The bodies run outside the `poll_fn` closure and after the `.await`, so `break`,
//!   `continue`, `return`, `?` and `.await` in them act on the enclosing code, and every case
//!   (with the borrows of the channels and the losing futures) is dropped before a body runs.
//! * `&(X)` borrows `X`: a place such as `rx` is borrowed, never moved, and a temporary such as
//!   `Some(&rx)` lives to the end of the block (a `let` extends it). `recv_case`/`send_case`
//!   accept any `X: RecvArg`/`SendArg`, which turn every accepted form into
//!   `Option<&Receiver<T>>`; a wrong `X` gets their error message, spanned at `X`.
//! * The `&mut dyn SelectCase` array is built inside the closure on every poll and never held
//!   across the `.await`, so the select's future is `Send` whenever the cases, the futures and
//!   the values are.
//! * Futures are pinned on the stack of the enclosing `async` code with `core::pin::pin!`: no
//!   `Unpin`, no `Box`, no `unsafe`.
//! * `let PAT = o;` rather than `Out::_0(PAT)`: a refutable pattern is then rustc's clear
//!   "refutable pattern in local binding" error, instead of an arm silently disabled.
//! * The output enum is generic over every arm's output type, so nothing has to name a type.
//! * With a `default` arm there is no driver: one try pass (`poll_select_or_default`), nothing
//!   registered. With no arm and no `default` the select waits forever, as Go's `select {}`.

use super::parse::{Operation, Select};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// A hygienic name for generated code: it can neither capture nor shadow the user's names.
fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// `ident`, keeping its hygiene, but reported at `span`: a type error about the argument of a
/// generated call then points at the user's `X` instead of the whole `select!`.
fn located_at(ident: &Ident, span: Span) -> Ident {
    let mut ident = ident.clone();
    ident.set_span(ident.span().located_at(span));
    ident
}

fn numbered(prefix: &str, i: usize) -> Ident {
    hygienic(&format!("{prefix}{i}"))
}

pub(crate) fn expand(select: Select) -> TokenStream {
    let protocol = quote!(::gort::chan::select);
    let n = select.arms.len();

    if n == 0 && select.default.is_none() {
        // Go's `select {}`: blocks forever. The match on `Infallible` types as `!`.
        let never = hygienic("__gort_never");
        return quote! {{
            let #never = ::core::future::pending::<::core::convert::Infallible>().await;
            match #never {}
        }};
    }

    if n == 0 {
        // Only a `default` arm: nothing can be ready, so it runs.
        let body = select.default.as_ref().map(statements);
        return quote!({ #body });
    }

    let out_enum = hygienic("__GortSelectOut");
    let out = hygienic("__gort_out");
    let order = hygienic("__gort_order");
    let enabled = hygienic("__gort_enabled");
    let driver = hygienic("__gort_driver");
    let cx = hygienic("__gort_cx");
    let won = hygienic("__gort_won");
    let index = hygienic("__gort_index");
    let is_on = hygienic("__gort_is_on");
    let output = hygienic("__gort_output");

    let type_params: Vec<Ident> = (0..n).map(|i| format_ident!("__T{}", i)).collect();
    let variants: Vec<Ident> = (0..n).map(|i| format_ident!("_{}", i)).collect();
    let cases: Vec<Ident> = (0..n).map(|i| numbered("__gort_case", i)).collect();
    let guards: Vec<Ident> = (0..n).map(|i| numbered("__gort_on", i)).collect();

    // 1. Evaluation, in source order.
    let mut evaluate = TokenStream::new();
    for (i, arm) in select.arms.iter().enumerate() {
        let case = &cases[i];
        let arg = numbered("__gort_arg", i);
        let span = arm.op.span();
        evaluate.extend(match &arm.op {
            Operation::Recv(rx) => {
                let at_x = located_at(&arg, span);
                let new_case = quote_spanned!(span=> #protocol::recv_case(#at_x));
                quote! {
                    let #arg = &(#rx);
                    let mut #case = #new_case;
                }
            }
            Operation::Send(tx, value) => {
                let at_x = located_at(&arg, span);
                let new_case = quote_spanned!(span=> #protocol::send_case(#at_x, #value));
                quote! {
                    let #arg = &(#tx);
                    let mut #case = #new_case;
                }
            }
            Operation::Future(future) => {
                let into_future =
                    quote_spanned!(span=> ::core::future::IntoFuture::into_future(#future));
                quote! {
                    let mut #arg = ::core::pin::pin!(#into_future);
                    let mut #case = #protocol::FutureCase::new(#arg.as_mut());
                }
            }
        });
        let guard = &guards[i];
        evaluate.extend(match &arm.guard {
            Some(condition) => quote_spanned!(condition.span()=> let #guard: bool = #condition;),
            None => quote!(let #guard = true;),
        });
    }

    // 2. The order in which the enabled arms are tried.
    let shuffle = (!select.biased).then(|| quote!(#protocol::shuffle(&mut #order[..#enabled]);));
    let choose_order = quote! {
        let mut #order = [0usize; #n];
        let mut #enabled = 0usize;
        for (#index, #is_on) in [#(#guards),*].into_iter().enumerate() {
            if #is_on {
                #order[#enabled] = #index;
                #enabled += 1;
            }
        }
        #shuffle
        let #order: &[usize] = &#order[..#enabled];
    };

    // 3. Waiting for one arm.
    let indices = 0..n;
    let take_output = quote! {
        ::core::task::Poll::Ready(match #won {
            #( #indices => #out_enum::#variants(#cases.take()), )*
            _ => ::core::unreachable!("select!: the protocol returned an unknown case"),
        })
    };
    let case_refs = quote!([#(&mut #cases),*]);
    // A select with future arms needs its id from the first poll on (see gort-channel's
    // `select/scope.rs`), so that its send arms can leave its own stream arms' listeners
    // asleep instead of waking their own task.
    let has_future_arms = select
        .arms
        .iter()
        .any(|arm| matches!(arm.op, Operation::Future(_)));
    let new_driver = if has_future_arms {
        quote!(#protocol::SelectDriver::with_future_arms())
    } else {
        quote!(#protocol::SelectDriver::new())
    };
    let wait = match &select.default {
        None => quote! {
            let mut #driver = #new_driver;
            ::core::future::poll_fn(|#cx| {
                let #won = {
                    let mut #output: [&mut dyn #protocol::SelectCase; #n] = #case_refs;
                    match #protocol::poll_select(&mut #driver, &mut #output, #order, #cx) {
                        ::core::task::Poll::Ready(#won) => #won,
                        ::core::task::Poll::Pending => return ::core::task::Poll::Pending,
                    }
                };
                #take_output
            })
            .await
        },
        Some(_) => quote! {
            ::core::future::poll_fn(|#cx| {
                let #won = {
                    let mut #output: [&mut dyn #protocol::SelectCase; #n] = #case_refs;
                    match #protocol::poll_select_or_default(&mut #output, #order, #cx) {
                        ::core::task::Poll::Ready(::core::option::Option::Some(#won)) => #won,
                        ::core::task::Poll::Ready(::core::option::Option::None) => {
                            return ::core::task::Poll::Ready(#out_enum::Default);
                        }
                        ::core::task::Poll::Pending => return ::core::task::Poll::Pending,
                    }
                };
                #take_output
            })
            .await
        },
    };

    // 4. The bodies.
    let mut body_arms = TokenStream::new();
    for (i, arm) in select.arms.iter().enumerate() {
        let variant = &variants[i];
        let pat = &arm.pat;
        let body = statements(&arm.body);
        body_arms.extend(quote! {
            #out_enum::#variant(#output) => {
                let #pat = #output;
                #body
            }
        });
    }
    let default_variant = select.default.as_ref().map(|_| quote!(Default,));
    if let Some(body) = &select.default {
        let body = statements(body);
        body_arms.extend(quote!(#out_enum::Default => { #body }));
    }

    quote! {{
        enum #out_enum<#(#type_params),*> {
            #( #variants(#type_params), )*
            #default_variant
        }
        let #out = {
            #evaluate
            #choose_order
            #wait
        };
        match #out {
            #body_arms
        }
    }}
}

/// The body as statements to follow `let PAT = output;` in one block: a plain block body is
/// spliced in (pasting `{ … }` whole would draw an `unused_braces` warning on the user's braces);
/// an expression, or a block with a label or attributes, stays one tail expression.
fn statements(body: &syn::Expr) -> TokenStream {
    match body {
        syn::Expr::Block(block) if block.attrs.is_empty() && block.label.is_none() => {
            let stmts = &block.block.stmts;
            quote!(#(#stmts)*)
        }
        other => quote!(#other),
    }
}
