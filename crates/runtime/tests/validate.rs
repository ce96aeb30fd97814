//! Structural validation on small configurations, beyond Alloy's goldens:
//! scopes of modules and foreach templates, custom components, services, and
//! where a component registry plugs in.

use runtime::validate::{Checked, Options, Parsed, Schemas, Structural, validate};
use std::cell::RefCell;
use syntax::ast::{BlockStmt, Stmt};
use syntax::diag::{Diagnostics, Severity, SpanError};
use syntax::pos::{SourceFile, Span};
use syntax::stability::Stability;

fn parse(files: &[(&str, &str)]) -> Vec<Parsed> {
    runtime::controller::source::parse(
        files
            .iter()
            .map(|(name, text)| SourceFile::new(*name, *text))
            .collect(),
    )
}

/// `E file:line:col-line:col: message` per diagnostic.
fn lines(diags: &Diagnostics) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            let s = match d.severity {
                Severity::Error => 'E',
                Severity::Warning => 'W',
            };
            let end = if d.end.is_valid() {
                format!("-{}:{}", d.end.line, d.end.column)
            } else {
                String::new()
            };
            format!("{s} {}{end}: {}", d.start, d.message)
        })
        .collect()
}

fn check_with(files: &[(&str, &str)], schemas: &dyn Schemas) -> Vec<String> {
    let options = Options {
        min_stability: Stability::Experimental,
        schemas,
    };
    lines(&validate(&parse(files), &options))
}

fn check(text: &str) -> Vec<String> {
    check_with(&[("main.alloy", text)], &Structural)
}

#[test]
fn a_valid_configuration_has_no_diagnostics() {
    let text = r#"
local.file "a" { filename = "/x" }
local.file "b" { filename = local.file.a.content + string.to_upper(sys.env("X")) }
declare "pipe" {
    argument "in" { optional = false }
    export "out" { value = argument.in.value }
}
pipe "one" { in = local.file.b.content }
"#;
    assert_eq!(check(text), Vec::<String>::new());
}

#[test]
fn syntax_errors_and_top_level_attributes_come_alone_in_file_order() {
    let files = [
        ("b.alloy", "x = 1\ny = 2\n"),
        ("a.alloy", "local.file \"a\" {\n"),
        ("c.alloy", "logging \"x\" { }\nz = 3\n"),
    ];
    let got = check_with(&files, &Structural);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].starts_with("E a.alloy:2:1"), "{got:?}");
    assert_eq!(got[1], "E b.alloy:1:1-1:1: unrecognized attribute x");
    assert_eq!(got[2], "E c.alloy:2:1-2:1: unrecognized attribute z");
}

#[test]
fn argument_is_in_scope_everywhere_once_a_module_declares_one() {
    let root_only = "local.file \"a\" { filename = argument.x.value }\n";
    assert_eq!(
        check(root_only),
        [
            "E main.alloy:1:29-1:44: component \"argument.x.value\" does not exist or is out of scope"
        ]
    );
    // Alloy's validator shares one scope between the root and its modules.
    let with_declare = format!("{root_only}declare \"m\" {{ }}\n");
    assert_eq!(check(&with_declare), Vec::<String>::new());
}

#[test]
fn foreach_templates_see_outside_but_not_the_reverse() {
    let text = r#"
local.file "outer" { filename = "/x" }
foreach "f" {
    collection = [local.file.outer.content]
    var = "item"
    template {
        local.file "inner" { filename = item + local.file.outer.content }
        local.file "next" { filename = local.file.inner.content }
    }
}
local.file "after" { filename = local.file.inner.content }
"#;
    assert_eq!(
        check(text),
        [
            "E main.alloy:11:33-11:56: component \"local.file.inner.content\" does not exist or is out of scope"
        ]
    );
}

#[test]
fn blocks_out_of_place() {
    let text = r#"
declare "m" {
    logging { }
    http { }
    attr = 1
}
foreach "f" {
    collection = []
    var = "v"
    template {
        tracing { }
    }
}
foreach "g" {
    collection = []
    var = "v"
}
ui { }
export "e" { value = 1 }
import.file { filename = "x" }
"#;
    assert_eq!(
        check(text),
        [
            "E main.alloy:5:5-5:12: unsupported statement type *ast.AttributeStmt",
            "E main.alloy:3:5-3:11: logging not allowed in module",
            "E main.alloy:4:5-4:8: http not allowed in module",
            "E main.alloy:11:9-11:15: tracing not allowed in foreach",
            "E main.alloy:14:1-17:1: missing required block \"template\"",
            "E main.alloy:19:1-19:24: export blocks only allowed inside a module",
            "E main.alloy:20:1-20:11: import.file block must have a label",
            "E main.alloy:18:1-18:6: service \"ui\" does not support being configured",
        ]
    );
}

