//! Any byte sequence: the parser must return a Dockerfile or a diagnostic whose span lies in
//! the input and which renders, and never panic.
#![no_main]

use dockerfile_llb::instructions::parse_dockerfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_dockerfile(data, "Dockerfile") {
        Ok(df) => {
            for stage in &df.stages {
                for cmd in &stage.commands {
                    assert!(cmd.span.start <= cmd.span.end && cmd.span.end <= data.len());
                    assert!(cmd.lines.start >= 1 && cmd.lines.start <= cmd.lines.end);
                }
            }
        }
        Err(d) => {
            assert!(d.span.start <= d.span.end && d.span.end <= data.len());
            assert!(d.start.line >= 1 && d.start.column >= 1);
            let _ = d.render(data);
        }
    }
});
