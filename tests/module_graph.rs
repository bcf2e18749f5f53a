//! The top-level modules of `src/` form a DAG in the order of the flow (`docs/ARCHITECTURE.md`):
//! a module may use only the modules before it in [`ORDER`]. Every `crate::…` and `super::…` path
//! in every source file counts (imports, expressions, types, macro arguments, test modules), so a
//! new import circle, or a module used against the flow, fails here with the file and line of
//! each offending path.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// The flow, first to last: each module may use only those before it.
const ORDER: &[&str] = &[
    "units", "seed", "words", "channel", "party", "scenario", "engine", "rules", "chain", "onchain", "output", "run",
    "network", "audience", "compare", "sweep", "commands", "cli",
];

/// One use of module `to` from module `from`, at `file:line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// Collects the top-level module each `crate::`/`super::` path names, from one file.
struct Collector<'a> {
    /// The module path of the file within the crate (`["scenario", "validate"]` for
    /// `src/scenario/validate/mod.rs`), plus the inline modules entered so far.
    here: Vec<String>,
    /// Names the crate root re-exports, and the module each comes from (`run` → `run`).
    root: &'a BTreeMap<String, String>,
    /// The top-level modules.
    modules: &'a BTreeSet<String>,
    found: Vec<(String, usize)>,
}

impl Collector<'_> {
    /// The top-level module a path of `segments` (with the line it starts on) names, if any.
    fn resolve(&mut self, segments: &[String], line: usize) {
        let mut at: Vec<String> = self.here.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                at.clear();
                rest = &rest[1..];
            }
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    at.pop();
                    rest = &rest[1..];
                }
            }
            Some("self") => rest = &rest[1..],
            _ => return,
        }
        let target = match at.first() {
            Some(top) => Some(top.clone()),
            None => rest.first().and_then(|name| {
                if self.modules.contains(name) {
                    Some(name.clone())
                } else {
                    self.root.get(name).cloned()
                }
            }),
        };
        if let Some(t) = target {
            self.found.push((t, line));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                let line = n.ident.span().start().line;
                let full = prefix.clone();
                self.resolve(&full, line);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                let line = r.ident.span().start().line;
                let full = prefix.clone();
                self.resolve(&full, line);
                prefix.pop();
            }
            syn::UseTree::Glob(g) => {
                let full = prefix.clone();
                self.resolve(&full, g.star_token.spans[0].start().line);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// `crate :: a :: b` and `super :: …` sequences inside a macro's tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let list: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < list.len() {
            match &list[i] {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) if id == "crate" || id == "super" => {
                    let line = id.span().start().line;
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    loop {
                        let colons = matches!((&list.get(j), &list.get(j + 1)),
                            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                        match (colons, list.get(j + 2)) {
                            (true, Some(TokenTree::Ident(next))) => {
                                segments.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    if segments.len() > 1 {
                        self.resolve(&segments, line);
                    }
                    i = j.max(i + 1);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_use(&mut self, node: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &node.tree);
    }

    fn visit_path(&mut self, node: &'ast syn::Path) {
        let segments: Vec<String> = node.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = node.segments.first() {
            self.resolve(&segments, first.ident.span().start().line);
        }
        syn::visit::visit_path(self, node);
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        self.tokens(node.tokens.clone());
        syn::visit::visit_macro(self, node);
    }

    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        if node.content.is_some() {
            self.here.push(node.ident.to_string());
            syn::visit::visit_item_mod(self, node);
            self.here.pop();
        }
    }
}

/// The top-level modules `lib.rs` declares, and the names it re-exports with their modules.
fn crate_root(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let file = syn::parse_file(lib).expect("src/lib.rs parses");
    let mut modules = BTreeSet::new();
    let mut root = BTreeMap::new();
    for item in &file.items {
        match item {
            syn::Item::Mod(m) => {
                modules.insert(m.ident.to_string());
            }
            syn::Item::Use(u) => {
                let mut names = Vec::new();
                leaves(&u.tree, &mut Vec::new(), &mut names);
                for (first, name) in names {
                    root.insert(name, first);
                }
            }
            _ => {}
        }
    }
    (modules, root)
}

/// (first segment, last name) of every leaf of a use tree.
fn leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            if let Some(first) = prefix.first() {
                out.push((first.clone(), n.ident.to_string()));
            }
        }
        syn::UseTree::Rename(r) => {
            if let Some(first) = prefix.first() {
                out.push((first.clone(), r.rename.to_string()));
            }
        }
        syn::UseTree::Glob(_) => {}
        syn::UseTree::Group(g) => {
            for t in &g.items {
                leaves(t, prefix, out);
            }
        }
    }
}

/// The module path of a source file: `src/scenario/validate/mod.rs` → `scenario::validate`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" {
        parts.push(stem);
    }
    parts
}

