//! What to start and how: from the command line, or from a runtime policy after its checks.

use libcleanstart::runtime_policy::{self, RuntimePolicy};
use libcleanstart::io_message::io_message;
use libcleanstart::{command, digest, mounts, process};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A child ready to be started.
pub struct Launch {
    /// The executable, resolved.
    pub program: PathBuf,
    /// Its argument vector, `argv[0]` included.
    pub argv: Vec<OsString>,
    /// Its environment; `None` inherits the init's.
    pub env: Option<Vec<(OsString, OsString)>>,
    pub group: bool,
    pub grace: Option<Duration>,
    /// Identity, umask and `no_new_privs` to take on before starting it.
    pub credentials: Credentials,
}

#[derive(Default)]
pub struct Credentials {
    pub uid_gid: Option<(u32, u32)>,
    pub umask: Option<u32>,
    pub no_new_privs: bool,
}

/// Why nothing was started; each maps to one exit status (see the usage text).
pub enum Failure {
    /// 2: the policy file cannot be read or is invalid.
    BadPolicy(String),
    /// 126: the policy forbids this start.
    Refused(String),
    /// 127: the program cannot be started.
    CannotStart(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::BadPolicy(_) => 2,
            Failure::Refused(_) => 126,
            Failure::CannotStart(_) => 127,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::BadPolicy(m) | Failure::Refused(m) | Failure::CannotStart(m) => m,
        }
    }
}

/// `COMMAND [ARG]...` from the command line, looked up in `PATH` as `execvp` does.
pub fn from_command(command: Vec<OsString>, group: bool, grace: Option<Duration>) -> Result<Launch, Failure> {
    let name = command.first().ok_or_else(|| Failure::CannotStart("no command given".into()))?;
    let program = resolve(name, std::env::var_os("PATH").as_deref())?;
    Ok(Launch { program, argv: command, env: None, group, grace, credentials: Credentials::default() })
}

/// The policy's entrypoint (or `command`, when given, which must be allowed too), after the
/// policy's checks: writable mounts, allow list, digest.
pub fn from_policy(path: &Path, command: Vec<OsString>) -> Result<Launch, Failure> {
    let policy = runtime_policy::load(path).map_err(|e| Failure::BadPolicy(e.to_string()))?;
    let file = path.display();
    if let Some(allowed) = &policy.writable {
        let mounts = mounts::current().map_err(|e| Failure::Refused(format!("cannot check writable mounts for {file}: {e}")))?;
        if let Some(m) = mounts::unexpected_writable(&mounts, allowed).first() {
            return Err(Failure::Refused(format!(
                "refusing to start: {} ({}) is mounted read-write, but the writable list of {file} ({}) does not cover it",
                m.mount_point,
                m.fs_type,
                allowed.join(", ")
            )));
        }
    }
    let env = environment(&policy);
    let (program, argv) = if command.is_empty() {
        let argv = std::iter::once(&policy.entrypoint).chain(&policy.args).map(OsString::from).collect();
        (PathBuf::from(&policy.entrypoint), argv)
    } else {
        let search = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.as_os_str());
        (resolve(&command[0], search)?, command)
    };
    check_allowed(&policy, &program, &file.to_string())?;
    Ok(Launch {
        program,
        argv,
        env: Some(env),
        group: policy.process_group,
        grace: policy.grace_seconds.map(|s| Duration::from_secs(s.into())),
        credentials: Credentials { uid_gid: policy.uid.zip(policy.gid), umask: policy.umask, no_new_privs: policy.no_new_privs },
    })
}

/// The program must be in the allow list, and its content must have the listed digest. The
/// check and the start are two steps: with `writable` declared, the program's filesystem is
/// known to be read-only, so nothing in the container can change it in between.
fn check_allowed(policy: &RuntimePolicy, program: &Path, file: &str) -> Result<(), Failure> {
    let shown = program.display();
    let allowed = program
        .to_str()
        .and_then(|p| policy.allowed(p))
        .ok_or_else(|| {
            let lists = match &policy.allow_dir {
                Some(dir) => format!("{file} or of {dir}"),
                None => file.to_string(),
            };
            Failure::Refused(format!("refusing to start {shown}: not in the [[allow]] list of {lists}"))
        })?;
    let actual = std::fs::File::open(program)
        .and_then(digest::sha256_hex)
        .map_err(|e| Failure::CannotStart(format!("cannot start {shown}: {}", io_message(&e))))?;
    if actual != allowed.sha256 {
        return Err(Failure::Refused(format!(
            "refusing to start {shown}: its sha256 is {actual}, but {file} allows only {}",
            allowed.sha256
        )));
    }
    Ok(())
}

/// The policy's variables, then those of `pass_env` that the init was given.
fn environment(policy: &RuntimePolicy) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = policy.env.iter().map(|(k, v)| (k.into(), v.into())).collect();
    for name in &policy.pass_env {
        if let Some(value) = std::env::var_os(name) {
            env.retain(|(k, _)| k != name.as_str());
            env.push((name.into(), value));
        }
    }
    env
}

fn resolve(name: &OsStr, path: Option<&OsStr>) -> Result<PathBuf, Failure> {
    let text = name.to_str().ok_or_else(|| Failure::CannotStart(format!("cannot start {}: not valid UTF-8", name.to_string_lossy())))?;
    command::resolve(text, path).map_err(|e| Failure::CannotStart(format!("cannot start {text}: {e}")))
}

/// Takes on the launch's identity, umask and `no_new_privs`; the child inherits all three.
pub fn apply(credentials: &Credentials) -> Result<(), Failure> {
    if let Some((uid, gid)) = credentials.uid_gid {
        process::set_identity(uid, gid).map_err(|e| Failure::Refused(format!("cannot run as {uid}:{gid}: {e}")))?;
    }
    if let Some(mask) = credentials.umask {
        process::set_umask(mask);
    }
    if credentials.no_new_privs {
        process::set_no_new_privs().map_err(|e| Failure::Refused(format!("cannot set no_new_privs: {e}")))?;
    }
    Ok(())
}
