#!/usr/bin/env bash
# Runs //images:prod (amd64) under runc, as root: the init must start the demo service, a request
# must get an answer, and SIGTERM must end the container with 143 (the service died of the
# forwarded SIGTERM; the init reports 128+15). Then, with one byte appended to the service, the
# init must refuse to start it (its runtime policy pins the sha256). Used by .ci/run after the
# image is built.
#
#   images/run_prod.sh [LAYOUT]     (default: bazel-bin/images/prod_unchecked)
set -euo pipefail
layout=${1:-bazel-bin/images/prod_unchecked}
for tool in runc curl python3 tar; do
  command -v "$tool" >/dev/null || { echo "run_prod.sh: $tool not found (apt-get install runc curl)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "run_prod.sh: runc needs root" >&2; exit 2; }

work=$(mktemp -d)
id=cleanstart-prod-$$
cleanup() { runc delete --force "$id" >/dev/null 2>&1 || true; runc delete --force "$id-tampered" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# The amd64 manifest's layer and config, from the layout's index of indexes.
python3 - "$layout" "$work" <<'PY'
import json, os, sys
layout, work = sys.argv[1], sys.argv[2]
blob = lambda d: os.path.join(layout, "blobs", "sha256", d.split(":", 1)[1])
index = json.load(open(os.path.join(layout, "index.json")))
def manifests(descs):
    for d in descs:
        doc = json.load(open(blob(d["digest"])))
        if "manifests" in doc:
            yield from manifests(doc["manifests"])
        else:
            yield d, doc
desc, manifest = next((d, m) for d, m in manifests(index["manifests"]) if d.get("platform", {}).get("architecture") == "amd64")
config = json.load(open(blob(manifest["config"]["digest"])))["config"]
open(os.path.join(work, "layer"), "w").write(blob(manifest["layers"][0]["digest"]))
json.dump(config, open(os.path.join(work, "image-config.json"), "w"))
PY
mkdir -p "$work/bundle/rootfs"
tar -C "$work/bundle/rootfs" -xzf "$(cat "$work/layer")"
(cd "$work/bundle" && runc spec)
# The image config decides the process; the host network lets curl reach the service.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
spec_path = f"{work}/bundle/config.json"
spec, image = json.load(open(spec_path)), json.load(open(f"{work}/image-config.json"))
uid, _, gid = image["User"].partition(":")
p = spec["process"]
p.update(terminal=False, args=image["Entrypoint"] + image.get("Cmd", []), env=image.get("Env", []),
         cwd=image.get("WorkingDir") or "/", user={"uid": int(uid), "gid": int(gid or uid)})
spec["root"]["readonly"] = True
spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "network"]
json.dump(spec, open(spec_path, "w"))
PY

echo "== runc run $id: $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["Entrypoint"]))' "$work/image-config.json")"
runc run --bundle "$work/bundle" "$id" > "$work/out.log" 2>&1 &
runc_pid=$!
answer=""
for _ in $(seq 1 50); do
  answer=$(curl -fsS --max-time 2 http://127.0.0.1:8080/ 2>/dev/null) && break
  sleep 0.1
done
echo "GET / -> ${answer:-no answer}"
[ "$answer" = "hello from a CleanStart image" ] || { cat "$work/out.log"; echo "FAIL: no answer from the service" >&2; exit 1; }
ps -o pid,user,args --ppid "$(runc state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" || true
runc kill "$id" TERM
set +e
wait "$runc_pid"
code=$?
set -e
cat "$work/out.log"
echo "exit status after SIGTERM: $code"
[ "$code" = 143 ] || { echo "FAIL: expected 143 (128 + SIGTERM)" >&2; exit 1; }
echo "PASS: prod image ran under runc, answered, and stopped cleanly on SIGTERM"

# The runtime policy baked into the image pins the service's sha256: a tampered service must not run.
printf '\0' >> "$work/bundle/rootfs/app/demo-server"
set +e
runc run --bundle "$work/bundle" "$id-tampered" > "$work/tampered.log" 2>&1
code=$?
set -e
cat "$work/tampered.log"
if [ "$code" != 126 ] || ! grep -q '^cleanimg_init: refusing to start /app/demo-server: its sha256 is' "$work/tampered.log"; then
  echo "FAIL: tampered service: expected the init to refuse it with 126, got $code" >&2; exit 1
fi
echo "PASS: the init refused the tampered service (exit status $code)"
