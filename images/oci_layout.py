"""Reading an OCI image layout's index for the image scripts (runc_bundle.sh, sizes.sh)."""

import json
import os


def blob(layout, digest):
    """The path of the blob with this digest."""
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def manifests(layout):
    """(descriptor, manifest) of every image in the layout, through nested indexes."""
    def walk(descriptors):
        for descriptor in descriptors:
            with open(blob(layout, descriptor["digest"])) as f:
                doc = json.load(f)
            if "manifests" in doc:
                yield from walk(doc["manifests"])
            else:
                yield descriptor, doc
    with open(os.path.join(layout, "index.json")) as f:
        yield from walk(json.load(f)["manifests"])
