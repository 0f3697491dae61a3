//! The real `dockerfile-llb frontend` process against a fake buildkitd (tests/fake_gateway_support):
//! first a daemon that answers everything well, which must end in a successful Return (so the fake
//! speaks the protocol); then one case per step of the flow and way of misbehaving there. Each
//! case asserts that the frontend exits within 20 s, never panics, sends at most one Return, and
//! ends as [`expected`] says: the build still succeeds where the step is one the frontend may do
//! without (or the fault is only slowness), a Return carrying an error that names what failed,
//! or, when the connection is gone and no Return can be sent, a non-zero exit with the reason on
//! stderr.

mod fake_gateway_support;

use std::path::Path;
use std::sync::OnceLock;

use fake_gateway_support::{
    run_frontend, wrong_type_reply, Fault, Fixture, Run, Step, SLOW_REPLY, VERTEX_TYPE_URL,
};
use prost::Message;

use dockerfile_llb::proto::moby::buildkit::v1::frontend as gw;
use dockerfile_llb::proto::pb;

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        Fixture::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-gateway"))
    })
}

/// How a run must end.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A Return with a result; exit 0.
    Built,
    /// A Return with a result, and this on stderr (a failure the frontend logs and builds on).
    BuiltLogging(&'static str),
    /// A Return whose error has a non-OK code and a message containing this; exit 0.
    Failed(&'static str),
    /// A Return with the result as the daemon's odd reply described it (a ref id that is not
    /// one the fake handed out): the frontend cannot tell, the daemon judges it. Exit 0.
    Relayed,
    /// Return itself failed: a non-zero exit with "talking to buildkitd: <this>" on stderr.
    Exited(&'static str),
    /// The connection is gone, so nothing can be returned: a non-zero exit, and stderr says
    /// that Return found the connection closed (before or while it was sent).
    Lost,
}

/// What the frontend must do when the fake misbehaves with `fault` at `step`.
fn expected(step: Step, fault: Fault) -> Expect {
    use Expect::*;
    use Fault::*;
    use Step::*;
    match (step, fault) {
        // Timeouts are the daemon's business: we wait, and the build goes on.
        (_, Slow) => Built,
        // Without the connection nothing can be returned: exit 1, saying Return found it closed.
        (_, Closed) => Lost,
        // The size check is advisory (dockerui's too): any failure leaves the decision to the read.
        (StatDockerfile, _) => Built,
        // Missing ignore files are fine, so is one the daemon fails to give (an odd ref for the
        // context's has no `.dockerignore` either).
        (ReadDockerfileIgnore | ReadContextIgnore | SolveContextIgnore, WrongType) => Built,
        (ReadDockerfileIgnore | ReadContextIgnore, _) => Built,
        // An empty Warn reply decodes from anything; a failed Warn is logged, not fatal.
        (Warn, WrongType) => Built,
        (Warn, _) => BuiltLogging("could not send a Dockerfile warning"),
        // Return was received with the result; its bad answer ends the run with an error.
        (Return, WrongType) => Built,
        (Return, _) => Exited("Return: "),
        // Another message's bytes that decode as this one's: an odd ref (then unknown to the
        // daemon), a Dockerfile of garbage, an image config that is empty.
        (SolveDockerfile, WrongType) => Failed("failed to read dockerfile: ReadFile: no such ref"),
        (ReadDockerfile, WrongType) => Failed("dockerfile parse error"),
        (ResolveImageConfig, WrongType) => Failed("failed to parse image config"),
        (SolveBuild, WrongType) => Relayed,
        (Ping, _) => Failed("Ping"),
        (Inputs, _) => Failed("Inputs"),
        (SolveDockerfile | ReadDockerfile, _) => Failed("failed to read dockerfile"),
        // A base image the daemon cannot resolve is the Dockerfile's error, named by the image.
        (ResolveImageConfig, _) => Failed("alpine:3.20: "),
        (SolveContextIgnore, _) => Failed("failed to read .dockerignore"),
        (SolveBuild, _) => Failed("Solve"),
    }
}

/// The checks every run must pass, whatever the fake did.
fn assert_sane(run: &Run, what: &str) {
    assert!(
        !run.stderr.contains("panicked at"),
        "{what}: the frontend panicked:\n{}",
        run.stderr
    );
    assert!(
        run.returns().len() <= 1,
        "{what}: more than one Return: {:?}",
        run.steps()
    );
}

fn check(step: Step, fault: Fault) {
    let run = run_frontend(fixture(), Some((step, fault)));
    let what = format!("{fault:?} at {step:?}");
    assert_sane(&run, &what);
    assert!(
        run.steps().contains(&step),
        "{what}: the flow never reached the step: {:?}",
        run.steps()
    );
    let returned = run.returns().into_iter().next();
    let describe = || {
        format!(
            "{what}: exit {:?} after {:?}, steps {:?}, Return {:?}\nstderr:\n{}",
            run.status,
            run.elapsed,
            run.steps(),
            returned
                .as_ref()
                .map(|r| r.error.as_ref().map(|e| (e.code, e.message.clone()))),
            run.stderr
        )
    };
    if fault == Fault::Slow {
        assert!(
            run.elapsed >= SLOW_REPLY,
            "{} (not slowed down)",
            describe()
        );
    }
    match expected(step, fault) {
        Expect::Built => {
            assert!(run.status.success(), "{}", describe());
            assert_built(returned.as_ref(), &describe());
        }
        Expect::BuiltLogging(log) => {
            assert!(run.status.success(), "{}", describe());
            assert_built(returned.as_ref(), &describe());
            assert!(run.stderr.contains(log), "{}", describe());
        }
        Expect::Failed(needle) => {
            assert!(run.status.success(), "{}", describe());
            let returned = returned.as_ref();
            let error = returned
                .and_then(|r| r.error.as_ref())
                .unwrap_or_else(|| panic!("no Return with an error: {}", describe()));
            assert!(returned.unwrap().result.is_none(), "{}", describe());
            assert_ne!(error.code, 0, "{}", describe());
            assert!(error.message.contains(needle), "{}", describe());
            assert_relays_the_status(step, fault, error.code, &error.message, &error.details)
                .unwrap_or_else(|e| panic!("{e}: {}", describe()));
        }
        Expect::Relayed => {
            assert!(run.status.success(), "{}", describe());
            let odd = gw::SolveResponse::decode(wrong_type_reply(step).as_slice())
                .expect("the odd reply decodes as a SolveResponse")
                .r#ref;
            let result = returned.as_ref().and_then(|r| r.result.as_ref());
            match result.and_then(|r| r.result.as_ref()) {
                Some(gw::result::Result::Ref(r)) => assert_eq!(r.id, odd, "{}", describe()),
                other => panic!("not a single ref: {other:?}: {}", describe()),
            }
        }
        Expect::Exited(needle) => {
            assert!(!run.status.success(), "{}", describe());
            assert!(
                run.stderr
                    .contains(&format!("talking to buildkitd: {needle}")),
                "{}",
                describe()
            );
            assert_built(returned.as_ref(), &describe());
        }
        Expect::Lost => {
            assert!(!run.status.success(), "{}", describe());
            let last = run.stderr.lines().last().unwrap_or_default();
            assert!(
                last.starts_with("error: talking to buildkitd: Return: ")
                    && (last.contains("the stdio connection to buildkitd is closed")
                        || last.contains("connection error")),
                "{}",
                describe()
            );
            // Return was sent only if the flow got that far (then with the built result).
            if step == Step::Return {
                assert_built(returned.as_ref(), &describe());
            } else {
                assert!(returned.is_none(), "{}", describe());
            }
        }
    }
}

/// A daemon's error status reaches the client as the daemon gave it: its message, its code and
/// its typed details, except for a base image it cannot resolve, which is the Dockerfile's
/// error (code Unknown, located at the FROM as the reference does it).
fn assert_relays_the_status(
    step: Step,
    fault: Fault,
    code: i32,
    message: &str,
    details: &[prost_types::Any],
) -> Result<(), String> {
    let (want_code, text) = match fault {
        Fault::Status => (
            tonic::Code::Internal,
            format!("fake daemon failed {step:?}"),
        ),
        Fault::StatusWithDetails => (
            tonic::Code::Unavailable,
            format!("fake daemon failed {step:?} on a vertex"),
        ),
        _ => return Ok(()),
    };
    if !message.contains(&text) {
        return Err(format!("the daemon's message {text:?} is lost"));
    }
    if step == Step::ResolveImageConfig {
        return match code == tonic::Code::Unknown as i32 {
            true => Ok(()),
            false => Err(format!("code {code}, not Unknown")),
        };
    }
    if code != want_code as i32 {
        return Err(format!("code {code}, not the daemon's {want_code:?}"));
    }
    let has_vertex = details.iter().any(|d| d.type_url == VERTEX_TYPE_URL);
    if (fault == Fault::StatusWithDetails) != has_vertex {
        return Err(format!("details {details:?}"));
    }
    Ok(())
}

/// A Return with a single ref whose definition the fake solved, and the image config beside it.
fn assert_built(returned: Option<&gw::ReturnRequest>, describe: &str) {
    let returned = returned.unwrap_or_else(|| panic!("no Return: {describe}"));
    assert!(returned.error.is_none(), "{describe}");
    let result = returned
        .result
        .as_ref()
        .unwrap_or_else(|| panic!("a Return without a result: {describe}"));
    match &result.result {
        Some(gw::result::Result::Ref(r)) => assert!(r.id.starts_with("ref-"), "{describe}"),
        other => panic!("not a single ref: {other:?}: {describe}"),
    }
    let config: serde_json::Value =
        serde_json::from_slice(&result.metadata["containerimage.config"]).expect("config JSON");
    assert_eq!(config["os"], "linux", "{describe}");
}

#[test]
fn a_daemon_that_answers_well_gets_the_built_result() {
    let run = run_frontend(fixture(), None);
    assert_sane(&run, "baseline");
    assert!(
        run.status.success(),
        "exit {:?}: {}",
        run.status,
        run.stderr
    );
    assert_eq!(run.steps(), Step::FLOW, "{}", run.stderr);
    let returned = run.returns().pop().unwrap();
    assert_built(Some(&returned), &run.stderr);
    // The ref returned is the one the last Solve got, and that Solve carried the RUN.
    let solve = run
        .calls
        .iter()
        .rfind(|c| c.step == Some(Step::SolveBuild))
        .unwrap();
    let definition = gw::SolveRequest::decode(solve.request.as_slice())
        .unwrap()
        .definition
        .unwrap();
    let runs_echo = definition.def.iter().any(|bytes| {
        matches!(
            pb::Op::decode(&bytes[..]).map(|op| op.op),
            Ok(Some(pb::op::Op::Exec(exec))) if exec.meta.as_ref().is_some_and(|m| m.args.iter().any(|a| a.contains("built by the fake gateway")))
        )
    });
    assert!(runs_echo, "the build's RUN is not in the solved definition");
    assert!(
        run.stderr.is_empty(),
        "stderr of a good build: {}",
        run.stderr
    );
}

#[test]
fn malformed_reply_at_ping() {
    check(Step::Ping, Fault::Malformed);
}

#[test]
fn truncated_frame_at_ping() {
    check(Step::Ping, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_ping() {
    check(Step::Ping, Fault::WrongType);
}

#[test]
fn error_status_at_ping() {
    check(Step::Ping, Fault::Status);
}

#[test]
fn error_status_with_details_at_ping() {
    check(Step::Ping, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_ping() {
    check(Step::Ping, Fault::Huge);
}

#[test]
fn slow_reply_at_ping() {
    check(Step::Ping, Fault::Slow);
}

#[test]
fn connection_closed_at_ping() {
    check(Step::Ping, Fault::Closed);
}

#[test]
fn malformed_reply_at_inputs() {
    check(Step::Inputs, Fault::Malformed);
}

#[test]
fn truncated_frame_at_inputs() {
    check(Step::Inputs, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_inputs() {
    check(Step::Inputs, Fault::WrongType);
}

#[test]
fn error_status_at_inputs() {
    check(Step::Inputs, Fault::Status);
}

#[test]
fn error_status_with_details_at_inputs() {
    check(Step::Inputs, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_inputs() {
    check(Step::Inputs, Fault::Huge);
}

#[test]
fn slow_reply_at_inputs() {
    check(Step::Inputs, Fault::Slow);
}

#[test]
fn connection_closed_at_inputs() {
    check(Step::Inputs, Fault::Closed);
}

#[test]
fn malformed_reply_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::Malformed);
}

#[test]
fn truncated_frame_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::WrongType);
}

#[test]
fn error_status_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::Status);
}

#[test]
fn error_status_with_details_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::Huge);
}

#[test]
fn slow_reply_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::Slow);
}

