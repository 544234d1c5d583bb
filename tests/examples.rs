//! Runs every example in `examples/` and checks its output against `examples/expected/NAME.txt`.
//!
//! `cargo test` builds the examples before it runs the tests, so this finds them next to its own
//! binary (`target/<profile>/examples/`). An example without an expected file fails the test:
//! every example is run and checked.
//!
//! # The expected-output format
//!
//! Each line of the file must match one line of the example's stdout, in order, except:
//!
//! - `[..]` inside a line matches any text (timings, addresses, thread ids);
//! - a line `[...]` matches any number of lines, including none;
//! - lines between `[unordered]` and `[end]` match the same number of output lines in any order
//!   (goroutines printing as they run);
//! - a first line `[args] a b c` gives the example its command-line arguments.
//!
//! Trailing whitespace is ignored, and so is stderr; the example must exit successfully.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Examples that keep both cores busy for seconds in a debug build.
const HEAVY: &[&str] = &[
    "tour",
    "timer_resolution",
    "scaling",
    "million_tasks",
    "daisy_chain",
];

/// How long one example may run (debug build, loaded 2-core machine) before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn every_example_prints_its_expected_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = example_bin_dir();
    let names = example_names(&root.join("examples"));
    assert!(!names.is_empty(), "no examples found in examples/");

    // Run them a few at a time: most examples wait on timers rather than burn CPU. The
    // CPU-heavy ones go first (the queue pops from its end), so that they do not overlap the
    // end of the run, where the timing-sensitive examples would be left waiting with them.
    let mut queue = names.clone();
    queue.sort_by_key(|name| HEAVY.contains(&name.as_str()));
    let queue = Mutex::new(queue);
    let failures = Mutex::new(Vec::new());
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    std::thread::scope(|s| {
        for _ in 0..parallel {
            s.spawn(|| loop {
                let Some(name) = queue.lock().unwrap().pop() else {
                    return;
                };
                if let Err(why) = check_example(root, &bin_dir, &name) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("example `{name}`: {why}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}

/// `target/<profile>/examples`, found from this test's own path `target/<profile>/deps/…`.
fn example_bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .join("examples")
}

/// The stem of every `examples/*.rs` (and `examples/*/main.rs`), sorted.
fn example_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("examples/ is readable")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            if path.extension().is_some_and(|e| e == "rs") {
                Some(path.file_stem()?.to_str()?.to_owned())
            } else if path.join("main.rs").is_file() {
                Some(path.file_name()?.to_str()?.to_owned())
            } else {
                None
            }
        })
        .collect();
    names.sort();
    names
}

fn check_example(root: &Path, bin_dir: &Path, name: &str) -> Result<(), String> {
    let expected_path = root.join("examples/expected").join(format!("{name}.txt"));
    let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
        format!(
            "no expected output ({}: {e}); write the example's stdout there",
            expected_path.display()
        )
    })?;
    let (args, patterns) = parse_expected(&expected);

    let bin = bin_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        return Err(format!(
            "{} is not built; run this test through `cargo test`, which builds the examples",
            bin.display()
        ));
    }
    let source = root.join("examples").join(format!("{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(src), Some(built)) = (modified(&source), modified(&bin)) {
        if src > built {
            return Err(format!(
                "{} is older than its source; run this test through `cargo test`, which \
                 builds the examples (or `cargo build --examples` first)",
                bin.display()
            ));
        }
    }
    let stdout = run_with_timeout(&bin, &args, root)?;
    let actual: Vec<&str> = stdout.lines().map(str::trim_end).collect();
    if matches(&patterns, &actual) {
        Ok(())
    } else {
        Err(format!(
            "output does not match {}{}\n--- expected\n{}\n--- actual\n{}",
            expected_path.display(),
            first_difference(&patterns, &actual),
            expected.trim_end(),
            actual.join("\n")
        ))
    }
}

fn run_with_timeout(bin: &Path, args: &[String], cwd: &Path) -> Result<String, String> {
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    // Drain both pipes on threads so a chatty example cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || read_all(&mut out));
    let err = std::thread::spawn(move || read_all(&mut err));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "still running after {TIMEOUT:?}; killed\n--- stdout so far\n{}",
                out.join().unwrap()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    if status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "exited with {status}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ))
    }
}

