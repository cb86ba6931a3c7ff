# The Around the Grounds worker (and its starter, schedule manager and CLI) as a container:
# nothing in it but the static binaries, the CA roots, and git for the push.
#
#   cargo xtask dist                        # target/dist: the binaries, certs/, rootfs/
#   docker build -t around-the-grounds -f Dockerfile target/dist
#   docker run --read-only --tmpfs /tmp --env-file worker.env around-the-grounds
#
# The build context is target/dist, not the repository: no source, no secret, no .env can end
# up in the image. Secrets come at run time (--env-file, or files mounted read-only).
# docs/OPERATIONS.md has the details.
FROM scratch

# git and exactly the shared libraries it needs (https pushes), passwd/group for the user.
COPY rootfs/ /
COPY certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY atg-worker atg-starter atg-schedule-manager around-the-grounds /usr/local/bin/

ENV PATH=/usr/local/bin:/usr/bin \
    HOME=/tmp \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    GIT_SSL_CAINFO=/etc/ssl/certs/ca-certificates.crt \
    GIT_EXEC_PATH=/usr/lib/git-core \
    ATG_LOG_FORMAT=json \
    ATG_HEALTH_ADDR=127.0.0.1:9465 \
    ATG_VISION_CACHE=/tmp/vision-cache.json

# Not root; the root file system can be read-only (run with --read-only --tmpfs /tmp).
USER 65532:65532

# SIGTERM: in-flight activities finish (up to 30 s), then the worker exits 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/atg-worker", "--health"]

ENTRYPOINT ["/usr/local/bin/atg-worker"]
