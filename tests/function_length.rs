//! Rooms of one purpose (issue 17): no function in `src/` is longer than [`MAX_LINES`] lines,
//! counted from its `fn` line to its closing brace. Free functions, methods and trait default
//! methods all count; `#[test]` functions and `#[cfg(test)]` modules do not (a test may be a long
//! table). A function over the limit fails here with its file, line, name and length.

mod common;

use std::path::Path;

use syn::spanned::Spanned;
use syn::visit::Visit;

/// The longest a function may be, in lines from `fn` to its closing brace.
const MAX_LINES: usize = 80;

/// Paths skipped (prefix match on the path relative to the crate, `/`-separated): none, every
/// file of `src/` is held to the limit.
const PENDING: &[&str] = &[];

/// One function over the limit: where it starts, its name and its length in lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Long {
    file: String,
    line: usize,
    name: String,
    lines: usize,
}

/// Collects, from one file, every function longer than `max` lines outside test code.
struct Lengths<'a> {
    file: &'a str,
    max: usize,
    found: Vec<Long>,
}

impl Lengths<'_> {
    /// Records the function `name` if it spans more than `max` lines.
    fn measure(&mut self, name: &syn::Ident, sig: &syn::Signature, block: &syn::Block) {
        let first = sig.fn_token.span().start().line;
        let last = block.brace_token.span.close().end().line;
        let lines = last + 1 - first;
        if lines > self.max {
            self.found.push(Long { file: self.file.to_string(), line: first, name: name.to_string(), lines });
        }
    }
}

/// Whether `attrs` hold `#[test]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("test"))
}

/// Whether `attrs` hold `#[cfg(test)]`.
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
}

impl<'ast> Visit<'ast> for Lengths<'_> {
    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        if !is_cfg_test(&node.attrs) {
            syn::visit::visit_item_mod(self, node);
        }
    }

    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        if is_test(&node.attrs) || is_cfg_test(&node.attrs) {
            return;
        }
        self.measure(&node.sig.ident, &node.sig, &node.block);
        syn::visit::visit_item_fn(self, node);
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        if is_test(&node.attrs) || is_cfg_test(&node.attrs) {
            return;
        }
        self.measure(&node.sig.ident, &node.sig, &node.block);
        syn::visit::visit_impl_item_fn(self, node);
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        if is_cfg_test(&node.attrs) {
            return;
        }
        if let Some(block) = &node.default {
            self.measure(&node.sig.ident, &node.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, node);
    }
}

/// Every function over `max` lines in the `src/` folder under `root`, skipping paths that start
/// with one of `skip`.
fn long_functions(root: &Path, max: usize, skip: &[&str]) -> (usize, Vec<Long>) {
    let files = common::rust_files(&root.join("src"));
    let mut read = 0;
    let mut out = Vec::new();
    for file in files {
        let rel: Vec<String> =
            file.strip_prefix(root).expect("under the root").iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let rel = rel.join("/");
        if skip.iter().any(|s| rel.starts_with(s)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel} does not parse: {e}"));
        let mut l = Lengths { file: &rel, max, found: Vec::new() };
        l.visit_file(&parsed);
        out.extend(l.found);
        read += 1;
    }
    (read, out)
}

/// The functions in `long`, one a line: `file:line name (lines lines)`.
fn report(long: &[Long]) -> String {
    long.iter().map(|l| format!("  {}:{} {} ({} lines)\n", l.file, l.line, l.name, l.lines)).collect()
}

#[test]
fn no_function_in_src_is_over_80_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (read, long) = long_functions(root, MAX_LINES, PENDING);
    assert!(read > 20, "the checker read only {read} files: it is not reading the sources");
    assert!(
        long.is_empty(),
        "{} functions are over {MAX_LINES} lines; split each into helpers of one purpose:\n{}",
        long.len(),
        report(&long)
    );
}

/// The body of a function `name` that spans exactly `lines` lines, `fn` to closing brace.
fn function_of(name: &str, lines: usize) -> String {
    let mut s = format!("pub fn {name}() -> u32 {{\n    let mut x = 0;\n");
    for _ in 0..lines - 4 {
        s.push_str("    x += 1;\n");
    }
    s.push_str("    x\n}\n");
    s
}

/// The checker itself: in a small crate on disk, an 81-line function (free, in an impl, and as a
/// trait default) is reported with its file, line and length; an 80-line one, a long `#[test]`
/// function, a long function in a `#[cfg(test)]` module and a file under a skipped path are not.
#[test]
fn the_checker_reports_only_functions_over_the_limit() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("folders");
        std::fs::write(p, text).expect("a file");
    };
    let long = function_of("long", 81);
    assert_eq!(long.lines().count(), 81);
    let fits = function_of("fits", 80);
    assert_eq!(fits.lines().count(), 80);
    write("src/lib.rs", &format!("pub mod a;\npub mod pending;\n{long}{fits}"));
    let method = function_of("method", 81).replace("pub fn", "fn");
    let default = function_of("default", 81).replace("pub fn", "fn");
    let in_test = function_of("in_test", 90);
    write(
        "src/a.rs",
        &format!(
            "pub struct S;\nimpl S {{\n{method}}}\npub trait T {{\n{default}    fn required(&self);\n}}\n\
             #[test]\n{in_test}#[cfg(test)]\nmod tests {{\n{}}}\n",
            function_of("tabled", 90)
        ),
    );
    write("src/pending/mod.rs", &function_of("skipped", 81));
    let (read, found) = long_functions(root, 80, &["src/pending/"]);
    assert_eq!(read, 2);
    let got: Vec<(&str, usize, &str, usize)> =
        found.iter().map(|l| (l.file.as_str(), l.line, l.name.as_str(), l.lines)).collect();
    assert_eq!(
        got,
        vec![("src/a.rs", 3, "method", 81), ("src/a.rs", 86, "default", 81), ("src/lib.rs", 3, "long", 81)],
        "{}",
        report(&found)
    );
}
