#!/bin/sh
# Builds mailtap's libpcap addon (native/pcap-batch, or the copy named by $1) with node-gyp against
# the headers of the node that runs the build: PREFIX/include/node, which Debian's nodejs package,
# NodeSource and the official tarballs and images all ship. Without --nodedir node-gyp downloads
# the headers from nodejs.org, which a sensor or CI machine may not reach.
set -eu
dir=${1:-native/pcap-batch}
prefix=$(node -p "require('node:path').resolve(process.execPath, '..', '..')")
if [ -f "$prefix/include/node/node_api.h" ]; then
  exec node-gyp rebuild --directory="$dir" --nodedir="$prefix"
fi
echo "build-native: no headers in $prefix/include/node; node-gyp will try to download them" >&2
exec node-gyp rebuild --directory="$dir"
