//! The generated DTOs compile: Java (javac, with Debian's gson), Kotlin (kotlinc), C# (mono
//! mcs) against the stand-ins in clients/standins/ for the client libraries' types, PHP
//! through `php -l` (syntax only: the stand-in would be the whole servicestack/client
//! package). What a stand-in covers is in clients/standins/README.md: the DataContract
//! attributes, the IReturn and verb markers, Route, ResponseStatus; nothing runs.
//!
//! The compilers come from Debian (clients/debian-packages.txt, installed by
//! `scripts/client-tests setup`); without one a check prints SKIPPED, or fails when
//! AFFILIATION_REQUIRE_CLIENTS=1 (as CI sets).

use crate::common::Server;
use std::path::{Path, PathBuf};
use std::process::Command;

const GSON: &str = "/usr/share/java/gson.jar";

fn standins() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/standins")
}

/// Whether `tool` runs; a visible skip (or a failure when the clients are required) if not.
fn available(test: &str, tool: &str, also: &[&str]) -> bool {
    let runs = Command::new(tool).arg("-version").output().is_ok()
        && also.iter().all(|path| Path::new(path).exists());
    if !runs {
        let why = format!("{tool} (or {also:?}) is not installed; see clients/debian-packages.txt");
        if std::env::var("AFFILIATION_REQUIRE_CLIENTS").is_ok_and(|v| v == "1") {
            panic!("{test}: {why} (AFFILIATION_REQUIRE_CLIENTS=1)");
        }
        eprintln!("SKIPPED {test}: {why}");
    }
    runs
}

fn compiles(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn java_sources(dir: &Path) -> Vec<PathBuf> {
    let package = dir.join("net/servicestack/client");
    std::fs::read_dir(package)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// The stand-in client library compiled to `out` (Java and Kotlin both use it).
fn compile_java_standins(out: &Path) {
    compiles(
        Command::new("javac")
            .args(["-nowarn", "-cp", GSON, "-d"])
            .arg(out)
            .args(java_sources(&standins().join("java"))),
        "javac the stand-ins",
    );
}

/// The DTOs of `/types/{lang}` with some options, the whole service and one operation's.
fn variants(server: &Server, lang: &str) -> Vec<(String, String)> {
    [
        "",
        "?IncludeTypes=GetAffiliateTokensSetRequest.*",
        "?AddReturnMarker=False",
    ]
    .iter()
    .map(|query| {
        let path = format!("/types/{lang}{query}");
        let reply = server.fetch(&path);
        assert_eq!(reply.status, 200, "{path}");
        (path, reply.text)
    })
    .collect()
}

#[test]
fn java_dtos_compile_with_javac() {
    let test = "java_dtos_compile_with_javac";
    if !available(test, "javac", &[GSON]) {
        return;
    }
    let server = Server::start();
    for (path, code) in variants(&server, "java") {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        compile_java_standins(&out);
        std::fs::write(dir.path().join("dtos.java"), code).unwrap();
        let classpath = format!("{}:{GSON}", out.display());
        compiles(
            Command::new("javac")
                .args(["-nowarn", "-cp", &classpath, "-d"])
                .arg(&out)
                .arg(dir.path().join("dtos.java")),
            &format!("javac {path}"),
        );
    }
}

#[test]
fn kotlin_dtos_compile_with_kotlinc() {
    let test = "kotlin_dtos_compile_with_kotlinc";
    if !available(test, "kotlinc", &[GSON]) || !available(test, "javac", &[]) {
        return;
    }
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    compile_java_standins(&out);
    let classpath = format!("{}:{GSON}", out.display());
    // One kotlinc run for all variants (its start-up is most of the time): one file each,
    // in a package of its own so the same names do not clash.
    let mut files = Vec::new();
    for (i, (path, code)) in variants(&server, "kotlin").into_iter().enumerate() {
        let file = dir.path().join(format!("dtos{i}.kt"));
        std::fs::write(&file, format!("// {path}\npackage variant{i}\n\n{code}")).unwrap();
        files.push(file);
    }
    compiles(
        Command::new("kotlinc")
            .args(["-nowarn", "-cp", &classpath, "-d"])
            .arg(dir.path().join("kotlin-out"))
            .args(&files),
        "kotlinc /types/kotlin",
    );
}

#[test]
fn csharp_dtos_compile_with_mcs() {
    let test = "csharp_dtos_compile_with_mcs";
    if !available(test, "mcs", &[]) {
        return;
    }
    let server = Server::start();
    for (path, code) in variants(&server, "csharp") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dtos.cs"), code).unwrap();
        compiles(
            Command::new("mcs")
                .args([
                    "-target:library",
                    "-r:System.Runtime.Serialization.dll",
                    "-nowarn:169",
                ])
                .arg(format!("-out:{}", dir.path().join("dtos.dll").display()))
                .arg(standins().join("csharp/ServiceStack.cs"))
                .arg(dir.path().join("dtos.cs")),
            &format!("mcs {path}"),
        );
    }
}

#[test]
fn php_dtos_pass_php_lint() {
    let test = "php_dtos_pass_php_lint";
    if !available(test, "php", &[]) {
        return;
    }
    let server = Server::start();
    for (path, code) in variants(&server, "php") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dtos.php");
        std::fs::write(&file, code).unwrap();
        compiles(
            Command::new("php").arg("-l").arg(&file),
            &format!("php -l {path}"),
        );
    }
}
