//! Parsing `select!`'s input into a [`Select`].
//!
//! The grammar (API.md "select!"):
//!
//! ```text
//! select     := ("biased" ";")? arm*
//! arm        := PAT "=" operation ("," "if" GUARD)? "=>" body
//!             | "default" "=>" body
//! operation  := "recv" "(" X ")" | "send" "(" X "," VALUE ")" | FUTURE
//! body       := BLOCK ","? | EXPR ("," | end of input)
//! ```
//!
//! `recv(..)` and `send(..)` are recognised by their name alone (a call of a one-segment path),
//! as `select!` keywords. A future that happens to be a call of a function named `recv` or
//! `send` is written with a path (`self::recv(x)`) or in parentheses (`(recv(x))`).
//!
//! Every mistake is reported at the token where the grammar went wrong, with what was expected
//! there; the messages are unit-tested below and in the `gort` crate's trybuild tests.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Pat, Token};

/// A parsed `select!`.
pub(crate) struct Select {
    /// `biased;`: try the arms in source order instead of at random.
    pub(crate) biased: bool,
    /// The arms, `default` excluded, in source order.
    pub(crate) arms: Vec<Arm>,
    /// The body of the `default` arm, if there is one.
    pub(crate) default: Option<Expr>,
}

/// One `PAT = operation, if GUARD => body` arm.
pub(crate) struct Arm {
    pub(crate) pat: Pat,
    pub(crate) op: Operation,
    pub(crate) guard: Option<Expr>,
    pub(crate) body: Expr,
}

/// What an arm waits for.
pub(crate) enum Operation {
    /// `recv(X)`.
    Recv(Expr),
    /// `send(X, value)`.
    Send(Expr, Expr),
    /// Any other expression: a future (anything `IntoFuture`).
    Future(Expr),
}

const ARM_FORMS: &str = "select! arms are `PAT = recv(rx) => …`, `PAT = send(tx, value) => …`, \
                         `PAT = future => …` or `default => …`";

impl Parse for Select {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut select = Select {
            biased: false,
            arms: Vec::new(),
            default: None,
        };
        if peek_biased(input) {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
            select.biased = true;
        }
        while !input.is_empty() {
            if peek_biased(input) {
                return Err(input.error(
                    "`biased;` must come first in select!, before every arm \
                     (it makes select! try the arms in source order)",
                ));
            }
            if input.peek(Token![default]) {
                let keyword: Token![default] = input.parse()?;
                if select.default.is_some() {
                    return Err(syn::Error::new(
                        keyword.span,
                        "select! has a second `default` arm; keep only one \
                         (it runs when no other arm is ready)",
                    ));
                }
                if input.peek(Token![,]) && input.peek2(Token![if]) {
                    return Err(input.error(
                        "a `default` arm cannot have a guard: it runs whenever no enabled arm \
                         is ready",
                    ));
                }
                expect_fat_arrow(input, "after `default`")?;
                select.default = Some(parse_body(input)?);
                continue;
            }
            select.arms.push(parse_arm(input)?);
        }
        Ok(select)
    }
}

/// `biased` followed by `;` (so a pattern named `biased` still parses as one).
fn peek_biased(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<syn::Ident>()
        .is_ok_and(|ident| ident == "biased")
        && fork.peek(Token![;])
}

fn parse_arm(input: ParseStream<'_>) -> syn::Result<Arm> {
    let pat = Pat::parse_single(input).map_err(|err| {
        syn::Error::new(err.span(), format!("expected a select! arm: {ARM_FORMS}"))
    })?;
    if input.peek(Token![=>]) {
        return Err(syn::Error::new(
            pat.span(),
            "this select! arm has no pattern: write `v = recv(rx) => …` to bind the result, \
             or `_ = …` to ignore it",
        ));
    }
    if !input.peek(Token![=]) {
        return Err(input.error(format!("expected `=` after the arm's pattern; {ARM_FORMS}")));
    }
    input.parse::<Token![=]>()?;
    let op = parse_operation(input)?;
    let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
        input.parse::<Token![,]>()?;
        input.parse::<Token![if]>()?;
        Some(Expr::parse_without_eager_brace(input)?)
    } else {
        None
    };
    expect_fat_arrow(input, "after the arm's operation (and its `, if` guard)")?;
    let body = parse_body(input)?;
    Ok(Arm {
        pat,
        op,
        guard,
        body,
    })
}

fn parse_operation(input: ParseStream<'_>) -> syn::Result<Operation> {
    // Without eager braces, `fut { … }` is not read as a struct literal: the `{` is then a
    // missing `=>`, which is what the user most likely meant.
    let expr = Expr::parse_without_eager_brace(input)?;
    let Expr::Call(call) = &expr else {
        return Ok(Operation::Future(expr));
    };
    let Expr::Path(path) = &*call.func else {
        return Ok(Operation::Future(expr));
    };
    if path.qself.is_some() || path.path.leading_colon.is_some() || path.path.segments.len() != 1 {
        return Ok(Operation::Future(expr));
    }
    let segment = &path.path.segments[0];
    let args: Vec<&Expr> = call.args.iter().collect();
    if segment.ident == "recv" {
        return match args[..] {
            [rx] => Ok(Operation::Recv(rx.clone())),
            _ => Err(syn::Error::new(
                call.span(),
                format!(
                    "`recv` takes one argument, the receiver: `v = recv(rx)`; found {}",
                    count(args.len())
                ),
            )),
        };
    }
    if segment.ident == "send" {
        return match args[..] {
            [tx, value] => Ok(Operation::Send(tx.clone(), value.clone())),
            _ => Err(syn::Error::new(
                call.span(),
                format!(
                    "`send` takes two arguments, the sender and the value: \
                     `res = send(tx, value)`; found {}",
                    count(args.len())
                ),
            )),
        };
    }
    Ok(Operation::Future(expr))
}

fn count(n: usize) -> String {
    match n {
        0 => "none".to_owned(),
        1 => "1 argument".to_owned(),
        n => format!("{n} arguments"),
    }
}

fn expect_fat_arrow(input: ParseStream<'_>, after: &str) -> syn::Result<()> {
    if input.peek(Token![=>]) {
        input.parse::<Token![=>]>()?;
        Ok(())
    } else {
        Err(input.error(format!("expected `=>` {after}, then the arm's body")))
    }
}

/// A body: a block-like expression with an optional comma, or an expression ended by a comma
/// (or the end of the input).
fn parse_body(input: ParseStream<'_>) -> syn::Result<Expr> {
    if input.peek(syn::token::Brace) {
        let block: syn::ExprBlock = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        return Ok(Expr::Block(block));
    }
    // As in `match`: a block-like body (`if`, `match`, `loop`, …) ends where its braces end, and
    // needs no comma.
    let body = Expr::parse_with_earlier_boundary_rule(input)?;
    if input.is_empty() {
        return Ok(body);
    }
    if is_block_like(&body) {
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        return Ok(body);
    }
    if !input.peek(Token![,]) {
        return Err(input.error(
            "expected `,` after the arm's body (or write the body as a block: `=> { … }`)",
        ));
    }
    input.parse::<Token![,]>()?;
    Ok(body)
}

/// Whether `expr` ends with a block and, as a `match` arm body, needs no comma after it.
fn is_block_like(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Block(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
            | Expr::Async(_)
            | Expr::TryBlock(_)
            | Expr::Const(_)
    )
}

impl Operation {
    /// The span errors about this operation's type point at.
    pub(crate) fn span(&self) -> Span {
        match self {
            Operation::Recv(x) | Operation::Send(x, _) | Operation::Future(x) => x.span(),
        }
    }
}
