//! The modules of a crate and the imports between them, read from its source, to find import
//! cycles: a module that imports from a module that (directly or through others) imports it.
//!
//! Dependencies inside a crate should point one way: a newcomer reads a crate from its leaves
//! up, and a cycle means neither module can be read, tested or moved out without the other.
//! The compiler allows cycles, so `tests/tests/modules.rs` runs this over every workspace crate.
//!
//! This is a scanner, not a parser: comments, literals and `#[cfg(test)]` modules are removed,
//! the rest is split into tokens, and every path that starts at `crate::`, `super::`, `self::`
//! or the name of one of the module's own children is resolved to the longest prefix that is a
//! known module. A module's nodes are its files: an inline module (`pub mod keys { .. }`) is
//! part of the file that holds it, as a reader sees it. Loops and explicit stacks throughout:
//! source text is input, and no recursion depth may depend on it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// How the crate root is named in reports.
pub const ROOT: &str = "crate";

/// A guard against a tree that never ends (a directory symlinked into itself).
const MAX_MODULES: usize = 10_000;

/// One crate's file modules and the imports between them.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    /// Module names (`crate`, `store`, `store::read`), in the order they were found.
    pub modules: Vec<String>,
    /// Importer and imported module, each with the first path (as written) that made the edge.
    pub edges: BTreeMap<(String, String), String>,
}

impl ModuleGraph {
    /// Walks the crate whose root file (`src/lib.rs`) is `crate_root`.
    pub fn load(crate_root: &Path) -> Result<ModuleGraph, String> {
        let tree = ModuleTree::discover(crate_root)?;
        let mut edges = BTreeMap::new();
        for (from, file) in tree.files.iter().enumerate() {
            for (to, via) in references(&tree, from, &file.tokens) {
                edges
                    .entry((tree.files[from].name(), tree.files[to].name()))
                    .or_insert(via);
            }
        }
        Ok(ModuleGraph {
            modules: tree.files.iter().map(FileModule::name).collect(),
            edges,
        })
    }

    /// Every set of modules that import each other in a circle (strongly connected components
    /// of more than one module), each sorted, in sorted order.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let index: BTreeMap<&str, usize> = self
            .modules
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .collect();
        let mut adjacency = vec![Vec::new(); self.modules.len()];
        for (from, to) in self.edges.keys() {
            if let (Some(&f), Some(&t)) = (index.get(from.as_str()), index.get(to.as_str())) {
                adjacency[f].push(t);
            }
        }
        let mut cycles: Vec<Vec<String>> = strongly_connected(&adjacency)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let mut names: Vec<String> =
                    component.iter().map(|&i| self.modules[i].clone()).collect();
                names.sort();
                names
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// The edges between members of `modules` as `(from, to, path that made it)`: what to read
    /// to break a cycle.
    pub fn edges_among(&self, modules: &[String]) -> Vec<(String, String, String)> {
        let members: BTreeSet<&str> = modules.iter().map(String::as_str).collect();
        self.edges
            .iter()
            .filter(|((from, to), _)| {
                members.contains(from.as_str()) && members.contains(to.as_str())
            })
            .map(|((from, to), via)| (from.clone(), to.clone(), via.clone()))
            .collect()
    }
}

/// The import cycles of the crate whose root file is `crate_root`.
pub fn module_cycles(crate_root: &Path) -> Result<Vec<Vec<String>>, String> {
    Ok(ModuleGraph::load(crate_root)?.cycles())
}

/// The imports between the crate's modules, `(from, to)` with the path that made each.
pub fn module_edges(crate_root: &Path) -> Result<BTreeMap<(String, String), String>, String> {
    Ok(ModuleGraph::load(crate_root)?.edges)
}

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword; a raw identifier keeps its `r#`, so it never reads as a keyword.
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A number (strings and characters are gone before tokenizing).
    Number,
}

impl Tok {
    fn is_ident(&self, word: &str) -> bool {
        matches!(self, Tok::Ident(s) if s == word)
    }

