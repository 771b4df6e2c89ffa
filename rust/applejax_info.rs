//! `applejax-info`: prints where the installed PJRT plugin library is and the
//! versions this wheel was pinned to. Std only.
//!
//! The pins below mirror applejax.lock.json; tests/rust_pins.test.ts keeps them equal.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Python distributions this wheel was built and tested against.
const PINS: &[(&str, &str)] = &[
    ("jax", "0.10.2"),
    ("jaxlib", "0.10.2"),
    ("mlx", "0.32.4"),
];

/// StableHLO versions the plugin announces: (current, minimum).
const STABLEHLO: (&str, &str) = ("1.17.0", "1.14.0");

#[cfg(target_os = "macos")]
const PLUGIN_LIB: &str = "libpjrt_plugin_mps.dylib";
#[cfg(not(target_os = "macos"))]
const PLUGIN_LIB: &str = "libpjrt_plugin_mps.so";

/// `<prefix>/bin/applejax-info` → `<prefix>/lib/python3.*/site-packages/jax_plugins/mps/<lib>`.
fn find_plugin(exe: &Path) -> Option<PathBuf> {
    let prefix = exe.parent()?.parent()?;
    let mut libs: Vec<PathBuf> = fs::read_dir(prefix.join("lib"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("python")))
        .collect();
    libs.sort();
    libs.into_iter()
        .map(|d| d.join("site-packages").join("jax_plugins").join("mps").join(PLUGIN_LIB))
        .find(|p| p.is_file())
}

fn main() -> ExitCode {
    println!("applejax {}", env!("CARGO_PKG_VERSION"));
    for (name, version) in PINS {
        println!("  {name:<10} {version}");
    }
    println!("  stablehlo  {} (minimum {})", STABLEHLO.0, STABLEHLO.1);
    let exe = env::current_exe().and_then(|p| p.canonicalize());
    match exe.ok().as_deref().and_then(find_plugin) {
        Some(lib) => {
            println!("plugin: {}", lib.display());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("plugin: {PLUGIN_LIB} not found in a site-packages next to this executable");
            ExitCode::FAILURE
        }
    }
}
