# headroom in a container, for the Indexed Job of examples/indexed-job/ (and CI runners).
# The bundled scenarios and pricing catalogs are baked in, so every share hashes the same inputs.
#   docker build -t headroom:0.1.0 .
FROM rust:1.90-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
COPY --from=build /src/target/release/headroom /usr/local/bin/headroom
COPY scenarios /work/scenarios
COPY pricing /work/pricing
WORKDIR /work
ENTRYPOINT ["headroom"]