#[test]
fn connection_closed_at_solve_dockerfile() {
    check(Step::SolveDockerfile, Fault::Closed);
}

#[test]
fn malformed_reply_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::Malformed);
}

#[test]
fn truncated_frame_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::WrongType);
}

#[test]
fn error_status_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::Status);
}

#[test]
fn error_status_with_details_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::Huge);
}

#[test]
fn slow_reply_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::Slow);
}

#[test]
fn connection_closed_at_stat_dockerfile() {
    check(Step::StatDockerfile, Fault::Closed);
}

#[test]
fn malformed_reply_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::Malformed);
}

#[test]
fn truncated_frame_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::WrongType);
}

#[test]
fn error_status_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::Status);
}

#[test]
fn error_status_with_details_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::Huge);
}

#[test]
fn slow_reply_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::Slow);
}

#[test]
fn connection_closed_at_read_dockerfile() {
    check(Step::ReadDockerfile, Fault::Closed);
}

#[test]
fn malformed_reply_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::Malformed);
}

#[test]
fn truncated_frame_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::WrongType);
}

#[test]
fn error_status_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::Status);
}

#[test]
fn error_status_with_details_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::Huge);
}

#[test]
fn slow_reply_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::Slow);
}

#[test]
fn connection_closed_at_read_dockerfile_dockerignore() {
    check(Step::ReadDockerfileIgnore, Fault::Closed);
}