    fn is_punct(&self, c: char) -> bool {
        *self == Tok::Punct(c)
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `name` without the `r#` of a raw identifier.
fn plain(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// The source with comments (`//`, `//!`, `///`, nested `/* */`) and string, byte, raw-string
/// and character literals each replaced by a space: none of them can import anything, and a
/// path in a doc example or a message must not look like one.
pub fn strip_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 1;
            i += 2;
            while i < chars.len() && depth > 0 {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == '"' {
            i = skip_string(&chars, i);
            out.push(' ');
        } else if c == '\'' {
            match char_literal_end(&chars, i) {
                Some(end) => {
                    i = end;
                    out.push(' ');
                }
                // A lifetime or a label: its name is harmless.
                None => {
                    out.push(' ');
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            // Read whole so that a suffix (`1u8`, `0b1`) never starts an identifier.
            while i < chars.len() && is_ident_continue(chars[i]) {
                out.push(chars[i]);
                i += 1;
            }
        } else if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident_continue(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = at(i);
            let raw_string = matches!(word.as_str(), "r" | "br" | "cr") && {
                let mut j = i;
                while at(j) == '#' {
                    j += 1;
                }
                at(j) == '"'
            };
            if raw_string {
                i = skip_raw_string(&chars, i);
                out.push(' ');
            } else if matches!(word.as_str(), "b" | "c") && next == '"' {
                i = skip_string(&chars, i);
                out.push(' ');
            } else if word == "b" && next == '\'' {
                i = char_literal_end(&chars, i).unwrap_or(i + 1);
                out.push(' ');
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The index after the string literal whose opening quote is at `open`.
fn skip_string(chars: &[char], open: usize) -> usize {
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// The index after the raw string whose hashes (or opening quote) start at `from`.
fn skip_raw_string(chars: &[char], from: usize) -> usize {
    let mut hashes = 0;
    let mut i = from;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    i += 1; // the opening quote
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    chars.len()
}

/// The index after the character literal opening at `open`, or `None` for a lifetime.
fn char_literal_end(chars: &[char], open: usize) -> Option<usize> {
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    if at(open + 1) == '\\' {
        // `'\''`, `'\n'`, `'\u{1F600}'`: the escaped character, then up to the closing quote.
        let mut i = open + 3;
        while i < chars.len() && chars[i] != '\'' {
            i += 1;
        }
        Some(i + 1)
    } else if at(open + 2) == '\'' {
        Some(open + 3)
    } else {
        None
    }
}

/// Identifiers, `::`, numbers and single punctuation of text already stripped.
fn tokenize(clean: &str) -> Vec<Tok> {
    let chars: Vec<char> = clean.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident_continue(chars[i]) {
                i += 1;
            }
            tokens.push(Tok::Number);
        } else if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident_continue(chars[i]) {
                i += 1;
            }
            let mut word: String = chars[start..i].iter().collect();
            if word == "r" && at(i) == '#' && is_ident_start(at(i + 1)) {
                let name_start = i + 1;
                i += 1;
                while i < chars.len() && is_ident_continue(chars[i]) {
                    i += 1;
                }
                word = format!("r#{}", chars[name_start..i].iter().collect::<String>());
            }
            tokens.push(Tok::Ident(word));
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push(Tok::PathSep);
            i += 2;
        } else {
            tokens.push(Tok::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// The index of the bracket closing the one at `open` (`open_c` … `close_c`), or the end.
fn matching(tokens: &[Tok], open: usize, open_c: char, close_c: char) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < tokens.len() {
        if tokens[i].is_punct(open_c) {
            depth += 1;
        } else if tokens[i].is_punct(close_c) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
        i += 1;
    }
    tokens.len()
}

/// The tokens without modules that exist only in tests: `#[cfg(test)] mod x;` declarations and
/// whole `#[cfg(test)] mod tests { .. }` blocks. Their imports (`use super::*`) are no
/// dependency of the crate.
fn without_test_modules(tokens: Vec<Tok>) -> Vec<Tok> {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let matches_cfg_test = |i: usize| {
        CFG_TEST
            .iter()
            .enumerate()
            .all(|(k, want)| match tokens.get(i + k) {
                Some(Tok::Ident(s)) => s == want,
                Some(Tok::Punct(c)) => want.len() == 1 && want.starts_with(*c),
                _ => false,
            })
    };
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if matches_cfg_test(i) {
            let mut j = i + CFG_TEST.len();
            // Further attributes, then a visibility.
            while tokens.get(j).is_some_and(|t| t.is_punct('#'))
                && tokens.get(j + 1).is_some_and(|t| t.is_punct('['))
            {
                j = matching(&tokens, j + 1, '[', ']') + 1;
            }
            if tokens.get(j).is_some_and(|t| t.is_ident("pub")) {
                j += 1;
                if tokens.get(j).is_some_and(|t| t.is_punct('(')) {
                    j = matching(&tokens, j, '(', ')') + 1;
                }
            }
            if tokens.get(j).is_some_and(|t| t.is_ident("mod"))
                && matches!(tokens.get(j + 1), Some(Tok::Ident(_)))
            {
                match tokens.get(j + 2) {
                    Some(Tok::Punct(';')) => {
                        i = j + 3;
                        continue;
                    }
                    Some(Tok::Punct('{')) => {
                        i = matching(&tokens, j + 2, '{', '}') + 1;
                        continue;
                    }
                    _ => {}
                }
            }
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    kept
}

/// The tokens of one source file, ready to scan.
fn scan_tokens(source: &str) -> Vec<Tok> {
    without_test_modules(tokenize(&strip_comments_and_literals(source)))
}

// ---------------------------------------------------------------- the module tree

#[derive(Debug)]
struct FileModule {
    /// From the crate root: `["store", "read"]`; empty for the root.
    path: Vec<String>,
    file: PathBuf,
    /// Where the files of its `mod x;` children are.
    children_dir: PathBuf,
    tokens: Vec<Tok>,
}

impl FileModule {
    fn name(&self) -> String {
        module_name(&self.path)
    }
}

fn module_name(path: &[String]) -> String {
    if path.is_empty() {
        ROOT.to_string()
    } else {
        path.join("::")
    }
}

#[derive(Debug)]
struct ModuleTree {
    files: Vec<FileModule>,
    /// Every module, file or inline, by path, with the index of the file that holds it.
    known: BTreeMap<Vec<String>, usize>,
}

/// A `mod` item found in a file: the inline modules around it, its name, and whether its body
/// is in another file.
#[derive(Debug)]
struct Declaration {
    within: Vec<String>,
    name: String,
    in_own_file: bool,
}

/// Walks the tokens of one file, keeping track of the inline modules (`mod x { .. }`) that
/// enclose the current token.
#[derive(Debug, Default)]
struct InlineModules {
    depth: usize,
    /// Name of each open inline module and the brace depth its block closes back to.
    open: Vec<(String, usize)>,
}

impl InlineModules {
    /// Follows brace depth at token `i`; returns the module declared there, if any.
    fn step(&mut self, tokens: &[Tok], i: usize) -> Option<Declaration> {
        match &tokens[i] {
            Tok::Punct('{') => self.depth += 1,
            Tok::Punct('}') => {
                self.depth = self.depth.saturating_sub(1);
                if self.open.last().is_some_and(|(_, d)| *d == self.depth) {
                    self.open.pop();
                }
            }
            Tok::Ident(word) if word == "mod" => {
                let Some(Tok::Ident(name)) = tokens.get(i + 1) else {
                    return None;
                };
                let in_own_file = match tokens.get(i + 2) {
                    Some(Tok::Punct(';')) => true,
                    Some(Tok::Punct('{')) => false,
                    _ => return None,
                };
                let declaration = Declaration {
                    within: self.names(),
                    name: plain(name).to_string(),
                    in_own_file,
                };
                if !in_own_file {
                    self.open.push((declaration.name.clone(), self.depth));
                }
                return Some(declaration);
            }
            _ => {}
        }
        None
    }

    fn names(&self) -> Vec<String> {
        self.open.iter().map(|(name, _)| name.clone()).collect()
    }
}

impl ModuleTree {
    /// Every module reachable from the root by `mod` items, with each file's tokens.
    fn discover(crate_root: &Path) -> Result<ModuleTree, String> {
        let root_dir = crate_root
            .parent()
            .ok_or_else(|| format!("{} has no directory", crate_root.display()))?;
        let mut files = vec![FileModule {
            path: Vec::new(),
            file: crate_root.to_path_buf(),
            children_dir: root_dir.to_path_buf(),
            tokens: Vec::new(),
        }];
        let mut known = BTreeMap::from([(Vec::new(), 0)]);
        // `files` is the work list: each file is read once, in the order it was found.
        let mut next = 0;
        while next < files.len() {
            let source = fs::read_to_string(&files[next].file)
                .map_err(|e| format!("{}: {e}", files[next].file.display()))?;
            let tokens = scan_tokens(&source);
            let mut inline = InlineModules::default();
            for i in 0..tokens.len() {
                let Some(declaration) = inline.step(&tokens, i) else {
                    continue;
                };
                let mut path = files[next].path.clone();
                path.extend(declaration.within.iter().cloned());
                path.push(declaration.name.clone());
                if known.contains_key(&path) {
                    // The same module under different `cfg`s: one is enough.
                    continue;
                }
                if !declaration.in_own_file {
                    known.insert(path, next);
                    continue;
                }
                let mut dir = files[next].children_dir.clone();
                dir.extend(&declaration.within);
                let flat = dir.join(format!("{}.rs", declaration.name));
                let nested = dir.join(&declaration.name).join("mod.rs");
                let file = if flat.is_file() {
                    flat
                } else if nested.is_file() {
                    nested
                } else {
                    return Err(format!(
                        "{}: `mod {};` has neither {} nor {}",
                        files[next].file.display(),
                        declaration.name,
                        flat.display(),
                        nested.display()
                    ));
                };
                if files.len() >= MAX_MODULES {
                    return Err(format!(
                        "more than {MAX_MODULES} modules under {}",
                        crate_root.display()
                    ));
                }
                known.insert(path.clone(), files.len());
                files.push(FileModule {
                    path,
                    file,
                    children_dir: dir.join(&declaration.name),
                    tokens: Vec::new(),
                });
            }
            files[next].tokens = tokens;
            next += 1;
        }
        Ok(ModuleTree { files, known })
    }

    /// The file holding the longest known module that `path` starts with.
    fn owner(&self, path: &[String]) -> Option<usize> {
        (0..=path.len())
            .rev()
            .find_map(|k| self.known.get(&path[..k]).copied())
    }

    fn is_child(&self, module: &[String], name: &str) -> bool {
        let mut path = module.to_vec();
        path.push(plain(name).to_string());
        self.known.contains_key(&path)
    }
}

// ---------------------------------------------------------------- references

/// The files that the file `from` imports from, each with the first path that did.
fn references(tree: &ModuleTree, from: usize, tokens: &[Tok]) -> Vec<(usize, String)> {
    let base = &tree.files[from].path;
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut note = |lexical: &[String], segments: &[String]| {
        if let Some(to) = resolve(tree, lexical, segments)
            && to != from
            && !found.iter().any(|(t, _)| *t == to)
        {
            found.push((to, segments.join("::")));
        }
    };
    let mut inline = InlineModules::default();
    let mut i = 0;
    while i < tokens.len() {
        let lexical = || {
            let mut lexical = base.clone();
            lexical.extend(inline.names());
            lexical
        };
        let previous = i.checked_sub(1).map(|p| &tokens[p]);
        let after_path_sep = previous == Some(&Tok::PathSep);
        if tokens[i].is_ident("use")
            && !after_path_sep
            && let Some((paths, end)) = use_tree(tokens, i + 1)
        {
            let lexical = lexical();
            for segments in &paths {
                note(&lexical, segments);
            }
            i = end;
            continue;
        }
        if let Tok::Ident(word) = &tokens[i]
            && tokens.get(i + 1) == Some(&Tok::PathSep)
            && !after_path_sep
            && !after_field_dot(tokens, i)
            && !in_visibility(tokens, i)
            && (matches!(word.as_str(), "crate" | "super" | "self")
                || tree.is_child(&lexical(), word))
        {
            let (segments, end) = code_path(tokens, i);
            note(&lexical(), &segments);
            i = end;
            continue;
        }
        inline.step(tokens, i);
        i += 1;
    }
    found
}

/// Whether token `i` follows a single `.` (a field or method), not a range's `..`.
fn after_field_dot(tokens: &[Tok], i: usize) -> bool {
    i >= 1 && tokens[i - 1].is_punct('.') && !(i >= 2 && tokens[i - 2].is_punct('.'))
}

/// Whether token `i` starts the path of `pub(in path)`: it restricts who may see an item and
/// imports nothing.
fn in_visibility(tokens: &[Tok], i: usize) -> bool {
    i >= 3
        && tokens[i - 1].is_ident("in")
        && tokens[i - 2].is_punct('(')
        && tokens[i - 3].is_ident("pub")
}

/// The path starting at token `start` in code (`crate::a::f`), and the index after it.
fn code_path(tokens: &[Tok], start: usize) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    let mut i = start;
    while let Some(Tok::Ident(word)) = tokens.get(i) {
        segments.push(word.clone());
        if tokens.get(i + 1) == Some(&Tok::PathSep)
            && matches!(tokens.get(i + 2), Some(Tok::Ident(_)))
        {
            i += 2;
        } else {
            i += 1;
            break;
        }
    }
    (segments, i)
}

/// Every full path of the use tree after `use` (`crate::{a::{b, c}, d}` is `crate::a::b`,
/// `crate::a::c`, `crate::d`) and the index after its `;`; `None` when what follows is not a
/// use tree (a `use<'a>` bound, a macro's pattern).
fn use_tree(tokens: &[Tok], start: usize) -> Option<(Vec<Vec<String>>, usize)> {
    let mut paths = Vec::new();
    let mut current: Vec<String> = Vec::new();
    // The length `current` had at each open brace: the prefix its branches share.
    let mut groups: Vec<usize> = Vec::new();
    // After a closing brace the group's prefix is no path of its own.
    let mut closed = false;
    let mut i = start;
    while i < tokens.len() {
        let shared = groups.last().copied().unwrap_or(0);
        match &tokens[i] {
            Tok::Ident(word) if word == "as" => i += 1, // the new name imports nothing
            Tok::Ident(word) => {
                current.push(word.clone());
                closed = false;
            }
            Tok::Punct('*') => {
                current.push("*".to_string());
                closed = false;
            }
            Tok::PathSep => {
                if current.len() == shared {
                    // `::std`: an external crate.
                    current.push("::".to_string());
                }
            }
            Tok::Punct('{') => groups.push(current.len()),
            Tok::Punct(',') => {
                if current.len() > shared && !closed {
                    paths.push(current.clone());
                }
                current.truncate(shared);
                closed = false;
            }
            Tok::Punct('}') => {
                if current.len() > shared && !closed {
                    paths.push(current.clone());
                }
                groups.pop()?;
                current.truncate(shared);
                closed = true;
            }
            Tok::Punct(';') => {
                if !groups.is_empty() {
                    return None;
                }
                if !current.is_empty() && !closed {
                    paths.push(current);
                }
                return Some((paths, i + 1));
            }
            _ => return None,
        }
        i += 1;
    }
    None
}

/// The file that `segments`, written inside module `lexical`, points into; `None` for a path
/// outside the crate (another crate, `std`) or one that climbs above the root.
fn resolve(tree: &ModuleTree, lexical: &[String], segments: &[String]) -> Option<usize> {
    let first = segments.first()?;
    let (mut full, rest) = match first.as_str() {
        "crate" => (Vec::new(), &segments[1..]),
        "self" => (lexical.to_vec(), &segments[1..]),
        "super" => {
            let mut full = lexical.to_vec();
            let mut k = 0;
            while segments.get(k).is_some_and(|s| s == "super") {
                full.pop()?;
                k += 1;
            }
            (full, &segments[k..])
        }
        name if tree.is_child(lexical, name) => (lexical.to_vec(), segments),
        _ => return None,
    };
    // `use a::{self}` and `use a::*` both name `a` itself.
    full.extend(
        rest.iter()
            .filter(|s| *s != "self" && *s != "*")
            .map(|s| plain(s).to_string()),
    );
    tree.owner(&full)
}

// ---------------------------------------------------------------- components

/// Tarjan's strongly connected components, with an explicit stack of frames in place of the
/// recursive visit.
fn strongly_connected(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adjacency.len();
    let mut index: Vec<Option<usize>> = vec![None; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut components = Vec::new();
    for start in 0..n {
        if index[start].is_some() {
            continue;
        }
        // Each frame: a node and the position of the next edge to follow from it.
        let mut frames = vec![(start, 0usize)];
        index[start] = Some(next_index);
        low[start] = next_index;
        next_index += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(frame) = frames.last_mut() {
            let v = frame.0;
            if let Some(&w) = adjacency[v].get(frame.1) {
                frame.1 += 1;
                match index[w] {
                    None => {
                        index[w] = Some(next_index);
                        low[w] = next_index;
                        next_index += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        frames.push((w, 0));
                    }
                    Some(iw) if on_stack[w] => low[v] = low[v].min(iw),
                    Some(_) => {}
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if Some(low[v]) == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate in a temporary directory from `(path under src/, source)` pairs.
    fn synthetic(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        for (path, source) in files {
            let file = dir.path().join("src").join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(&file, source).unwrap();
        }
        let root = dir.path().join("src/lib.rs");
        (dir, root)
    }

    fn graph(files: &[(&str, &str)]) -> ModuleGraph {
        let (_dir, root) = synthetic(files);
        ModuleGraph::load(&root).unwrap()
    }

    fn edge(graph: &ModuleGraph, from: &str, to: &str) -> bool {
        graph
            .edges
            .contains_key(&(from.to_string(), to.to_string()))
    }

    #[test]
    fn a_parent_re_exporting_a_child_that_uses_it_is_a_cycle() {
        let graph = graph(&[
            ("lib.rs", "pub mod store;"),
            (
                "store/mod.rs",
                "mod read;\npub use read::View;\npub struct Store;",
            ),
            (
                "store/read.rs",
                "use super::Store;\npub struct View(Store);",
            ),
        ]);
        assert!(edge(&graph, "store", "store::read"));
        assert!(edge(&graph, "store::read", "store"));
        assert_eq!(graph.cycles(), vec![vec!["store", "store::read"]]);
        assert_eq!(
            graph.edges_among(&graph.cycles()[0]),
            [
                ("store", "store::read", "read::View"),
                ("store::read", "store", "super::Store"),
            ]
            .map(|(from, to, via)| (from.to_string(), to.to_string(), via.to_string()))
        );
    }

    #[test]
    fn three_siblings_through_super_are_one_cycle() {
        let (_dir, root) = synthetic(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;"),
            ("a.rs", "use super::b::B;\npub struct A;"),
            ("b.rs", "pub struct B;\nfn f() { super::c::g(); }"),
            (
                "c.rs",
                "pub fn g() {}\nfn h() -> super::a::A { super::a::A }",
            ),
        ]);
        assert_eq!(module_cycles(&root).unwrap(), vec![vec!["a", "b", "c"]]);
    }

    #[test]
    fn brace_imports_from_the_crate_root_are_expanded() {
        let graph = graph(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod x;"),
            ("a.rs", "pub fn f() {}"),
            ("b.rs", "pub mod c;"),
            ("b/c.rs", "pub struct C;"),
            ("x.rs", "use crate::{a, b::c::{self as cc, C}};"),
        ]);
        assert!(edge(&graph, "x", "a"));
        assert!(edge(&graph, "x", "b::c"));
        assert!(!edge(&graph, "x", "b"));
        assert!(!edge(&graph, "x", ROOT));
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn declaring_a_child_is_no_import() {
        let graph = graph(&[
            ("lib.rs", "pub mod store;"),
            ("store.rs", "mod schema;\npub struct Store;"),
            (
                "store/schema.rs",
                "use super::Store;\nfn f() { crate::store::Store; }",
            ),
        ]);
        assert!(edge(&graph, "store::schema", "store"));
        assert!(!edge(&graph, "store", "store::schema"));
        assert!(!edge(&graph, ROOT, "store"));
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn a_child_named_in_code_is_an_import_but_not_after_a_dot_or_path() {
        let graph = graph(&[
            ("lib.rs", "mod store;"),
            (
                "store/mod.rs",
                "mod schema;\nmod read;\nmod sync;\n\
                 fn open(x: X) { schema::upgrade(); x.read::<u8>(); std::sync::Arc::new(0); }",
            ),
            ("store/schema.rs", "pub fn upgrade() {}"),
            ("store/read.rs", ""),
            ("store/sync.rs", ""),
        ]);
        assert!(edge(&graph, "store", "store::schema"));
        assert!(!edge(&graph, "store", "store::read"));
        assert!(!edge(&graph, "store", "store::sync"));
    }

    #[test]
    fn test_modules_comments_and_literals_import_nothing() {
        let graph = graph(&[
            (
                "lib.rs",
                "pub mod a;\npub use a::A;\n#[cfg(test)]\nmod test_support;",
            ),
            (
                "a.rs",
                r####"//! See [`crate::B`] and `super::B`.
/// `use crate::B;`
pub struct A; // crate::B
/* crate::B /* nested */ crate::B */
const S: &str = "crate::B \" crate::B";
const R: &str = r#"crate::B " crate::B"#;
const C: char = '"'; const Q: char = '\''; fn l<'a>(x: &'a str) -> &'a str { x }
#[cfg(test)]
mod tests {
    use super::*;
    use crate::B;
    fn f() { crate::B; }
}
"####,
            ),
        ]);
        // `test_support.rs` does not exist: a declaration under `cfg(test)` is not followed.
        assert_eq!(graph.modules, vec![ROOT, "a"]);
        assert!(edge(&graph, ROOT, "a"));
        assert!(!edge(&graph, "a", ROOT));
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn an_inline_module_belongs_to_its_file_and_its_super_is_the_file() {
        let graph = graph(&[
            ("lib.rs", "pub mod wire;\npub mod view;\npub use view::V;"),
            ("wire.rs", "pub struct W;\npub mod codes { use super::W; }"),
            (
                "view.rs",
                "pub struct V;\nmod inner { pub mod deep; }\nfn f() { crate::wire::codes::X; }",
            ),
            ("view/inner/deep.rs", "use super::super::V;"),
        ]);
        assert!(graph.modules.contains(&"view::inner::deep".to_string()));
        assert!(edge(&graph, "view", "wire"));
        assert!(edge(&graph, "view::inner::deep", "view"));
        // `super` inside `wire::codes` is `wire`, not the root.
        assert!(!edge(&graph, "wire", ROOT));
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn an_item_of_the_root_resolves_to_the_root() {
        let graph = graph(&[
            (
                "lib.rs",
                "mod error;\npub use error::Error;\npub struct Config;",
            ),
            ("error.rs", "pub struct Error(crate::Config);"),
        ]);
        assert_eq!(graph.cycles(), vec![vec![ROOT, "error"]]);
    }

    #[test]
    fn visibility_paths_and_extern_paths_import_nothing() {
        let graph = graph(&[
            ("lib.rs", "pub mod a;\npub use a::b::B;"),
            ("a.rs", "pub mod b;"),
            (
                "a/b.rs",
                "pub(in crate::a) struct B;\nuse ::a::X;\nuse std::{sync::Arc};",
            ),
        ]);
        assert!(!edge(&graph, "a::b", "a"));
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn a_missing_module_file_is_an_error() {
        let (_dir, root) = synthetic(&[("lib.rs", "mod gone;")]);
        let error = module_cycles(&root).unwrap_err();
        assert!(error.contains("mod gone;"), "{error}");
    }

    #[test]
    fn components_are_found_without_recursion_on_a_long_chain() {
        // 0 → 1 → … → n-1 → 0: a recursive visit this deep would overflow the test's stack.
        let n = 200_000;
        let adjacency: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let components = strongly_connected(&adjacency);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }
}
