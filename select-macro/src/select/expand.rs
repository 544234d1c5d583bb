//! Turning a parsed [`Select`] into code on gort-channel's select protocol.
//!
//! For `select! { v = recv(rx) => A, r = send(tx, x), if ok => B }` the expansion is, in
//! outline (`P` is `::gort::chan::select`; the generated names are hygienic):
//!
//! ```text
//! {
//!     enum Out<T0, T1> { _0(T0), _1(T1) }                 // + `Default` with a default arm
//!     let out = {
//!         // 1. Every expression, once, in source order (guards too).
//!         let place0 = &(rx);
//!         let arg0 = P::receiver_of(place0);              // Option<&Receiver<_>>
//!         let on0 = true;
//!         let place1 = &(tx);
//!         let arg1 = P::sender_of(place1);
//!         let mut value1 = P::send_value(arg1, x);        // typed as the channel's item
//!         let on1: bool = ok;
//!         // 2. The enabled arms, in random order (source order with `biased;`), in one word.
//!         let order = P::PackedOrder::shuffled([on0, on1]);
//!         'select: {
//!             // 3. The first try, on the channels themselves: no case exists yet.
//!             let tried = gort::coop::try_spend();     // false: budget spent, yield below
//!             if tried {
//!                 for k in 0..order.arm_count() {
//!                     match order.arm(k) {
//!                         0 => if let Some(o) = P::try_recv_now(arg0) { break 'select Out::_0(o) }
//!                         1 => match P::try_send_now(arg1, value1) {
//!                             Ok(o) => break 'select Out::_1(o),
//!                             Err(unsent) => value1 = unsent,     // the value comes back
//!                         }
//!                     }
//!                 }
//!                 // with a `default` arm: break 'select Out::Default
//!             }
//!             // 4. The cases, then wait for exactly one arm.
//!             let mut case0 = P::RecvCase::new(arg0);
//!             let mut case1 = P::SendCase::new(arg1, value1);
//!             let mut driver = if tried { P::SelectDriver::after_try_pass() } else { P::SelectDriver::new() };
//!             poll_fn(|cx| {
//!                 let won = match P::poll_select(&mut driver, &mut [&mut case0, &mut case1], order, cx) {
//!                     Ready(won) => won,
//!                     Pending => return Pending,
//!                 };
//!                 Ready(match won { 0 => Out::_0(case0.take()), 1 => … })
//!             }).await
//!         }                                              // every case dropped here
//!     };
//!     // 5. The winning arm's body, in the enclosing code.
//!     match out { Out::_0(o) => { let v = o; A } Out::_1(o) => { let r = o; B } }
//! }
//! ```
//!
//! A future arm `t = fut` is pinned and gets its `FutureCase` in step 1
//! (`let mut fut2 = pin!(IntoFuture::into_future(fut));`). A select with future arms has no
//! first try, since a future can only be polled with the `Context` of the select's own future,
//! and its driver is `SelectDriver::with_future_arms()`.
//!
//! Why it is shaped like this:
//!
//! * The first try makes a select that finds an arm ready (most of them) cost about as much as
//!   the channel operation and the random draw: the cases, the driver and the future are built
//!   only to wait. gort-channel's `select/fast.rs` says what building them first cost.
//! * Up to 16 arms, the order is a `PackedOrder`, one word kept in a register; beyond, an
//!   array of indices shuffled with `P::shuffle`.
//! * The bodies run outside the `poll_fn` closure and after the `.await`, so `break`,
//!   `continue`, `return`, `?` and `.await` in them act on the enclosing code, and every case
//!   (with the borrows of the channels and the losing futures) is dropped before a body runs.
//! * `&(X)` borrows `X`: a place such as `rx` is borrowed, never moved, and a temporary such as
//!   `Some(&rx)` lives to the end of the block (a `let` extends it). `receiver_of`/`sender_of`
//!   accept any `X: RecvArg`/`SendArg`, which turn every accepted form into
//!   `Option<&Receiver<T>>`; a wrong `X` gets their error message once, spanned at `X`.
//! * A send arm's value moves into the first try and back out if the send cannot happen now,
//!   then into the waiting case: never borrowed, so the select's future holds it once.
//! * Only generated code is inside the labeled block, so a user's unlabeled `break` never
//!   meets the label; the bodies run after it.
//! * The `&mut dyn SelectCase` array is built inside the closure on every poll and never held
//!   across the `.await`, so the select's future is `Send` whenever the cases, the futures and
//!   the values are.
//! * Futures are pinned on the stack of the enclosing `async` code with `core::pin::pin!`: no
//!   `Unpin`, no `Box`, no `unsafe`.
//! * `let PAT = o;` rather than `Out::_0(PAT)`: a refutable pattern is then rustc's clear
//!   "refutable pattern in local binding" error, instead of an arm silently disabled.
//! * The output enum is generic over every arm's output type, so nothing has to name a type.
//! * With a `default` arm there is no driver: the first try decides, and `default` runs if no
//!   arm was ready. When the budget is spent, or the select has future arms, it goes through
//!   `poll_select_or_default` instead: one try pass, which yields first on a spent budget.
//!   With no arm and no `default` the select waits forever, as Go's `select {}`.

