//! `select!`: parsing (`parse.rs`) and expansion (`expand.rs`).
//!
//! The macro only rearranges the user's code around gort-channel's select protocol
//! (`gort_channel::chan::select`): every rule of Go's select — exactly one arm, no effect from a
//! losing arm, nil channels, the random choice — lives and is tested there. What is decided here
//! is the shape of the code: evaluation order, where the bodies run, and the compile errors.

mod expand;
mod parse;

use proc_macro2::TokenStream;

/// Expands `select! { … }`; a mistake becomes a `compile_error!` at the offending token.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match syn::parse2::<parse::Select>(input) {
        Ok(select) => expand::expand(select),
        Err(err) => err.to_compile_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expansion(source: &str) -> String {
        expand(source.parse().expect("test input tokenizes")).to_string()
    }

    /// The message of the `compile_error!` an input expands to.
    fn error(source: &str) -> String {
        let out = expansion(source);
        assert!(
            out.contains("compile_error"),
            "no error for `{source}`: {out}"
        );
        out
    }

    #[test]
    fn channel_operations_and_futures_become_their_cases() {
        let out = expansion("v = recv(rx) => {}, r = send(tx, 1) => {}, t = fut => {}");
        assert!(out.contains("RecvCase :: new"), "{out}");
        assert!(out.contains("SendCase :: new"), "{out}");
        assert!(out.contains("FutureCase :: new"), "{out}");
        assert!(out.contains("poll_select ("), "{out}");
        assert!(out.contains("PackedOrder :: shuffled"), "{out}");
        // A future arm: no first try without a `Context`, and the driver gets its id up front.
        assert!(!out.contains("try_recv_now"), "{out}");
        assert!(out.contains("SelectDriver :: with_future_arms ()"), "{out}");
    }

    #[test]
    fn channel_arms_are_tried_before_any_case_is_built() {
        let out = expansion("v = recv(rx) => {}, r = send(tx, 1) => {}");
        let first_try = out.find("try_recv_now").expect("a first try");
        assert!(out.contains("try_send_now"), "{out}");
        assert!(out.contains("coop :: try_spend ()"), "{out}");
        assert!(first_try < out.find("RecvCase :: new").unwrap(), "{out}");
        // Waiting after a first try that found nothing registers at once.
        assert!(out.contains("SelectDriver :: after_try_pass ()"), "{out}");
        assert!(out.contains("SelectDriver :: new ()"), "{out}");
    }

    #[test]
    fn more_than_sixteen_arms_shuffle_an_array() {
        let arms: String = (0..17)
            .map(|i| format!("v{i} = recv(r{i}) => {{}},"))
            .collect();
        let out = expansion(&arms);
        assert!(out.contains(":: shuffle (& mut"), "{out}");
        assert!(!out.contains("PackedOrder"), "{out}");
        assert!(out.contains("try_recv_now"), "{out}");
    }

    #[test]
    fn biased_keeps_source_order_and_default_registers_nothing() {
        let out = expansion("biased; v = recv(rx) => {} default => {}");
        assert!(!out.contains("shuffle"), "{out}");
        assert!(out.contains("PackedOrder :: in_source_order"), "{out}");
        assert!(out.contains("poll_select_or_default"), "{out}");
        assert!(!out.contains("SelectDriver"), "{out}");
    }

    #[test]
    fn recv_and_send_by_path_or_in_parentheses_are_futures() {
        let out = expansion("v = self::recv(x) => {}, w = (send(a, b)) => {}");
        assert!(
            !out.contains("receiver_of") && !out.contains("sender_of"),
            "{out}"
        );
        assert_eq!(out.matches("FutureCase :: new").count(), 2, "{out}");
    }

    #[test]
    fn block_like_bodies_need_no_comma_as_in_match() {
        let out = expansion(
            "a = recv(r) => if c { 1 } else { 2 } \
             (x, y) = fut => match x { _ => y } \
             b = recv(s) => loop { break 3 } \
             default => unsafe { f() }",
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert_eq!(out.matches("RecvCase :: new").count(), 2, "{out}");
        assert!(out.contains("FutureCase"), "{out}");
    }

    #[test]
    fn an_empty_select_waits_forever() {
        assert!(expansion("").contains("pending"));
    }

    #[test]
    fn a_pattern_named_biased_is_still_a_pattern() {
        let out = expansion("biased = recv(rx) => {}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn mistakes_say_what_is_expected() {
        let cases = [
            ("v <- rx => {}", "expected `=` after the arm's pattern"),
            ("recv(rx) => {}", "this select! arm has no pattern"),
            ("default => {} default => {}", "second `default` arm"),
            ("v = recv(rx) => {} biased;", "`biased;` must come first"),
            ("v = recv(rx) { }", "expected `=>`"),
            ("v = recv(a, b) => {}", "`recv` takes one argument"),
            ("v = send(a) => {}", "`send` takes two arguments"),
            ("default, if x => {}", "cannot have a guard"),
            (
                "v = recv(rx) => v x = fut => {}",
                "expected `,` after the arm's body",
            ),
            ("= recv(rx) => {}", "expected a select! arm"),
        ];
        for (source, message) in cases {
            let out = error(source);
            assert!(out.contains(message), "`{source}` gave {out}");
        }
    }
}
