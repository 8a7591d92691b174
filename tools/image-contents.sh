#!/usr/bin/env bash
# What the CPU image's runtime stage copies, in MB, from what `mvn -DskipTests package` built: no Docker engine
# needed. "before" is the layout of 5938bdd (lib/ with the PyTorch CPU native jar plus DJL's unpacked copy of it in
# the engine cache), "now" the current Dockerfile's (the jar unpacked once to /opt/libtorch/lib, dropped from lib/).
# The base image (eclipse-temurin:17-jre-jammy) is the same in both and not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=monitor/target/lib
native=$(ls "$lib"/pytorch-native-cpu-*.jar)
jni=$(ls "$lib"/pytorch-jni-*.jar)
bytes() { du -sb "$@" | awk '{s += $1} END {print s}'; }
# sizes of entries inside a jar, from its central directory
entries() { unzip -l "$1" "$2" | awk 'NR > 3 && $4 != "" && $1 ~ /^[0-9]+$/ {s += $1} END {print s + 0}' | tail -1; }
app=$(bytes monitor/target/stabilis-monitor.jar stabilis models examples)
libs=$(bytes "$lib")
jar=$(bytes "$native")
torch=$(entries "$native" 'pytorch/cpu/linux-x86_64/*')
jnilib=$(entries "$jni" 'jnilib/linux-x86_64/cpu/libdjl_torch.so')
before=$((app + libs + torch + jnilib))
now=$((app + libs - jar + torch + jnilib))
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1e6}'; }
echo "application jar, launcher, models, examples: $(mb "$app") MB"
echo "lib/ (runtime dependencies):                 $(mb "$libs") MB, of which the PyTorch CPU native jar $(mb "$jar") MB"
echo "libtorch unpacked:                            $(mb "$torch") MB; DJL JNI library $(mb "$jnilib") MB"
echo "before (jar + unpacked engine cache):         $(mb "$before") MB"
echo "now (libtorch once):                          $(mb "$now") MB"
