# Stabilis: one image for every role; the command picks the role (demo, monitor, runner, explain, certify,
# attack). The entry point is the repository's own launcher, ./stabilis.
#
#   docker build -t stabilis:0.1.0 .
#   docker run --rm -p 9404:9404 stabilis:0.1.0                              # stabilis demo
#   docker run --rm -v "$PWD/stabilis.properties:/etc/stabilis/stabilis.properties:ro" \
#       stabilis:0.1.0 monitor --config /etc/stabilis/stabilis.properties    # or: runner --config ...
#
# GPU variant for CUDA 12.8 nodes (PyTorch 2.7.1 + CUDA 12.8, from the official libtorch archive; see the
# runtime-cu128 stage for why it is not a Maven artifact):
#
#   docker build --build-arg TORCH_FLAVOR=cu128 -t stabilis:0.1.0-cu128 .
#
# Needs BuildKit (the default builder since Docker 23): only the stages the chosen flavor uses are built.
#
# Writable paths at run time: /tmp (java.io.tmpdir: RocksDB, Snappy, zstd unpack their native libraries there),
# DJL_CACHE_DIR and the Kafka Streams state directory. libtorch is in the image once, unpacked at build time to
# /opt/libtorch/lib (PYTORCH_LIBRARY_PATH, about 448 MB; the CPU native jar it comes from is not copied), and DJL's
# JNI library to ENGINE_CACHE_DIR, which DJL only reads, so the image also runs with a read-only root file system:
# mount empty directories (Kubernetes emptyDir) at /tmp, /var/cache/stabilis/djl and /var/lib/stabilis/state (set
# stabilis.monitor.state.dir to it), as the Helm chart in helm/stabilis does.
#
# What the runtime stage copies, measured on the files `mvn -DskipTests package` builds (tools/image-contents.sh):
# 702 MB with the native jar and its unpacked copy (5938bdd), 590 MB now, on top of the JRE base image.

# cpu or cu128; must name one of the runtime-* stages below.
ARG TORCH_FLAVOR=cpu

# ---------------------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
ARG TORCH_FLAVOR
# Must match the parent pom's djl.version and pytorch.native.version (DockerfileIT checks it).
ARG DJL_VERSION=0.36.0
ARG PYTORCH_VERSION=2.7.1
WORKDIR /build
# A C compiler for the shim that lets libtorch's MKL take its AVX2 kernels on AMD CPUs (model-runner/src/main/native;
# the build makes it where /usr/bin/cc exists, and ./stabilis preloads it).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*

# Dependencies and plugins first, from the poms alone, so that a source change does not download them again.
# Every module the parent pom lists must have its pom here, or Maven refuses the reactor (DockerfileIT checks it).
# The MKL shim's C source comes with them: model-runner's build compiles it wherever a C compiler is.
COPY pom.xml ./
COPY model-runner/pom.xml model-runner/
COPY monitor/pom.xml monitor/
COPY deploy/pom.xml deploy/
COPY model-runner/src/main/native model-runner/src/main/native
RUN mvn -B -ntp -q -DskipTests -pl monitor -am package

COPY model-runner/src model-runner/src
COPY monitor/src monitor/src
RUN mvn -B -ntp -o -DskipTests -pl monitor -am package