#[test]
fn malformed_reply_at_warn() {
    check(Step::Warn, Fault::Malformed);
}

#[test]
fn truncated_frame_at_warn() {
    check(Step::Warn, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_warn() {
    check(Step::Warn, Fault::WrongType);
}

#[test]
fn error_status_at_warn() {
    check(Step::Warn, Fault::Status);
}

#[test]
fn error_status_with_details_at_warn() {
    check(Step::Warn, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_warn() {
    check(Step::Warn, Fault::Huge);
}

#[test]
fn slow_reply_at_warn() {
    check(Step::Warn, Fault::Slow);
}

#[test]
fn connection_closed_at_warn() {
    check(Step::Warn, Fault::Closed);
}

#[test]
fn malformed_reply_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::Malformed);
}

#[test]
fn truncated_frame_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::WrongType);
}

#[test]
fn error_status_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::Status);
}

#[test]
fn error_status_with_details_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::Huge);
}

#[test]
fn slow_reply_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::Slow);
}

#[test]
fn connection_closed_at_resolve_image_config() {
    check(Step::ResolveImageConfig, Fault::Closed);
}

#[test]
fn malformed_reply_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::Malformed);
}

#[test]
fn truncated_frame_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::WrongType);
}

#[test]
fn error_status_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::Status);
}

