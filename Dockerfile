# The operator image: one bundled file (npm run bundle) on a distroless Node 24 base. No npm, no shell, no
# node_modules at run time; runs as the base's nonroot user (65532), which the chart's securityContext expects.
# `npm run image` (hack/image/) builds the same image without Docker, reading this file's runtime stage.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY hack ./hack
COPY src ./src
RUN npm run bundle

FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /src/dist/bundle/cluster-registry-operator.mjs /app/cluster-registry-operator.mjs
# glibc otherwise raises its mmap threshold as soon as one large block is freed, and keeps the memory of what V8
# allocated to compile the bundle at start: with it fixed at 32 KiB those blocks go back to the system when freed
# (about 10 MiB less RSS from start on; docs/benchmarks.md).
ENV MALLOC_MMAP_THRESHOLD_=32768
USER 65532:65532
# The base's entrypoint is node itself; `run` by default, so `docker run IMAGE` starts the operator.
# --memory-saver-mode keeps V8's heap close to what is live ("at the expense of extra cpu cycles", V8 says): with
# 1,000 objects the operator peaks under 100 MiB RSS with these flags, at 140-200 MiB without it (the bench's
# findings). --optimize-for-size bounds it
# as well but also trades code speed for size: 13% more CPU on the means of five alternating pairs, for the same
# peak. --no-turbofan leaves V8's top tier out (Maglev still optimizes hot code): 2-5 MiB less at the peak and
# while heart-beating, for the same CPU (mirrored rounds by hand, docs/benchmarks.md). V8 flags, not Node's: the
# tests run the image's Node, which would refuse them if a new V8 dropped one. The bench and the chart tests read
# these flags from here, so they run the bundle as the image does.
ENTRYPOINT ["/nodejs/bin/node", "--memory-saver-mode", "--no-turbofan", "/app/cluster-registry-operator.mjs"]
CMD ["run"]