# libtorch and DJL's JNI library, each once. DJL finds libtorch through PYTORCH_LIBRARY_PATH (with PYTORCH_VERSION
# and PYTORCH_FLAVOR) and the JNI library for that flavor in ENGINE_CACHE_DIR, so the CPU native jar (111 MB
# compressed, 448 MB unpacked) is unpacked here into libtorch/lib and dropped from lib/: before, the image carried
# the jar and DJL's unpacked copy of it. CUDA: libtorch comes from the runtime-cu128 stage; the CPU jar goes too, so
# nothing falls back to it silently.
RUN dir="engine-cache/pytorch/${PYTORCH_VERSION}-${TORCH_FLAVOR}-linux-x86_64" \
 && mkdir -p engine-cache/pytorch libtorch/lib "$dir" \
 && (cd "$dir" && jar xf "/build/monitor/target/lib/pytorch-jni-${PYTORCH_VERSION}-${DJL_VERSION}.jar" \
       "jnilib/linux-x86_64/${TORCH_FLAVOR}/libdjl_torch.so" \
     && mv "jnilib/linux-x86_64/${TORCH_FLAVOR}/libdjl_torch.so" "${DJL_VERSION}-libdjl_torch.so" \
     && rm -r jnilib) \
 && if [ "$TORCH_FLAVOR" = cpu ]; then \
      (cd libtorch && jar xf /build/monitor/target/lib/pytorch-native-cpu-${PYTORCH_VERSION}-linux-x86_64.jar pytorch/cpu/linux-x86_64 \
       && mv pytorch/cpu/linux-x86_64/* lib/ && rm -r pytorch); \
    fi \
 && rm monitor/target/lib/pytorch-native-cpu-*.jar

# ---------------------------------------------------------------------------------------------------------------
# Runtime bases, one per flavor; the last stage starts FROM runtime-${TORCH_FLAVOR}.
FROM eclipse-temurin:17-jre-jammy AS runtime-cpu
COPY --from=build /build/libtorch /opt/libtorch
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cpu

# CUDA 12.8: DJL 0.36's pytorch-jni carries a cu128 JNI build for PyTorch 2.7.1, but Maven Central has no
# pytorch-native-cu128 jar (its last CUDA native jar is pytorch-native-cu124:2.5.1; DJL downloads CUDA builds at
# run time, which an offline cluster cannot). So the CUDA libtorch (with its CUDA, cuDNN and NCCL libraries) comes
# from PyTorch's official archive, and DJL loads it through PYTORCH_LIBRARY_PATH.
FROM ubuntu:22.04 AS libtorch-cu128
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip
# Required: the archive's SHA-256, which you have verified yourself (`sha256sum` of a download you trust). The build
# stops before downloading without it, and fails on any other archive.
ARG LIBTORCH_SHA256
RUN test -n "$LIBTORCH_SHA256" || { echo "--build-arg LIBTORCH_SHA256=<sha256 of $LIBTORCH_URL> is required" >&2; exit 1; }
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL -o /tmp/libtorch.zip "$LIBTORCH_URL" \
 && echo "$LIBTORCH_SHA256  /tmp/libtorch.zip" | sha256sum -c - \
 && unzip -q /tmp/libtorch.zip -d /opt \
 && rm /tmp/libtorch.zip \
 && find /opt/libtorch -mindepth 1 -maxdepth 1 ! -name lib -exec rm -rf {} + \
 && find /opt/libtorch/lib -type f ! -name '*.so*' -delete

FROM nvidia/cuda:12.8.1-base-ubuntu22.04 AS runtime-cu128
COPY --from=eclipse-temurin:17-jre-jammy /opt/java/openjdk /opt/java/openjdk
COPY --from=libtorch-cu128 /opt/libtorch /opt/libtorch
# DJL counts GPUs through libcudart.so (by that name): the base image has only the versioned file.
RUN cudart="$(find -L /usr/local/cuda/ -name 'libcudart.so.12*' -type f -print -quit)" \
 && test -n "$cudart" \
 && ln -s "$cudart" /usr/local/lib/libcudart.so \
 && ldconfig
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128

# ---------------------------------------------------------------------------------------------------------------
FROM runtime-${TORCH_FLAVOR} AS runtime
ARG TORCH_FLAVOR
LABEL org.opencontainers.image.title="stabilis" \
      org.opencontainers.image.description="Watches whether a deployed model's explanations can be trusted: attributions, certified stability bounds and attack metrics on a Kafka stream." \
      org.opencontainers.image.version="0.1.0"

RUN groupadd --system --gid 10001 stabilis \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/stabilis --create-home --shell /usr/sbin/nologin stabilis

WORKDIR /opt/stabilis
# The layout ./stabilis expects: monitor/target/stabilis-monitor.jar and monitor/target/lib/ beside it.
COPY --from=build /build/monitor/target/stabilis-monitor.jar monitor/target/stabilis-monitor.jar
COPY --from=build /build/monitor/target/lib/ monitor/target/lib/
COPY --from=build /build/model-runner/target/native/ model-runner/target/native/
COPY --from=build /build/engine-cache/ engine-cache/
COPY stabilis ./
COPY models/ models/
COPY examples/ examples/

ENV DJL_CACHE_DIR=/var/cache/stabilis/djl \
    ENGINE_CACHE_DIR=/opt/stabilis/engine-cache \
    STABILIS_METRICS_HOST=0.0.0.0 \
    JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"

# Smoke test on CPU: the engine loads libtorch from PYTORCH_LIBRARY_PATH offline and explains a sample. The CUDA
# build has no GPU to run on here.
RUN if [ "$TORCH_FLAVOR" = cpu ]; then \
      ./stabilis explain --model models/digits/1 --input examples/digits-v2.json --method ig > /dev/null; \
    fi \
 && chmod -R a+rX /opt/stabilis \
 && rm -rf /tmp/* \
 && mkdir -p /var/cache/stabilis/djl /var/lib/stabilis/state /etc/stabilis \
 && chown -R 10001:10001 /var/cache/stabilis /var/lib/stabilis

USER 10001:10001

# /metrics, /health, /ready: 9404 for the monitor and the demo, 9405 for the runner. 9092: the demo's broker, which
# listens on the container's loopback only, so it is reachable from the host with --network host, not with -p.
EXPOSE 9404 9405 9092

# Docker only (Kubernetes uses the chart's probes): /health of the long-running commands, without curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "for port in ${STABILIS_METRICS_PORT:-9404 9405}; do (exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null && exit 0; done; exit 1"]

ENTRYPOINT ["/opt/stabilis/stabilis"]
CMD ["demo"]
