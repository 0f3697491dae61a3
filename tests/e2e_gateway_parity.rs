#![cfg(feature = "e2e")]
//! Our frontend against the reference on the same daemon: scripts/compare builds each Dockerfile
//! with `dockerfile.v0` and with our image (`gateway.v0`, myorg/frontend) and compares the root
//! filesystems and image configs.

mod e2e_support;

use e2e_support::{build_frontend_image, compare, context, fixture, OURS, REFERENCE};

fn assert_equal_to_reference(args: &[&str]) {
    build_frontend_image();
    let out = compare(&[args, &["--left", REFERENCE, "--right", OURS]].concat());
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("equal"), "{}", out.stdout);
}

#[test]
fn hello_c_matches_the_reference() {
    assert_equal_to_reference(&["--context", fixture("hello-c").to_str().unwrap()]);
}

const SERVICE: &str = r#"ARG BASE=busybox
FROM ${BASE} AS base
ARG GREETING=hello
ENV APP_HOME=/srv/app PATH=/srv/app/bin:$PATH
WORKDIR $APP_HOME
COPY --chown=1000:1000 src/ ./src/
RUN mkdir -p bin && echo "$GREETING" > greeting && cat /etc/hosts | grep -c myhost > hosts
USER 1000
EXPOSE 8080/tcp 9090
HEALTHCHECK --interval=30s --timeout=3s CMD ["true"]
LABEL org.example.version="1.0" description="test image"
STOPSIGNAL SIGTERM
VOLUME /data
ENTRYPOINT ["sh", "-c"]
CMD ["cat greeting"]

FROM base AS other
RUN echo other > /tmp/other
"#;

#[test]
fn build_options_match_the_reference() {
    let dir = context(&[
        ("src/a.txt", "a\n"),
        ("src/b.log", "ignored\n"),
        (".dockerignore", "src/*.log\n"),
        ("Dockerfile", SERVICE),
    ]);
    assert_equal_to_reference(&[
        "--context",
        dir.path().to_str().unwrap(),
        "--target",
        "base",
        "--build-arg",
        "GREETING=bonjour",
        "--opt",
        "label:org.example.extra=1",
        "--opt",
        "add-hosts=myhost=10.1.2.3",
    ]);
}
