//! The Go tour's "Equivalent Binary Trees" exercise (<https://go.dev/tour/concurrency/7> and
//! <https://go.dev/tour/concurrency/8>): search trees of different shapes can list the same
//! values in order. Here `walk` streams a tree's values, smallest first, on a channel, and
//! `same` runs two walks side by side and compares what comes out.
//!
//! Go → gort: `go Walk(tree.New(1), ch)` → `gort::go(walk(tree::new(1), tx))`; `ch := make(chan
//! int)` → `gort::chan::bounded(0)`; `<-ch` → `ch.recv().await`. The tour's package
//! `golang.org/x/tour/tree` is written inline as `mod tree`: `tree::new(k)` inserts k, 2k, …,
//! 10k in a random order into a binary search tree, like Go's `rand.Perm(10)`, drawing from a
//! small seeded generator (splitmix64) so that the shapes are the same on every run.
//!
//! Rust differences: `walk` owns the tree and the `Sender`; when it returns the sender is
//! dropped, which closes the channel (Go's `close(ch)`), so `same` can tell a shorter tree by
//! the `None` that ends its channel. The in-order traversal is a recursive `async fn`, which
//! Rust accepts once the recursive call is boxed (`Box::pin`). And when `same` returns early at
//! the first difference, it drops its receivers: the walkers' next `send` fails and they stop —
//! the usual Go solution leaves them blocked forever instead.

use gort::chan::{Receiver, SendError, Sender};

/// Go's `golang.org/x/tour/tree`, with a deterministic `rand.Perm`.
mod tree {
    use std::fmt;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    /// Go's `tree.Tree`: a node with an `i32` and two optional children (`None` for Go's `nil`).
    #[derive(Debug)]
    pub(crate) struct Tree {
        pub(crate) left: Option<Box<Tree>>,
        pub(crate) value: i32,
        pub(crate) right: Option<Box<Tree>>,
    }

    /// Go's `tree.New(k)`: the ten multiples of k up to 10k, inserted in shuffled order, so the
    /// values are fixed but the shape changes from call to call.
    pub(crate) fn new(k: i32) -> Box<Tree> {
        let mut t = None;
        for v in perm(10) {
            t = Some(insert(t, (1 + v) * k));
        }
        t.expect("ten values were inserted")
    }

    fn insert(t: Option<Box<Tree>>, v: i32) -> Box<Tree> {
        match t {
            None => Box::new(Tree {
                left: None,
                value: v,
                right: None,
            }),
            Some(mut t) => {
                if v < t.value {
                    t.left = Some(insert(t.left.take(), v));
                } else {
                    t.right = Some(insert(t.right.take(), v));
                }
                t
            }
        }
    }

    /// Go's `Tree.String`: `((1 (2)) 3 (4))`-style, an in-order listing with the shape.
    impl fmt::Display for Tree {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "(")?;
            if let Some(left) = &self.left {
                write!(f, "{left} ")?;
            }
            write!(f, "{}", self.value)?;
            if let Some(right) = &self.right {
                write!(f, " {right}")?;
            }
            write!(f, ")")
        }
    }

    /// A random permutation of 0..n (Go's `rand.Perm`), by a Fisher–Yates shuffle.
    fn perm(n: usize) -> Vec<i32> {
        let mut m: Vec<i32> = (0..n as i32).collect();
        for i in (1..n).rev() {
            let j = (next_random() % (i as u64 + 1)) as usize;
            m.swap(i, j);
        }
        m
    }

    /// The shared generator's state; a fixed seed makes every run build the same trees.
    static STATE: AtomicU64 = AtomicU64::new(2012);

    /// splitmix64 (Steele, Lea and Flood, 2014): one atomic add per number, so it is safe to
    /// call from any task, as Go's global `rand` is.
    fn next_random() -> u64 {
        let mut z = STATE
            .fetch_add(0x9e37_79b9_7f4a_7c15, Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

use tree::Tree;

/// Go's `Walk`: streams the values of `t` into `ch` in ascending order. `ch` is taken by value,
/// so returning drops it, and that closes the channel.
async fn walk(t: Box<Tree>, ch: Sender<i32>) {
    // An error means the receiver is gone (see `same`): nothing more to do.
    let _ = walk_in_order(&t, &ch).await;
}

/// The in-order traversal behind `walk`: left subtree, value, right subtree.
async fn walk_in_order(t: &Tree, ch: &Sender<i32>) -> Result<(), SendError<i32>> {
    if let Some(left) = &t.left {
        Box::pin(walk_in_order(left, ch)).await?;
    }
    ch.send(t.value).await?;
    if let Some(right) = &t.right {
        Box::pin(walk_in_order(right, ch)).await?;
    }
    Ok(())
}

/// Go's `Same`: walks both trees at once and compares the two streams value by value.
async fn same(t1: Box<Tree>, t2: Box<Tree>) -> bool {
    let (tx1, ch1): (_, Receiver<i32>) = gort::chan::bounded(0);
    let (tx2, ch2): (_, Receiver<i32>) = gort::chan::bounded(0);
    gort::go(walk(t1, tx1));
    gort::go(walk(t2, tx2));
    loop {
        let (v1, v2) = (ch1.recv().await, ch2.recv().await);
        if v1 != v2 {
            return false; // a different value, or one tree ended first
        }
        if v1.is_none() {
            return true; // both ended together
        }
    }
}

#[gort::main]
async fn main() {
    // `walk` on its own first: `tree::new(1)` must come out as 1 up to 10, then the close.
    let (tx, ch) = gort::chan::bounded(0);
    gort::go(walk(tree::new(1), tx));
    for i in 1..=10 {
        let v = ch.recv().await.expect("ten values");
        println!("{v}");
        assert_eq!(v, i);
    }
    assert_eq!(ch.recv().await, None, "walk closes its channel when done");

    let is_same = same(tree::new(1), tree::new(1)).await;
    println!("{is_same}");
    assert!(is_same);
    let is_same = same(tree::new(1), tree::new(2)).await;
    println!("{is_same}");
    assert!(!is_same);

    // Same values, different shapes: what `same` sees through is the order of the values.
    let (a, b) = (tree::new(1), tree::new(1));
    println!("{a}\n{b}");
    assert_ne!(a.to_string(), b.to_string(), "two random shapes");
    println!("{}", same(a, b).await);
}
