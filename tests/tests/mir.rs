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
        value.kind = tok_mir::ExprKind::Local(7);
    }
    assert!(tok_mir::verify(&program).is_err());
}
