# syntax=docker/dockerfile:1
#
# One image for all five qudao binaries (qudao-customer-records, qudao-pricing,
# qudao-credit-control, qudao-dealer-support, qudao-gateway), installed in
# /usr/local/bin. The image has no default command: each Kubernetes Deployment
# (k8s/base/<service>/deployment.yaml) names the binary it runs, e.g.
#   docker run --rm -p 50051:50051 qudao:latest qudao-customer-records \
#     --database=sqlite:///var/lib/qudao/customer-records.db
#
# Build: docker build -t qudao:latest .

############################ builder ############################
FROM debian:12 AS builder

# The build dependencies are scripts/deps.sh's (one list for CI, developers
# and the image).
COPY scripts/deps.sh /tmp/deps.sh
RUN /tmp/deps.sh --build && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# Install into a staging root (DESTDIR) so the runtime stage copies exactly
# what the install rules put under the /usr/local prefix, and nothing else.
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DQUDAO_BUILD_TESTS=OFF -DQUDAO_BUILD_BENCH=OFF \
 && cmake --build build \
 && DESTDIR=/staging cmake --install build --prefix /usr/local

############################ runtime ############################
FROM debian:12-slim

# Every library the binaries link directly, by package
# (scripts/check_image_libraries.sh, run by ctest, keeps this list true).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libhiredis0.14 \
      libsqlite3-0 libpq5 libjwt0 libssl3 libtcmalloc-minimal4 \
      libcpp-httplib0.11 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Fixed numeric uid/gid 10001: Kubernetes can only verify runAsNonRoot against
# a numeric USER, and the manifests set runAsUser/runAsGroup/fsGroup 10001.
RUN groupadd --system --gid 10001 qudao \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/qudao \
      --no-create-home --shell /usr/sbin/nologin qudao \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/qudao

COPY --from=builder /staging/usr/local/ /usr/local/

# Fail the image build, not the pod, if a binary or a runtime library is
# missing.
RUN set -e; \
    for s in customer-records pricing credit-control dealer-support gateway; do \
      b=/usr/local/bin/qudao-$s; \
      test -x "$b" || { echo "missing $b" >&2; exit 1; }; \
      if ldd "$b" | grep -q 'not found'; then ldd "$b" >&2; exit 1; fi; \
    done

USER 10001:10001
WORKDIR /var/lib/qudao
# SQLite databases (dev); production uses PostgreSQL and writes nothing here.
VOLUME ["/var/lib/qudao"]
ENV QUDAO_LOG_LEVEL=info
# gRPC: customer-records 50051, pricing 50052, credit-control 50053,
# dealer-support 50054; gateway HTTP 8080; admin (metrics, healthz) 9091-9095.
EXPOSE 50051 50052 50053 50054 8080 9091 9092 9093 9094 9095
