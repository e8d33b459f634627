//! MIR: every program that checks lowers to MIR the verifier accepts, and
//! the verifier rejects broken MIR.

use tok_tests::{relative, tok_files};

fn lowered(source: &str) -> tok_mir::Program {
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "test.tok".to_string(), source.to_string());
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    tok_driver::mir(&db, file)
        .clone()
        .expect("lowers and verifies")
}

#[test]
fn every_clean_program_lowers_and_verifies() {
    let mut files = tok_files("examples");
    files.extend(tok_files("tests/cases/pass"));
    for path in files {
        let source = std::fs::read_to_string(&path).expect("UTF-8");
        let db = tok_driver::Database::default();
        let file = tok_driver::SourceFile::new(&db, relative(&path), source);
        if let Err(errors) = tok_driver::mir(&db, file) {
            panic!("{}: {errors:?}", relative(&path));
        }
    }
}

#[test]
fn units_become_exact_operations() {
    let program = lowered(
        "token EMB {\n    decimals: 18\n}\nparam rate: ratio per year = 5% per year\nmechanism M {\n    view f(a: EMB) -> EMB {\n        return a * rate * 1 day\n    }\n}\n",
    );
    let text = tok_mir::print(&program);
    // amount * ratio per year: WAD multiply; then * 1 day: per-year mulDiv.
    assert!(
        text.contains("return (MulDiv (MulDiv l0:a p0:rate 1000000000000000000) 86400 31536000)"),
        "{text}"
    );
}

#[test]
fn the_verifier_rejects_broken_mir() {
    let mut program = lowered(
        "mechanism M {\n    state {\n        n: uint\n    }\n    action a(v: uint) {\n        n = v\n    }\n}\n",
    );
    assert!(tok_mir::verify(&program).is_ok());
    // A store of a bool into an integer field.
    let action = &mut program.mechanisms[0].actions[0];
    if let tok_mir::Stmt::Store { value, .. } = &mut action.body.block[0] {
        *value = tok_mir::Expr {
            kind: tok_mir::ExprKind::Bool(true),
            repr: tok_mir::Repr::Bool,
        };
    }
    let errors = tok_mir::verify(&program).expect_err("type error");
    assert!(errors[0].contains("expected Int, found Bool"), "{errors:?}");
    // `caller` in a hook.
    let mut program = lowered(
        "mechanism M {\n    state {\n        who: address\n    }\n    every 1 day {\n        who = self\n    }\n}\n",
    );
    if let tok_mir::Stmt::Store { value, .. } = &mut program.mechanisms[0].hooks[0].body.block[0] {
        value.kind = tok_mir::ExprKind::Env(tok_mir::Env::Caller);
    }
    let errors = tok_mir::verify(&program).expect_err("caller in a hook");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`caller` outside an action")),
        "{errors:?}"
    );
    // A local out of range.
    let mut program =
        lowered("mechanism M {\n    view f(v: uint) -> uint {\n        return v\n    }\n}\n");
    if let tok_mir::Stmt::Return(value) = &mut program.mechanisms[0].views[0].body.block[0] {
        value.kind = tok_mir::ExprKind::Local(tok_mir::LocalId::new(7));
    }
    assert!(tok_mir::verify(&program).is_err());
}

/// A name the checker resolved but lowering cannot (here a vesting
/// schedule whose token was renamed in a checked program's HIR) is an
/// internal error with its code, never quietly the first token.
#[test]
fn an_unresolved_name_is_an_internal_error() {
    let source = "param owner: address\ntoken V {\n    mint 100 V to owner\n}\nvesting team {\n    token: V\n    beneficiary: owner\n    duration: 1 year\n}\n";
    let db = tok_driver::Database::default();
    let file = tok_driver::SourceFile::new(&db, "test.tok".to_string(), source.to_string());
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let mut hir = tok_driver::program(&db, file).clone();
    for located in &mut hir.items {
        if let tok_sema::hir::Item::Vesting(vesting) = std::sync::Arc::make_mut(&mut located.item) {
            vesting.token = "Gone".to_string();
        }
    }
    let errors = tok_mir::lower(&hir).expect_err("the token does not resolve");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, tok_diagnostics::Code::INTERNAL_ERROR);
    assert!(errors[0].message.contains("token `Gone`"), "{errors:?}");
    // At the vesting schedule's item.
    assert_eq!(
        &source[errors[0].primary.span.start as usize..][..7],
        "vesting"
    );
}

/// Bodies are numbered densely by lowering; the verifier refuses an id
/// used twice or out of range, which executors index tables by.
#[test]
fn body_ids_are_unique_and_dense() {
    let mut program = lowered(
        "mechanism M {\n    state {\n        n: uint\n    }\n    action a() {\n        n += 1\n    }\n    action b() {\n        n += 2\n    }\n    every 1 day {\n        n = 0\n    }\n}\n",
    );
    let ids: Vec<usize> = (program.mechanisms[0].actions.iter())
        .map(|f| f.body.id.index())
        .chain(
            program.mechanisms[0]
                .hooks
                .iter()
                .map(|h| h.body.id.index()),
        )
        .collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(program.bodies, 3);
    program.mechanisms[0].actions[1].body.id = program.mechanisms[0].actions[0].body.id;
    let errors = tok_mir::verify(&program).expect_err("a duplicate id");
    assert!(
        errors.iter().any(|e| e.contains("used twice")),
        "{errors:?}"
    );
    program.mechanisms[0].actions[1].body.id = tok_mir::BodyId::new(7);
    let errors = tok_mir::verify(&program).expect_err("an id out of range");
    assert!(errors.iter().any(|e| e.contains("not below")), "{errors:?}");
}
