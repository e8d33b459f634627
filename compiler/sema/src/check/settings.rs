//! The settings of declaration blocks (`token`, `vesting`, `governor`,
//! `scenario`): which names each accepts, and repeated or unknown ones.

use super::*;

/// The settings of a declaration block, checked for unknown and repeated names.
pub(super) struct Settings<'s> {
    pub(super) values: BTreeMap<&'s str, &'s ast::Expr>,
    pub(super) flags: BTreeSet<&'s str>,
    pub(super) mints: Vec<(&'s ast::Expr, &'s ast::Expr)>,
}

impl<'s> Settings<'s> {
    pub(super) fn collect(
        checker: &mut Checker<'_>,
        decl: &'s ast::Decl,
        values: &[&str],
        flags: &[&str],
    ) -> Settings<'s> {
        let mut settings = Settings {
            values: BTreeMap::new(),
            flags: BTreeSet::new(),
            mints: Vec::new(),
        };
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        let allowed: Vec<&str> = values.iter().chain(flags).copied().collect();
        let kind = if flags.is_empty() {
            "this declaration"
        } else {
            "a token"
        };
        for setting in &decl.settings {
            match &setting.kind {
                ast::SettingKind::Value { name, value } => {
                    if let Some(first) = seen.get(name.text.as_str()) {
                        checker.report(duplicate_setting(name, *first));
                    } else if values.contains(&name.text.as_str()) {
                        seen.insert(&name.text, name.span);
                        settings.values.insert(&name.text, value);
                    } else if flags.contains(&name.text.as_str()) {
                        checker.report(
                            Diagnostic::error(
                                Code::UNKNOWN_SETTING,
                                setting.span,
                                format!("`{}` is a flag and takes no value", name.text),
                            )
                            .with_label("remove the value")
                            .with_help(format!("write just `{}`", name.text)),
                        );
                    } else {
                        checker.report(unknown_setting(name, &allowed, kind));
                    }
                }
                ast::SettingKind::Flag(name) => {
                    if let Some(first) = seen.get(name.text.as_str()) {
                        checker.report(duplicate_setting(name, *first));
                    } else if flags.contains(&name.text.as_str()) {
                        seen.insert(&name.text, name.span);
                        settings.flags.insert(&name.text);
                    } else if values.contains(&name.text.as_str()) {
                        checker.report(
                            Diagnostic::error(
                                Code::MISSING_SETTING,
                                name.span,
                                format!("`{}` needs a value", name.text),
                            )
                            .with_label("no value given")
                            .with_help(format!("write `{}: <value>`", name.text)),
                        );
                    } else {
                        checker.report(unknown_setting(name, &allowed, kind));
                    }
                }
                ast::SettingKind::Mint { amount, to } => {
                    if flags.is_empty() {
                        checker.report(
                            Diagnostic::error(
                                Code::MISPLACED_ITEM,
                                setting.span,
                                "`mint` belongs in a token declaration",
                            )
                            .with_label("not allowed here")
                            .with_help("premint in the token: `mint 1_000 EMB to treasury`"),
                        );
                    } else {
                        settings.mints.push((amount, to));
                    }
                }
                ast::SettingKind::Error => {}
            }
        }
        settings
    }

    pub(super) fn take(&mut self, name: &str) -> Option<&'s ast::Expr> {
        self.values.get(name).copied()
    }

    pub(super) fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }
}

pub(super) fn duplicate_setting(name: &ast::Name, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DUPLICATE_SETTING,
        name.span,
        format!("`{}` is set twice", name.text),
    )
    .with_label("second setting")
    .with_secondary(first, "first set here")
    .with_help("keep one of them")
}

pub(super) fn unknown_setting(name: &ast::Name, allowed: &[&str], kind: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        Code::UNKNOWN_SETTING,
        name.span,
        format!("unknown setting `{}`", name.text),
    )
    .with_label(format!("{kind} has no such setting"));
    match did_you_mean(&name.text, allowed.iter().copied()) {
        Some(suggestion) => diagnostic.with_did_you_mean(suggestion),
        None => diagnostic.with_help(format!("accepted: {}", allowed.join(", "))),
    }
}
