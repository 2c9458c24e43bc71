# Builds mmcp-console and runs it headless on port 8000.
FROM swift:6.2-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# The manifest names the test targets and their support target by path: they must exist to load it.
COPY Tests ./Tests
RUN swift build -c release --product mmcp-console --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/mmcp-console" /mmcp-console

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libncursesw6 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /mmcp-console /usr/local/bin/mmcp-console
# The console's themes, found as ./themes from here (also by `docker exec … mmcp-console attach`).
COPY themes /opt/mmcp/themes
WORKDIR /opt/mmcp
EXPOSE 8000
STOPSIGNAL SIGTERM
ENTRYPOINT ["mmcp-console", "--headless", "--host", "0.0.0.0", "--port", "8000"]
