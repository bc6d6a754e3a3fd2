//! How a custom source's file is written, found before it is served.
//!
//! Integrators write a source in one of two forms, and both must run as written:
//! - an ES module whose default export (or one named export) is the source object;
//! - a classic script in the seed's style, `const customSource = { label, icon,
//!   mounted, unmounted }` at the top level, with no export at all.
//!
//! A classic script's top-level `const` is not a property of `window`, so the
//! frame cannot find it by itself: this module parses the file (oxc) and lists
//! its top-level bindings, and the frame reads exactly those names after the
//! script ran. Nothing here runs the code or rewrites it.

use oxc_allocator::Allocator;
use oxc_ast::ast::{BindingPattern, Statement};
use oxc_parser::Parser;
use oxc_span::SourceType;
use serde::Serialize;

/// The form a source file is written in, as the frame must load it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "camelCase")]
pub enum SourceForm {
    /// Imported as a module; the source is its default or a named export.
    /// Files that do not parse are served this way too, so the frame reports
    /// the syntax error with the engine's own words.
    Module,
    /// Run as a classic script; the source is the one top-level binding
    /// among `bindings` whose value has `label` and `mounted`.
    Script { bindings: Vec<String> },
}

/// Finds the form of a source's code.
pub fn source_form(code: &str) -> SourceForm {
    let allocator = Allocator::default();
    let module = Parser::new(&allocator, code, SourceType::mjs()).parse();
    if !module.panicked && module.module_record.has_module_syntax {
        return SourceForm::Module;
    }
    // No import or export: a classic script. Sloppy-mode code (`with`, octal
    // literals) only parses as one, so it is read again as a script.
    let allocator = Allocator::default();
    let script = Parser::new(&allocator, code, SourceType::script()).parse();
    if script.panicked || !script.diagnostics.is_empty() {
        return SourceForm::Module;
    }
    let mut bindings = Vec::new();
    for statement in &script.program.body {
        match statement {
            Statement::VariableDeclaration(declaration) => {
                for declarator in &declaration.declarations {
                    if let BindingPattern::BindingIdentifier(id) = &declarator.id {
                        bindings.push(id.name.to_string());
                    }
                }
            }
            Statement::FunctionDeclaration(function) => {
                if let Some(id) = &function.id {
                    bindings.push(id.name.to_string());
                }
            }
            Statement::ClassDeclaration(class) => {
                if let Some(id) = &class.id {
                    bindings.push(id.name.to_string());
                }
            }
            _ => {}
        }
    }
    bindings.dedup();
    SourceForm::Script { bindings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(bindings: &[&str]) -> SourceForm {
        SourceForm::Script {
            bindings: bindings.iter().map(|b| b.to_string()).collect(),
        }
    }

    #[test]
    fn modules_are_imported() {
        assert_eq!(
            source_form("export default { label: 'a', mounted() {} };"),
            SourceForm::Module
        );
        assert_eq!(
            source_form("import x from './y.js'; const s = x;"),
            SourceForm::Module
        );
        assert_eq!(
            source_form("export const customSource = {};"),
            SourceForm::Module
        );
    }

    #[test]
    fn the_seeds_classic_script_lists_its_top_level_bindings() {
        let code = r#"
            var helper = 1, other;
            const customSource = {
              label: 'LABEL_IN_MENU',
              icon: 'ICON.svg',
              mounted: (element, actions) => { const inner = 2; },
              unmounted: (element) => {},
            };
            function draw() { let hidden; }
            class View {}
            if (true) { var nested = 3; }
            const { a, b } = { a: 1, b: 2 };
        "#;
        assert_eq!(
            source_form(code),
            script(&["helper", "other", "customSource", "draw", "View"])
        );
    }

    #[test]
    fn sloppy_scripts_are_scripts() {
        assert_eq!(
            source_form("with (Math) { var x = max(1, 2); } var s = 010;"),
            script(&["s"])
        );
    }

    #[test]
    fn broken_code_is_left_to_the_frame_to_report() {
        assert_eq!(source_form("const = ;"), SourceForm::Module);
        assert_eq!(source_form("export default {"), SourceForm::Module);
    }
}
