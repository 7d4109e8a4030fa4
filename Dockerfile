# syntax=docker/dockerfile:1
#
# Two stages: a Go toolchain builds one static binary, and a distroless image
# with nothing but that binary, CA certificates and time zones runs it.
#
#   docker build --build-arg VERSION=1.2.3 -t aquaml:1.2.3 .
#   docker run -p 8000:8000 -v aquaml-data:/data \
#     -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... aquaml:1.2.3
#   docker run -p 8000:8000 -e ENVIRONMENT=development aquaml:1.2.3   # a try-out on the embedded stores
#
# The image runs production settings unless told otherwise: it refuses to
# start without DATABASE_URL and REDIS_URL. Secrets left unset are generated
# at first start and kept in /data/secrets (mode 0600), so keep /data on a
# volume that every container of the deployment shares.
#
# The 1.26 tag follows the latest 1.26.x release, which satisfies go.mod's
# "go 1.26.8" (the official image sets GOTOOLCHAIN=local, so an older patch
# release would refuse to build instead of downloading a toolchain).
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/aquaml/aquaml/app.version=${VERSION}" \
      -o /out/aquaml . \
 && mkdir -p /out/data/models

# distroless/static has no shell, package manager or libc: the pure-Go binary
# (SQLite included) needs none of them.
FROM gcr.io/distroless/static-debian12 AS runtime

# /data holds generated secrets, the embedded SQLite file (used when
# DATABASE_URL is empty) and uploaded models. It is created in the build stage because this image has no
# mkdir, and owned by the uid the process runs as. Mount a volume there to
# keep it across container restarts.
COPY --from=build --chown=1000:1000 /out/data /data
COPY --from=build /out/aquaml /aquaml

ENV ENVIRONMENT=production \
    DATA_DIR=/data \
    SQLITE_PATH=/data/aquaml.db \
    MODEL_DIR=/data/models

# Relative defaults (configs/config.yaml, .env) are looked up from here: mount
# a config file at /configs/config.yaml to use one.
WORKDIR /
USER 1000:1000
EXPOSE 8000

# Calls /live on 127.0.0.1:API_PORT, so API_PORT (not --port) must carry a
# non-default port. Works for both serve and worker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/aquaml", "healthcheck"]

ENTRYPOINT ["/aquaml"]
CMD ["serve"]