fn read_all(r: &mut impl std::io::Read) -> String {
    let mut bytes = Vec::new();
    let _ = r.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One element of an expected-output file.
#[derive(Debug, PartialEq)]
enum Pattern {
    /// One line, with `[..]` wildcards.
    Line(String),
    /// `[...]`: any number of lines.
    AnyLines,
    /// `[unordered]` … `[end]`: these lines in any order.
    Unordered(Vec<String>),
}

fn parse_expected(text: &str) -> (Vec<String>, Vec<Pattern>) {
    let mut lines = text.lines().map(str::trim_end).peekable();
    let mut args = Vec::new();
    if let Some(rest) = lines.peek().and_then(|l| l.strip_prefix("[args]")) {
        args = rest.split_whitespace().map(str::to_owned).collect();
        lines.next();
    }
    let mut patterns = Vec::new();
    while let Some(line) = lines.next() {
        match line {
            "[...]" => patterns.push(Pattern::AnyLines),
            "[unordered]" => {
                let block: Vec<String> = lines
                    .by_ref()
                    .take_while(|l| *l != "[end]")
                    .map(str::to_owned)
                    .collect();
                patterns.push(Pattern::Unordered(block));
            }
            _ => patterns.push(Pattern::Line(line.to_owned())),
        }
    }
    (args, patterns)
}

fn matches(patterns: &[Pattern], actual: &[&str]) -> bool {
    match patterns.split_first() {
        None => actual.is_empty(),
        Some((Pattern::Line(p), rest)) => {
            !actual.is_empty() && line_matches(p, actual[0]) && matches(rest, &actual[1..])
        }
        Some((Pattern::AnyLines, rest)) => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((Pattern::Unordered(block), rest)) => {
            actual.len() >= block.len()
                && unordered_matches(block, &actual[..block.len()])
                && matches(rest, &actual[block.len()..])
        }
    }
}

/// Where a line-by-line walk first goes wrong, to point the reader at it (empty after a `[...]`,
/// where the walk cannot tell).
fn first_difference(patterns: &[Pattern], actual: &[&str]) -> String {
    let mut at = 0;
    for pattern in patterns {
        match pattern {
            Pattern::AnyLines => return String::new(),
            Pattern::Line(p) => {
                let line = actual.get(at).copied();
                if !line.is_some_and(|l| line_matches(p, l)) {
                    return format!(
                        "\nfirst difference at output line {}: expected `{p}`, got {}",
                        at + 1,
                        line.map_or("the end of the output".into(), |l| format!("`{l}`"))
                    );
                }
                at += 1;
            }
            Pattern::Unordered(block) => {
                let end = (at + block.len()).min(actual.len());
                if !unordered_matches(block, &actual[at..end]) {
                    return format!(
                        "\nthe [unordered] block at output line {} does not match",
                        at + 1
                    );
                }
                at = end;
            }
        }
    }
    format!("\nunexpected output from line {} on", at + 1)
}

/// Whether `lines` is a permutation of lines matching `block` (backtracking; blocks are small).
fn unordered_matches(block: &[String], lines: &[&str]) -> bool {
    fn assign(block: &[String], lines: &[&str], used: &mut Vec<bool>) -> bool {
        let Some((first, rest)) = block.split_first() else {
            return true;
        };
        for (i, line) in lines.iter().enumerate() {
            if !used[i] && line_matches(first, line) {
                used[i] = true;
                if assign(rest, lines, used) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    assign(block, lines, &mut vec![false; lines.len()])
}

/// Whether `line` matches `pattern`, where each `[..]` in the pattern matches any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty(); // no wildcard: the whole line must match
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[test]
fn the_matcher_follows_its_rules() {
    let (args, p) =
        parse_expected("[args] 1 2\na [..] c\n[...]\n[unordered]\nx\ny [..]\n[end]\nz\n");
    assert_eq!(args, ["1", "2"]);
    assert!(matches(&p, &["a b c", "x", "y 1", "z"]));
    assert!(matches(&p, &["a  c", "junk", "more", "y 2", "x", "z"]));
    assert!(!matches(&p, &["a b c", "x", "y 1", "z", "extra"]));
    assert!(!matches(&p, &["a b c", "x", "x", "z"]));
    assert!(!matches(&p, &["a b d", "x", "y 1", "z"]));
    assert!(line_matches("[..]", ""));
    assert!(line_matches("p=[..]µs [..]%", "p=12.5µs 99.7%"));
    assert!(!line_matches("ab[..]ba", "aba"));
    assert!(!line_matches("exact", "exact "));
}
