//! Generates the parser from `src/grammar.lalrpop` into `OUT_DIR`.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    reason = "a build script talks to cargo through the environment and stdout"
)]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=src/grammar.lalrpop");
    let out_dir = std::env::var("OUT_DIR")?;
    lalrpop::Configuration::new()
        .set_in_dir("src")
        .set_out_dir(out_dir)
        .process()
}
