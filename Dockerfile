# The driftless daemon image. Multi-stage: Maven builds the runnable jar, a small JRE image runs it.
#
# No base image can be pulled here, so both bases are build args. scripts/base-images.sh makes
# them locally from Debian packages and the local JDK, and prints the matching --build-arg flags;
# scripts/docker-image.sh does both steps. With a registry you may pass any image that has a
# JDK >= 21 and Maven (BUILD_IMAGE) and any image with a Java >= 21 runtime at $JAVA_HOME
# (RUNTIME_IMAGE), e.g. eclipse-temurin:21-jdk plus maven, and eclipse-temurin:21-jre.
ARG BUILD_IMAGE=driftless/jdk-build:latest
ARG RUNTIME_IMAGE=driftless/jre:latest

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Poms first, so the dependency download is a cached layer while only sources change.
COPY pom.xml ./
COPY model/pom.xml model/
COPY secrets/pom.xml secrets/
COPY reconciler/pom.xml reconciler/
RUN mvn -B -q -ntp -DskipTests -Dmaven.main.skip -Dmaven.test.skip=true -Denforcer.skip package \
      >/dev/null 2>&1 || true
COPY model/src model/src
COPY secrets/src secrets/src
COPY reconciler/src reconciler/src
RUN mvn -B -q -ntp -DskipTests package && cp reconciler/target/driftless-[0-9]*.jar /driftless.jar

FROM ${RUNTIME_IMAGE}
RUN groupadd --system driftless && useradd --system --gid driftless --home-dir /var/lib/driftless \
      --create-home driftless && install -d -o driftless -g driftless /etc/driftless
COPY --from=build /driftless.jar /opt/driftless/driftless.jar
USER driftless
WORKDIR /var/lib/driftless
# State (git cache, H2 history) lives here; mount a volume to keep it across restarts.
VOLUME ["/var/lib/driftless"]
# Prometheus metrics and health endpoint.
EXPOSE 9464
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/driftless/driftless.jar"]
CMD ["run", "--config", "/etc/driftless/driftless.yaml"]