#[test]
fn error_status_with_details_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::Huge);
}

#[test]
fn slow_reply_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::Slow);
}

#[test]
fn connection_closed_at_solve_context_dockerignore() {
    check(Step::SolveContextIgnore, Fault::Closed);
}

#[test]
fn malformed_reply_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::Malformed);
}

#[test]
fn truncated_frame_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::WrongType);
}

#[test]
fn error_status_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::Status);
}

#[test]
fn error_status_with_details_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::Huge);
}

#[test]
fn slow_reply_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::Slow);
}

#[test]
fn connection_closed_at_read_context_dockerignore() {
    check(Step::ReadContextIgnore, Fault::Closed);
}

#[test]
fn malformed_reply_at_solve_build() {
    check(Step::SolveBuild, Fault::Malformed);
}

#[test]
fn truncated_frame_at_solve_build() {
    check(Step::SolveBuild, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_solve_build() {
    check(Step::SolveBuild, Fault::WrongType);
}

#[test]
fn error_status_at_solve_build() {
    check(Step::SolveBuild, Fault::Status);
}

#[test]
fn error_status_with_details_at_solve_build() {
    check(Step::SolveBuild, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_solve_build() {
    check(Step::SolveBuild, Fault::Huge);
}

#[test]
fn slow_reply_at_solve_build() {
    check(Step::SolveBuild, Fault::Slow);
}

#[test]
fn connection_closed_at_solve_build() {
    check(Step::SolveBuild, Fault::Closed);
}

#[test]
fn malformed_reply_at_return() {
    check(Step::Return, Fault::Malformed);
}

#[test]
fn truncated_frame_at_return() {
    check(Step::Return, Fault::Truncated);
}

#[test]
fn wrong_message_type_at_return() {
    check(Step::Return, Fault::WrongType);
}

#[test]
fn error_status_at_return() {
    check(Step::Return, Fault::Status);
}

#[test]
fn error_status_with_details_at_return() {
    check(Step::Return, Fault::StatusWithDetails);
}

#[test]
fn huge_reply_at_return() {
    check(Step::Return, Fault::Huge);
}

#[test]
fn slow_reply_at_return() {
    check(Step::Return, Fault::Slow);
}

#[test]
fn connection_closed_at_return() {
    check(Step::Return, Fault::Closed);
}