/// Every use of one top-level module by another in the crate at `src`.
fn edges(src: &Path) -> (BTreeSet<String>, Vec<Edge>) {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let (modules, root) = crate_root(&lib);
    let files = common::rust_files(src);
    let mut out = Vec::new();
    for file in files {
        let here = module_path(src, &file);
        let Some(from) = here.first().cloned() else { continue };
        if !modules.contains(&from) {
            continue; // lib.rs, main.rs
        }
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut c = Collector { here, root: &root, modules: &modules, found: Vec::new() };
        c.visit_file(&parsed);
        for (to, line) in c.found {
            if to != from {
                out.push(Edge { from: from.clone(), to, file: file.display().to_string(), line });
            }
        }
    }
    out.sort();
    out.dedup();
    (modules, out)
}

/// The edges that go against `order`, and the modules `order` does not place.
fn against(order: &[&str], modules: &BTreeSet<String>, edges: &[Edge]) -> (Vec<Edge>, Vec<String>) {
    let rank: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let unplaced = modules.iter().filter(|m| !rank.contains_key(m.as_str())).cloned().collect();
    let bad = edges
        .iter()
        .filter(|e| match (rank.get(e.from.as_str()), rank.get(e.to.as_str())) {
            (Some(f), Some(t)) => t >= f,
            _ => false,
        })
        .cloned()
        .collect();
    (bad, unplaced)
}

/// A cycle among `edges`, if there is one, as the modules around it.
fn cycle(edges: &[Edge]) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        next.entry(e.from.as_str()).or_default().insert(e.to.as_str());
    }
    // Depth-first search with an explicit path; 0 unvisited, 1 on the path, 2 done.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn dfs<'a>(
        at: &'a str,
        next: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(at, 1);
        path.push(at);
        for &to in next.get(at).into_iter().flatten() {
            match state.get(to).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|m| *m == to).expect("on the path");
                    let mut c: Vec<String> = path[start..].iter().map(|m| m.to_string()).collect();
                    c.push(to.to_string());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = dfs(to, next, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(at, 2);
        None
    }
    let starts: Vec<&str> = next.keys().copied().collect();
    for m in starts {
        if state.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = dfs(m, &next, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn report(bad: &[Edge]) -> String {
    bad.iter().map(|e| format!("  {} uses {} at {}:{}\n", e.from, e.to, e.file, e.line)).collect()
}

#[test]
fn the_top_level_modules_form_a_dag_in_the_flows_order() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, edges) = edges(&src);
    assert!(edges.len() > 20, "the checker found only {} edges: it is not reading the sources", edges.len());
    let (bad, unplaced) = against(ORDER, &modules, &edges);
    assert!(unplaced.is_empty(), "modules missing from ORDER in tests/module_graph.rs: {unplaced:?}");
    assert!(
        bad.is_empty(),
        "{} uses go against the flow ({}); cycle: {:?}\n{}",
        bad.len(),
        ORDER.join(" → "),
        cycle(&edges),
        report(&bad)
    );
    assert_eq!(cycle(&edges), None);
    // The graph, for docs/ARCHITECTURE.md (`cargo test --test module_graph -- --nocapture`).
    for m in ORDER {
        let uses: BTreeSet<&str> = edges.iter().filter(|e| e.from == *m).map(|e| e.to.as_str()).collect();
        let mut uses: Vec<&str> = uses.into_iter().collect();
        uses.sort_by_key(|u| ORDER.iter().position(|o| o == u));
        println!("{m:<9} → {}", uses.join(", "));
    }
}

/// The checker itself: a small crate on disk with a circle through `super::super`, a `use`
/// group, a macro argument and a root re-export; each is found, and the circle is named.
#[test]
fn the_checker_finds_each_kind_of_path_and_names_the_circle() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("folders");
        std::fs::write(p, text).expect("a file");
    };
    write("lib.rs", "pub mod a; pub mod b; pub mod c; pub mod d;\npub use d::Thing;\n");
    write("a.rs", "pub fn f() {}\n");
    write("b/mod.rs", "pub mod inner;\n");
    write("b/inner/mod.rs", "use super::super::a::f;\nuse crate::{c::g, a};\n");
    write("c.rs", "pub fn g() { println!(\"{}\", crate::b::inner::h()); }\nfn k() -> crate::Thing { todo() }\n");
    write("d.rs", "pub struct Thing;\nfn t() -> crate::Thing { Thing }\nmod tests { use super::super::a; }\n");
    let (modules, found) = edges(src);
    let pairs: BTreeSet<(String, String)> = found.iter().map(|e| (e.from.clone(), e.to.clone())).collect();
    let want: BTreeSet<(String, String)> = [("b", "a"), ("b", "c"), ("c", "b"), ("c", "d"), ("d", "a")]
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    assert_eq!(pairs, want, "{found:?}");
    let c = cycle(&found).expect("b and c form a circle");
    assert!(c.contains(&"b".to_string()) && c.contains(&"c".to_string()), "{c:?}");
    let (bad, unplaced) = against(&["a", "b", "c"], &modules, &found);
    assert_eq!(unplaced, vec!["d".to_string()]);
    assert_eq!(bad.len(), 1, "c → b is allowed, b → c is against the order: {bad:?}");
    assert_eq!((bad[0].from.as_str(), bad[0].to.as_str(), bad[0].line), ("b", "c", 2));
}
