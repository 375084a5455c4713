"""What the CleanStart images hold, shared by //images:prod and //images:dev."""

load("//tools:cleanstart_image.bzl", "cleanimg_allow_lists", "cleanstart_image")

# The runtime: the init runs the demo service as the non-root user 65532, as its runtime policy
# (baked into the image at INIT_POLICY_PATH, with the service's sha256) says.
INIT_POLICY_PATH = "/etc/cleanimg/init.toml"

ENTRYPOINT = [
    "/usr/bin/cleanimg_init",
    "--policy",
    INIT_POLICY_PATH,
]

ENV = {"PATH": "/usr/bin:/app"}

USER = "65532:65532"

# How every production image's init runs its service (cleanimg_init_policy attributes, see
# tools/cleanstart_image.bzl, plus `path`): as 65532, in its own process group, with
# no_new_privs, on a read-only root filesystem.
PROD_RUNTIME = {
    "gid": 65532,
    # Below `docker stop`'s 10 s, so the init, not the runtime, ends what is left.
    "grace_seconds": 8,
    "no_new_privs": True,
    "path": INIT_POLICY_PATH,
    "process_group": True,
    "uid": 65532,
    "umask": "022",
    # Read-only root filesystem expected; what container runtimes mount read-write besides.
    "writable": [
        "/dev",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/tmp",
    ],
}

# The production image's init policy: the demo service.
PROD_INIT_POLICY = dict(
    PROD_RUNTIME,
    entrypoint = "/app/demo-server",
    env = ENV,
    executables = {"//rust/demo-server": "/app/demo-server"},
    pass_env = ["LISTEN"],
)

# Where the development image's utility layers put their allow lists.
DEV_ALLOW_DIR = "/etc/cleanimg/allow.d"

# The development image: no read-only root required, and every CleanStart utility may be run
# in place of the entrypoint (`docker run IMAGE /usr/bin/sh`): each utility's layer brings its
# allow list into DEV_ALLOW_DIR, so the policy does not change when a utility does.
DEV_INIT_POLICY = dict(
    PROD_INIT_POLICY,
    allow_dir = DEV_ALLOW_DIR,
    writable = [],
)

PROD_FILES = {
    "//rust/cleanimg_init": "/usr/bin/cleanimg_init",
    "//rust/demo-server": "/app/demo-server",
    "//images:etc/group": "/etc/group",
    "//images:etc/passwd": "/etc/passwd",
}

DIRS = {
    "/home/nonroot": "0750",
    "/tmp": "1777",
}

OWNERS = {"/home/nonroot": "65532:65532"}

def annotations(title, description):
    """OCI annotations of an image.

    Args:
      title: org.opencontainers.image.title.
      description: org.opencontainers.image.description.

    Returns:
      The annotations dict.
    """
    return {
        "org.opencontainers.image.description": description,
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.title": title,
    }

def dev_image(name, utils):
    """A development image of the package's `prod` image and the utilities `utils`.

    Its first layer is prod's, bit for bit (the same entries, prod's runtime policy included),
    so a registry stores it once. Each utility follows in a layer of its own, by name, with its
    allow list in DEV_ALLOW_DIR, so that updating one utility changes one layer. The development
    runtime policy replaces prod's from the top layer.

    Args:
      name: the image's name (cleanstart_image).
      utils: a target whose files are the utilities, installed in /usr/bin.
    """
    cleanimg_allow_lists(
        name = name + "_allow_lists",
        executable_trees = {utils: "/usr/bin"},
    )
    cleanstart_image(
        name = name,
        annotations = annotations("cleanstart-dev", "CleanStart development image: prod plus the CleanStart utilities"),
        dirs = DIRS,
        entrypoint = ENTRYPOINT,
        env = ENV,
        files = dict(PROD_FILES, **{":prod_init_policy": INIT_POLICY_PATH}),
        init_policy = DEV_INIT_POLICY,
        init_policy_on_top = True,
        layered_companions = {":{}_allow_lists".format(name): DEV_ALLOW_DIR},
        layered_trees = {utils: "/usr/bin"},
        owners = OWNERS,
        policy = "//policy:dev.toml",
        user = USER,
        visibility = ["//images:__subpackages__"],
        workdir = "/",
    )
