//! Links the worker with packed relative relocations (`-z pack-relative-relocs`, DT_RELR).
//!
//! A position-independent Rust binary carries one 24-byte relocation per pointer in its
//! read-only data (about 2.5 MB for this worker); the loader reads them all at start-up and
//! they stay resident. DT_RELR packs them into a few kilobytes, which takes about 2.5 MB off
//! the idle worker's RSS (docs/BENCHMARKS.md) and keeps the binary position-independent.
//!
//! The C library must understand DT_RELR (glibc ≥ 2.36), otherwise the binary would not start,
//! so the flag is added only when building for the host's own x86 Linux glibc and `getconf`
//! reports 2.36 or newer. `ATG_NO_RELR=1` turns it off.

use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ATG_NO_RELR");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let target = var("TARGET");
    let native = target == var("HOST");
    let x86_glibc = target.ends_with("-linux-gnu")
        && (target.starts_with("x86_64-") || target.starts_with("i686-"));
    if !native || !x86_glibc || !var("ATG_NO_RELR").is_empty() || !glibc_has_relr() {
        return;
    }
    println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}

/// `getconf GNU_LIBC_VERSION` prints e.g. `glibc 2.36`.
fn glibc_has_relr() -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .trim()
        .trim_start_matches("glibc ")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    out.status.success() && (major, minor) >= (2, 36)
}
