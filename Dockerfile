# syntax=docker/dockerfile:1
# liveplatform-exporter container image: a static (musl) binary on an empty base.
#
#   docker build --build-arg LIVEPLATFORM_EXPORTER_REVISION=$(git rev-parse --short=12 HEAD) \
#       --build-arg LIVEPLATFORM_EXPORTER_BRANCH=$(git rev-parse --abbrev-ref HEAD) \
#       -t liveplatform-exporter .
#   docker run -p 9612:9612 liveplatform-exporter --demo
#
# The binary is built by scripts/build-static.sh, the same command CI builds and tests it with.

# The toolchain the project is built and tested with; tests/integration/deploy.rs checks they agree.
FROM rust:1.95.0-bookworm AS builder
WORKDIR /src

# Dependencies first, against stub sources: this layer is rebuilt only when the manifest, the lock
# file, build.rs or the build script change, not on every source edit.
COPY Cargo.toml Cargo.lock build.rs ./
COPY scripts/build-static.sh scripts/
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && scripts/build-static.sh >/dev/null \
    && rm -r src

COPY src src
COPY fixtures fixtures
# Declared only here, so that a new revision does not invalidate the dependency layer above.
# build.rs reads it from the environment (the build context has no .git).
ARG LIVEPLATFORM_EXPORTER_REVISION=unknown
ARG LIVEPLATFORM_EXPORTER_BRANCH=unknown
# COPY keeps the files' own times, which may be older than the stubs': make cargo rebuild the crate.
RUN touch src/main.rs src/lib.rs \
    && bin=$(scripts/build-static.sh) \
    && cp "$bin" /liveplatform-exporter

# Nothing but the binary and the example configuration: no shell, no libc, no CA bundle (the
# HTTPS client carries its own Mozilla roots).
FROM scratch
ARG LIVEPLATFORM_EXPORTER_REVISION=unknown
LABEL org.opencontainers.image.title="liveplatform-exporter" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.description="Prometheus exporter for AudioCodes Live Platform customer licenses" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.revision="${LIVEPLATFORM_EXPORTER_REVISION}" \
      org.opencontainers.image.base.name="scratch"
COPY --from=builder /liveplatform-exporter /liveplatform-exporter
COPY config.toml /etc/liveplatform-exporter/config.toml
# nobody:nogroup, by number: scratch has no /etc/passwd to look a name up in.
USER 65534:65534
EXPOSE 9612
# No curl in scratch: the binary probes its own /-/healthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/liveplatform-exporter", "healthcheck"]
ENTRYPOINT ["/liveplatform-exporter"]
CMD ["--config.file=/etc/liveplatform-exporter/config.toml"]
