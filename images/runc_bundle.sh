# Sourced by the images' run_*.sh scripts: turns one platform's image of a layout into a runc bundle.
#
#   make_bundle LAYOUT WORK [ARCH]  -> WORK/bundle (rootfs + config.json from the image config),
#                                      WORK/image-config.json; ARCH: amd64 (default) or arm64
# The process is the image's Entrypoint + Cmd, as the image's user, with the host network (so a
# test can reach a service on 127.0.0.1). Callers adjust WORK/bundle/config.json further.
make_bundle() {
  local layout=$1 work=$2 arch=${3:-amd64}
  for tool in runc python3 tar; do
    command -v "$tool" >/dev/null || { echo "make_bundle: $tool not found (apt-get install runc)" >&2; return 2; }
  done
  [ "$(id -u)" = 0 ] || { echo "make_bundle: runc needs root" >&2; return 2; }
  # The platform's manifest's layers and config, from the layout's index of indexes.
  python3 - "$layout" "$work" "$(dirname "${BASH_SOURCE[0]}")" "$arch" <<'PY'
import json, os, sys
layout, work, arch = sys.argv[1], sys.argv[2], sys.argv[4]
sys.dont_write_bytecode = True  # nothing left in the work tree
sys.path.insert(0, sys.argv[3])
from oci_layout import blob, manifests
desc, manifest = next((d, m) for d, m in manifests(layout) if d.get("platform", {}).get("architecture") == arch)
config = json.load(open(blob(layout, manifest["config"]["digest"])))["config"]
open(os.path.join(work, "layers"), "w").write("".join(blob(layout, l["digest"]) + "\n" for l in manifest["layers"]))
json.dump(config, open(os.path.join(work, "image-config.json"), "w"))
PY
  mkdir -p "$work/bundle/rootfs"
  # Layers in order, each over the ones before (a later file replaces an earlier one). Our images
  # have no whiteouts; one would need a real unpacker, so it is refused rather than mis-applied.
  local layer
  while read -r layer; do
    if tar -tzf "$layer" | grep -q '\(^\|/\)\.wh\.'; then
      echo "make_bundle: $layer holds whiteouts, which this script does not apply" >&2
      return 2
    fi
    tar -C "$work/bundle/rootfs" -xzf "$layer"
  done <"$work/layers"
  (cd "$work/bundle" && runc spec)
  python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
spec_path = f"{work}/bundle/config.json"
spec, image = json.load(open(spec_path)), json.load(open(f"{work}/image-config.json"))
uid, _, gid = image["User"].partition(":")
p = spec["process"]
p.update(terminal=False, args=image["Entrypoint"] + image.get("Cmd", []), env=image.get("Env", []),
         cwd=image.get("WorkingDir") or "/", user={"uid": int(uid), "gid": int(gid or uid)})
spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "network"]
json.dump(spec, open(spec_path, "w"))
PY
}

# set_process WORK ARG...: replace the bundle's process arguments.
set_process() {
  local work=$1
  shift
  python3 - "$work/bundle/config.json" "$@" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["process"]["args"] = sys.argv[2:]
json.dump(spec, open(sys.argv[1], "w"))
PY
}

# set_root_readonly WORK true|false: whether the container sees its root filesystem read-only.
set_root_readonly() {
  python3 - "$1/bundle/config.json" "$2" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["root"]["readonly"] = sys.argv[2] == "true"
json.dump(spec, open(sys.argv[1], "w"))
PY
}

# add_tmpfs WORK PATH: a fresh tmpfs at PATH, as runtimes mount writable scratch space.
add_tmpfs() {
  python3 - "$1/bundle/config.json" "$2" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["mounts"].append({"destination": sys.argv[2], "type": "tmpfs", "source": "tmpfs",
                       "options": ["nosuid", "nodev", "noexec", "mode=1777", "size=64m"]})
json.dump(spec, open(sys.argv[1], "w"))
PY
}

# entrypoint_of WORK: the image's entrypoint, for messages.
entrypoint_of() {
  python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["Entrypoint"]))' "$1/image-config.json"
}

# fetch_when_up URL TRIES: GET URL every 0.2 s until it answers (prints the body) or TRIES run out.
fetch_when_up() {
  local _
  for _ in $(seq 1 "$2"); do
    curl -fsS --max-time 2 "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# container_pid ID: the pid of the container's first process, as runc reports it.
container_pid() {
  runc state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'
}