use super::parse::{Operation, Select};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// gort-channel's `PackedOrder::MAX_ARMS`: the most arms whose order fits in one word.
const PACKED_MAX_ARMS: usize = 16;

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
    let tried = hygienic("__gort_tried");
    let outcome = hygienic("__gort_outcome");
    let unsent = hygienic("__gort_unsent");
    let k = hygienic("__gort_k");
    let label = syn::Lifetime {
        apostrophe: Span::mixed_site(),
        ident: hygienic("__gort_select"),
    };

    let type_params: Vec<Ident> = (0..n).map(|i| format_ident!("__T{}", i)).collect();
    let variants: Vec<Ident> = (0..n).map(|i| format_ident!("_{}", i)).collect();
    let cases: Vec<Ident> = (0..n).map(|i| numbered("__gort_case", i)).collect();
    let args: Vec<Ident> = (0..n).map(|i| numbered("__gort_arg", i)).collect();
    let values: Vec<Ident> = (0..n).map(|i| numbered("__gort_value", i)).collect();
    let guards: Vec<Ident> = (0..n).map(|i| numbered("__gort_on", i)).collect();
    let has_future_arms = select
        .arms
        .iter()
        .any(|arm| matches!(arm.op, Operation::Future(_)));

    // 1. Evaluation, in source order. A channel arm's `X` becomes an `Option<&Receiver<T>>`
    // (`Option<&Sender<T>>`) here, so that a wrong `X` is reported once, at `X`.
    let mut evaluate = TokenStream::new();
    for (i, arm) in select.arms.iter().enumerate() {
        let (arg, value) = (&args[i], &values[i]);
        let place = numbered("__gort_place", i);
        let span = arm.op.span();
        let at_x = located_at(&place, span);
        evaluate.extend(match &arm.op {
            Operation::Recv(rx) => {
                let channel = quote_spanned!(span=> #protocol::receiver_of(#at_x));
                quote! {
                    let #place = &(#rx);
                    let #arg = #channel;
                }
            }
            Operation::Send(tx, sent) => {
                let channel = quote_spanned!(span=> #protocol::sender_of(#at_x));
                // Through `send_value`, the value gets the channel's item type as its expected
                // type: coercions apply, and a wrong type is reported at the value.
                let typed = quote_spanned!(sent.span()=> #protocol::send_value(#arg, #sent));
                quote! {
                    let #place = &(#tx);
                    let #arg = #channel;
                    let mut #value = #typed;
                }
            }
            Operation::Future(future) => {
                let case = &cases[i];
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

    // 2. The order in which the enabled arms are tried: packed into one word up to 16 arms,
    // an array of indices beyond.
    let choose_order = if n <= PACKED_MAX_ARMS {
        let make = if select.biased {
            quote!(in_source_order)
        } else {
            quote!(shuffled)
        };
        quote! {
            let #order = #protocol::PackedOrder::#make([#(#guards),*]);
        }
    } else {
        let shuffle =
            (!select.biased).then(|| quote!(#protocol::shuffle(&mut #order[..#enabled]);));
        quote! {
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
        }
    };

    // 3. Without future arms: the first try, on the channels themselves, before any case
    // exists (see gort-channel's `select/fast.rs`). It breaks out of the labeled block with
    // the output of the first arm that completes; `tried`: the budget let it run.
    let first_try = (!has_future_arms).then(|| {
        let mut try_arms = TokenStream::new();
        for (i, arm) in select.arms.iter().enumerate() {
            let (arg, value, variant) = (&args[i], &values[i], &variants[i]);
            try_arms.extend(match &arm.op {
                Operation::Recv(_) => quote! {
                    #i => {
                        if let ::core::option::Option::Some(#outcome) =
                            #protocol::try_recv_now(#arg)
                        {
                            break #label #out_enum::#variant(#outcome);
                        }
                    }
                },
                // The value moves in, and comes back if the send cannot happen now.
                Operation::Send(..) => quote! {
                    #i => match #protocol::try_send_now(#arg, #value) {
                        ::core::result::Result::Ok(#outcome) => {
                            break #label #out_enum::#variant(#outcome);
                        }
                        ::core::result::Result::Err(#unsent) => #value = #unsent,
                    }
                },
                Operation::Future(_) => unreachable!("no future arms here"),
            });
        }
        let nothing_ready = select
            .default
            .is_some()
            .then(|| quote!(break #label #out_enum::Default;));
        quote! {
            let #tried = ::gort::coop::try_spend();
            if #tried {
                for #k in 0..#protocol::ArmOrder::arm_count(#order) {
                    match #protocol::ArmOrder::arm(#order, #k) {
                        #try_arms
                        _ => ::core::unreachable!("select!: an arm order names an unknown arm"),
                    }
                }
                #nothing_ready
            }
        }
    });

    // 4. The cases of the channel arms (future arms have theirs already).
    let mut build_cases = TokenStream::new();
    for (i, arm) in select.arms.iter().enumerate() {
        let (arg, value, case) = (&args[i], &values[i], &cases[i]);
        build_cases.extend(match &arm.op {
            Operation::Recv(_) => quote! {
                let mut #case = #protocol::RecvCase::new(#arg);
            },
            Operation::Send(..) => quote! {
                let mut #case = #protocol::SendCase::new(#arg, #value);
            },
            Operation::Future(_) => quote!(),
        });
    }

    // 5. Waiting for one arm.
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
    // asleep instead of waking their own task. One whose first try found nothing ready goes
    // straight to registering.
    let new_driver = if has_future_arms {
        quote!(#protocol::SelectDriver::with_future_arms())
    } else {
        quote! {
            if #tried {
                #protocol::SelectDriver::after_try_pass()
            } else {
                #protocol::SelectDriver::new()
            }
        }
    };
    let wait = match &select.default {
        None => quote! {
            #build_cases
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
            #build_cases
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
    let wait = match first_try {
        // Only generated code inside the labeled block: a user's unlabeled `break` never
        // meets it.
        Some(first_try) => quote! {
            #label: {
                #first_try
                #wait
            }
        },
        None => wait,
    };

    // 6. The bodies.
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
