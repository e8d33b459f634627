//! The salsa layering: editing one action's body re-checks that item only.

use std::sync::{Arc, Mutex};

use salsa::Setter;
use tok_driver::{Database, SourceFile};

const PROGRAM: &str = "token EMB {\n    decimals: 18\n}\n\nmechanism A {\n    state {\n        total: EMB\n    }\n    action add(v: EMB) {\n        total += v\n    }\n}\n\nmechanism B {\n    state {\n        count: uint\n    }\n    action bump() {\n        count += 1\n    }\n}\n";

/// Names of the queries salsa executed, in order.
fn executed(log: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *log.lock().expect("log lock"))
}

#[test]
fn editing_one_body_rechecks_only_that_item() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let mut db = Database::with_events(Arc::new(move |event: salsa::Event| {
        if let salsa::EventKind::WillExecute { database_key } = event.kind {
            sink.lock()
                .expect("log lock")
                .push(format!("{database_key:?}"));
        }
    }));
    let file = SourceFile::new(&db, "program.tok".to_string(), PROGRAM.to_string());
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let first = executed(&log);
    assert_eq!(
        first
            .iter()
            .filter(|query| query.starts_with("check_item"))
            .count(),
        3,
        "{first:?}"
    );

    // Change the body of `B.bump` only; the edit also shifts nothing before it.
    let edited = PROGRAM.replace("count += 1", "count += 2");
    file.set_text(&mut db).to(edited);
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let second = executed(&log);
    let rechecked: Vec<&String> = second
        .iter()
        .filter(|query| query.starts_with("check_item"))
        .collect();
    assert_eq!(
        rechecked.len(),
        1,
        "only the edited item is re-checked: {second:?}"
    );
    assert!(
        second.iter().any(|query| query.starts_with("parse")),
        "the file is re-parsed: {second:?}"
    );

    // An edit that grows A's body shifts B, yet B's text is unchanged, so
    // B is still not re-checked.
    let grown = edited_again(&PROGRAM.replace("count += 1", "count += 2"));
    file.set_text(&mut db).to(grown);
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    let third = executed(&log);
    let rechecked: Vec<&String> = third
        .iter()
        .filter(|query| query.starts_with("check_item"))
        .collect();
    assert_eq!(rechecked.len(), 1, "only A is re-checked: {third:?}");
}

#[test]
fn a_signature_change_rechecks_dependents() {
    let mut db = Database::default();
    let file = SourceFile::new(&db, "program.tok".to_string(), PROGRAM.to_string());
    assert!(tok_driver::diagnostics(&db, file).is_empty());
    // Renaming A's state field breaks nothing in B but is seen by A itself.
    file.set_text(&mut db)
        .to(PROGRAM.replace("total: EMB", "sum: EMB"));
    let codes: Vec<&str> = tok_driver::diagnostics(&db, file)
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, vec!["E0100"]);
}

fn edited_again(text: &str) -> String {
    text.replace("total += v", "total = total + v // longer")
}
