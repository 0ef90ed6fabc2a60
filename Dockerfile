# mailtap image. Multi-stage: the build stage compiles cap (native, against libpcap-dev) and the
# TypeScript with the same commands CI runs (npm ci, npm run build); the runtime stage is slim
# Node 20 with libpcap only, running as an unprivileged user. Checked by
# test/unit/ops/dockerfile.test.ts (no Docker engine in CI). Run it (docs/operations.md):
#   docker run -d --name mailtap --net=host --cap-add NET_RAW --cap-add NET_ADMIN \
#     -v /etc/mailtap:/etc/mailtap:ro -v /var/log/mailtap:/var/log/mailtap \
#     mailtap run --config /etc/mailtap/mailtap.yaml --interface eth1 --events /var/log/mailtap/events.ndjson
FROM node:20-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcap-dev python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
# The native capture backend (capture.backend: native, the default) is built with the TypeScript.
COPY native ./native
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# libpcap0.8 is what cap.node links against. cap also dlopen()s the unversioned "libpcap.so" to
# find pcap_set_immediate_mode (node_modules/cap/src/binding.cc); only libpcap-dev ships that
# name, so it is linked here by hand. On glibc the lookup would still succeed through cap.node's
# own libpcap.so.0.8 (test/unit/ops/libpcap-immediate.test.ts proves both), but the link keeps
# immediate mode independent of that libc detail: without it packets wait for a TPACKET_V3
# block to fill or the 1 s read timeout.
# setcap gives node the two capture capabilities as file capabilities: Docker grants --cap-add
# capabilities to root only, and the process runs as `mailtap`. The container must then be
# started with both caps (the kernel refuses to exec a binary whose file caps it cannot grant),
# which is also why the libpcap.so check (node -e: the build fails, not the first capture, when
# the name does not resolve) runs before setcap: `docker build` has no NET_ADMIN.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcap0.8 libcap2-bin \
    && lib="$(find /usr/lib -name 'libpcap.so.0.8' -print -quit)" && test -n "$lib" \
    && ln -sf libpcap.so.0.8 "$(dirname "$lib")/libpcap.so" \
    && ldconfig \
    && node -e "try { process.dlopen({ exports: {} }, 'libpcap.so') } catch (e) { if (/cannot open/.test(e.message)) { console.error(e.message); process.exit(1) } }" \
    && setcap cap_net_raw,cap_net_admin+ep "$(readlink -f /usr/local/bin/node)" \
    && apt-get purge -y libcap2-bin \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10469 mailtap \
    && useradd --system --uid 10469 --gid mailtap --home-dir /nonexistent --shell /usr/sbin/nologin mailtap \
    && install -d -o mailtap -g mailtap -m 0750 /var/log/mailtap /var/lib/mailtap
WORKDIR /opt/mailtap
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/native/pcap-batch/build/Release/pcap_batch.node ./native/pcap-batch/build/Release/pcap_batch.node
COPY package.json ./
COPY config ./config
USER mailtap:mailtap
ENV NODE_ENV=production
# /metrics on every address of the container, so EXPOSE 9469 (or the host's port, with
# --net=host) can be scraped; the shipped config listens on loopback only. Override with
# -e MAILTAP_METRICS_LISTEN=127.0.0.1:9469 where the port must stay local.
ENV MAILTAP_METRICS_LISTEN=0.0.0.0:9469
VOLUME ["/var/log/mailtap", "/var/lib/mailtap"]
EXPOSE 9469
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["node", "-e", "fetch('http://127.0.0.1:9469/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/mailtap/dist/src/cli/main.js"]
CMD ["run", "--config", "/opt/mailtap/config/mailtap.yaml"]