#[test]
fn custom_component_arguments() {
    let text = r#"
declare "m" {
    argument "need" { }
    argument "maybe" { optional = true }
}
m "a" {
    maybe = 1
    maybe = 2
    other = 3
    block { }
}
m "b" { need = 1 }
"#;
    assert_eq!(
        check(text),
        [
            "E main.alloy:8:5-8:13: attribute \"maybe\" may only be provided once",
            "E main.alloy:9:5-9:13: unrecognized attribute name \"other\"",
            "E main.alloy:10:5-10:13: unrecognized block name \"block\"",
            "E main.alloy:6:1-11:1: missing required attribute \"need\"",
        ]
    );
}

#[test]
fn imported_components_are_not_looked_into() {
    let text = r#"
import.string "lib" { content = "" }
lib.thing "x" { a = nothing.here }
"#;
    assert_eq!(check(text), Vec::<String>::new());
}

#[test]
fn warnings_for_shadowing_and_deprecated_stdlib_names() {
    let text = r#"
declare "string" { }
string "x" { }
local.file "a" { filename = string.x.y }
local.file "b" { filename = to_upper("x") }
"#;
    assert_eq!(
        check(text),
        [
            "W main.alloy:4:29-4:34: a component is shadowing an existing stdlib name",
            "W main.alloy:5:29-5:36: this stdlib function is deprecated; please refer to the documentation for updated usage and alternatives",
        ]
    );
}

/// A registry that knows one component and records what it is asked to check.
struct FakeRegistry {
    checked: RefCell<Vec<String>>,
}

impl Schemas for FakeRegistry {
    fn component(&self, name: &str, _: Stability) -> Result<(), String> {
        match name {
            "local.file" => Ok(()),
            _ => Err(format!(
                "cannot find the definition of component name {name:?}"
            )),
        }
    }

    fn typecheck(&self, kind: Checked<'_>, block: &BlockStmt, body: &[&Stmt]) -> Vec<SpanError> {
        let id = block.id();
        let entry = format!("{kind:?} {id} ({} statements)", body.len());
        self.checked.borrow_mut().push(entry);
        match kind {
            Checked::Service(_) => {
                let span = Span::new(block.name_pos, block.rcurly);
                vec![SpanError::new(span, "service checked")]
            }
            _ => Vec::new(),
        }
    }
}

#[test]
fn a_registry_plugs_in() {
    let text = r#"
local.missing { x = nothing.here }
local.file "a" { filename = "/x" }
foreach "f" {
    collection = []
    var = "v"
    template { }
}
http { }
"#;
    let registry = FakeRegistry {
        checked: RefCell::new(Vec::new()),
    };
    assert_eq!(
        check_with(&[("main.alloy", text)], &registry),
        [
            // Unknown first, then what building found; no reference checks.
            "E main.alloy:2:1-2:13: cannot find the definition of component name \"local.missing\"",
            "E main.alloy:2:1-2:13: component \"local.missing\" must have a label",
            "E main.alloy:9:1-9:8: service checked",
        ]
    );
    assert_eq!(
        registry.checked.into_inner(),
        [
            "Config(\"foreach\") foreach.f (2 statements)",
            "Component(\"local.file\") local.file.a (1 statements)",
            "Service(\"http\") http (0 statements)",
        ]
    );
}

#[test]
fn stability_gates_foreach_and_experimental_functions() {
    let text = "foreach \"f\" {\n\tcollection = array.group_by([], \"k\", true)\n\tvar = \"v\"\n\ttemplate { }\n}\n";
    let options = Options {
        min_stability: Stability::PublicPreview,
        schemas: &Structural,
    };
    let got = lines(&validate(&parse(&[("main.alloy", text)]), &options));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("E main.alloy:1:1-1:7: foreach block \"foreach\" is at stability level \"experimental\", which is below the minimum allowed stability level \"public-preview\""), "{got:?}");
    assert!(
        got[1].starts_with("E main.alloy:2:15-2:28: array.group_by is at stability level"),
        "{got:?}"
    );
}
