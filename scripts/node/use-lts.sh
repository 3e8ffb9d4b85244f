# Puts Node.js 24 (the LTS this project runs on) first on PATH for the calling shell:
#   source scripts/node/use-lts.sh
# The machine's own node is used when it is 24 or later. Otherwise the official Node build is
# fetched once from the npm registry (package node-linux-<arch>, which carries the release's
# binary and headers) into .cache/node/, so an older machine gets the LTS from a registry it can
# reach instead of failing. npm itself is the machine's (npm 11 runs on Node 24).
# It also points node-gyp at the headers of the Node it picked (hnswlib-node compiles against them).

shopsense_use_lts() {
  local wanted_major=24 pinned=24.22.3
  local root arch folder current
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  current=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
  if [[ ${current%%.*} -ge $wanted_major ]]; then
    # Headers of this node: the official builds keep them beside the binary (…/include/node).
    local prefix
    prefix=$(cd "$(dirname "$(command -v node)")/.." && pwd)
    [[ -f $prefix/include/node/node_api.h ]] && export npm_config_nodedir=$prefix
    return 0
  fi
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "use-lts: no Node $wanted_major build for $(uname -m) on the npm registry; install Node $wanted_major yourself" >&2; return 1 ;;
  esac
  folder=$root/.cache/node/v$pinned-linux-$arch
  if [[ ! -x $folder/bin/node ]]; then
    echo "use-lts: this machine has Node $current; fetching Node $pinned (node-linux-$arch from the npm registry) into ${folder#"$root"/}" >&2
    local tmp
    tmp=$(mktemp -d) || return 1
    if ! (cd "$tmp" && npm pack --silent "node-linux-$arch@$pinned" >/dev/null && tar -xzf "node-linux-$arch-$pinned.tgz"); then
      rm -rf "$tmp"
      echo "use-lts: could not fetch node-linux-$arch@$pinned from the npm registry" >&2
      return 1
    fi
    mkdir -p "$(dirname "$folder")" && rm -rf "$folder" && mv "$tmp/package" "$folder" && rm -rf "$tmp"
  fi
  export PATH=$folder/bin:$PATH npm_config_nodedir=$folder
  hash -r
  echo "use-lts: using Node $(node --version) from ${folder#"$root"/}" >&2
}

shopsense_use_lts
