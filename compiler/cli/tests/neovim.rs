//! A real client: headless Neovim (Debian's 0.7, installed by
//! `scripts/setup-editors.sh`, which the test command runs) starts
//! `tok lsp`, receives coded diagnostics, hovers, jumps to a definition and
//! formats the buffer, through its own LSP client.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A messy program with one misspelled name: line 6 uses `totl`; line 5
/// uses `amount`, declared on line 4.
const PROGRAM: &str = "param treasury: address\n\nmechanism Vault {\nstate { total: uint }\n    action add(amount: uint) {\n        total += amount\n        totl += 1\n    }\n}\n";

#[test]
fn neovim_gets_diagnostics_hovers_definitions_and_formatting() {
    let nvim = Command::new("nvim").arg("--version").output();
    assert!(
        nvim.is_ok_and(|output| output.status.success()),
        "Neovim is not installed: run `bash scripts/setup-editors.sh` (Debian's neovim package)"
    );
    let dir = std::env::temp_dir().join(format!("tok-neovim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let (file, out) = (dir.join("vault.tok"), dir.join("out.json"));
    std::fs::write(&file, PROGRAM).expect("the program");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neovim_client.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("TOK_BIN", env!("CARGO_BIN_EXE_tok"))
        .env("TOK_FILE", &file)
        .env("TOK_OUT", &out)
        // `amount` in `total += amount`, and its use as a hover target.
        .env("TOK_HOVER_LINE", "5")
        .env("TOK_HOVER_CHARACTER", "18")
        .env("TOK_USE_LINE", "5")
        .env("TOK_USE_CHARACTER", "18")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");
    let started = Instant::now();
    while child.try_wait().expect("nvim runs").is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("headless Neovim did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        panic!("Neovim wrote no results; it said:\n{stderr}")
    });
    let _ = std::fs::remove_dir_all(&dir);
    let seen: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    // The misspelled name, with its code, on its line.
    let diagnostics = seen["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "E0100" && d["line"] == 6),
        "{diagnostics:?}"
    );
    // The hover names the argument and its type.
    let hover = seen["hover"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(hover.contains("let amount: uint"), "{seen}");
    // The definition is the argument's declaration, on line 4.
    let definition = &seen["definition"];
    let range = if definition.is_array() {
        &definition[0]["range"]
    } else {
        &definition["range"]
    };
    assert_eq!(range["start"]["line"], 4, "{seen}");
    assert_eq!(range["start"]["character"], 15, "{seen}");
    // Formatted in place: the misspelling is a check error, not a syntax
    // error, so the file is rewritten in canonical layout.
    let formatted = seen["formatted"].as_str().unwrap_or_default();
    assert!(
        formatted.contains("    state {\n        total: uint\n    }"),
        "{formatted}"
    );
}
