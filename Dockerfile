# syntax=docker/dockerfile:1
# Build: docker build --build-arg VERSION=v0.1.0 -t scnetbot:v0.1.0 .
# (the README shows the push; .dockerignore keeps .git and state files out)
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Static binary: no libc in the final image. tzdata is embedded by the
# binary itself (time/tzdata), so DISPLAY_TIMEZONE works without /usr/share/zoneinfo.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/scnetbot .
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scnetbot /usr/local/bin/scnetbot
# The watcher's state (bbolt) lives on a volume so a restart keeps it.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
ENV STATE_PATH=/data/scnetbot.db \
    HTTP_ADDR=:8080 \
    LOG_FORMAT=json
EXPOSE 8080
# Numeric, not nonroot:nonroot: with runAsNonRoot the kubelet must see that
# the user is not root, and it cannot look a name up in the image.
USER 65532:65532
# distroless has no shell or curl: the binary checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["/usr/local/bin/scnetbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/scnetbot"]
