# Sourced by scripts that fetch Debian packages: host_mirror prints the Debian mirror this host's
# apt already uses (the first URIs: of /etc/apt/sources.list.d/*.sources, else the first deb line
# of /etc/apt/sources.list). The project never names a mirror itself.
host_mirror() {
  local m=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  if [ -z "$m" ]; then
    echo "error: no Debian mirror found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list" >&2
    return 1
  fi
  printf '%s\n' "$m"
}
