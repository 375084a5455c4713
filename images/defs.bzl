"""What the CleanStart images hold, shared by //images:prod and //images:dev."""

# The runtime: the init runs the demo service as the non-root user 65532.
ENTRYPOINT = [
    "/usr/bin/cleanimg_init",
    "--",
    "/app/demo-server",
]

ENV = {"PATH": "/usr/bin:/app"}

USER = "65532:65532"

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
