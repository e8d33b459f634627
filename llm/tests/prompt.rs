//! The prompt's examples are every bundled example.

#![allow(clippy::disallowed_methods)]

#[test]
fn every_example_is_offered_to_the_model() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("the examples folder")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "tok").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    on_disk.sort();
    let listed: Vec<String> = tok_llm::prompt::EXAMPLES
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(
        listed, on_disk,
        "llm/src/prompt.rs EXAMPLES and examples/ differ"
    );
    for example in tok_llm::prompt::EXAMPLES {
        let text =
            std::fs::read_to_string(format!("{dir}/{}.tok", example.name)).expect("the file");
        assert_eq!(text, example.source);
    }
}
