//! Resolution records: what each name the checker resolves refers to, for
//! the language server's definitions, references, renames and hovers.

use super::*;

impl Checker<'_> {
    /// Records that the name at `span` refers to `definition`.
    pub(super) fn refers(&mut self, span: Span, definition: hir::Definition, ty: Option<&Ty>) {
        self.resolutions.push(hir::Resolution {
            span,
            definition,
            declaration: false,
            ty: ty.cloned(),
        });
    }

    /// Records that the name at `span` declares `definition`.
    pub(super) fn declares(&mut self, span: Span, definition: hir::Definition, ty: Option<&Ty>) {
        self.resolutions.push(hir::Resolution {
            span,
            definition,
            declaration: true,
            ty: ty.cloned(),
        });
    }

    /// Records the tokens a written type names (`map[address] EMB`,
    /// `USDC per EMB`).
    pub(super) fn refers_in_type(&mut self, ty: &ast::Type) {
        match &ty.kind {
            ast::TypeKind::Named(name) => self.refers_to_token(name),
            ast::TypeKind::Map(key, value) => {
                self.refers_in_type(key);
                self.refers_in_type(value);
            }
            ast::TypeKind::List(element, _) => self.refers_in_type(element),
            ast::TypeKind::Per(inner, unit) => {
                self.refers_in_type(inner);
                self.refers_to_token(unit);
            }
            ast::TypeKind::Error => {}
        }
    }

    /// Records `name` as a use of the token it names, if it names one.
    pub(super) fn refers_to_token(&mut self, name: &ast::Name) {
        if self.sigs.tokens.contains_key(&name.text) {
            self.refers(name.span, hir::Definition::Token(name.text.clone()), None);
        }
    }

    /// Declares a local (a `let`, a loop variable or an argument) in the
    /// innermost scope.
    pub(super) fn declare_local(&mut self, name: &ast::Name, ty: Ty) {
        let definition = hir::Definition::Local {
            name: name.text.clone(),
            declared: name.span,
        };
        self.declares(name.span, definition, Some(&ty));
        if let Some(scope) = self.locals.last_mut() {
            scope.insert(
                name.text.clone(),
                Local {
                    ty,
                    declared: name.span,
                },
            );
        }
    }
}

/// The standard-library path of the template an instance names through a
/// module alias (`emission.ConstantEmission`) or in full
/// (`std.emission.ConstantEmission`).
pub(super) fn full_template_path(sigs: &Signatures, path: &[ast::Name]) -> String {
    let names: Vec<&str> = path.iter().map(|name| name.text.as_str()).collect();
    match names.as_slice() {
        [alias, name] => match sigs.modules.get(*alias) {
            Some(module) => format!("{}.{name}", module.join(".")),
            None => names.join("."),
        },
        _ => names.join("."),
    }
}
