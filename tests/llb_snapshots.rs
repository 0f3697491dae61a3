//! Snapshots of representative graphs as readable JSON (digests included, so any change to the
//! bytes shows up), and determinism: the same graph gives the same bytes however it is built.

mod llb_support;

use dockerfile_llb::llb::*;

#[test]
fn small_build_snapshot() {
    let def = Definition::marshal(&llb_support::small_build(&llb_support::dockerfile()));
    insta::assert_json_snapshot!("small_build", def.to_json());
}

#[test]
fn reference_graph_snapshot() {
    let def = Definition::marshal(&llb_support::reference_graph());
    insta::assert_json_snapshot!("reference_graph", def.to_json());
}

#[test]
fn edge_cases_snapshot() {
    let def = Definition::marshal(&llb_support::edge_cases_graph());
    insta::assert_json_snapshot!("edge_cases", def.to_json());
}

#[test]
fn linux_resources_snapshot() {
    let def = Definition::marshal(&llb_support::linux_resources_graph());
    insta::assert_json_snapshot!("linux_resources", def.to_json());
}

#[test]
fn git_sources_snapshot() {
    let def = Definition::marshal(&llb_support::git_sources_graph());
    insta::assert_json_snapshot!("git_sources", def.to_json());
}

#[test]
fn scratch_is_an_empty_definition() {
    let def = Definition::marshal_opt(None);
    assert!(def.to_pb().def.is_empty());
    assert!(def.to_bytes().is_empty());
    assert_eq!(def.head(), None);
}

#[test]
fn identical_graphs_marshal_to_identical_bytes() {
    let first =
        Definition::marshal(&llb_support::small_build(&llb_support::dockerfile())).to_bytes();
    let second =
        Definition::marshal(&llb_support::small_build(&llb_support::dockerfile())).to_bytes();
    assert_eq!(first, second);
    let first = Definition::marshal(&llb_support::reference_graph()).to_bytes();
    let second = Definition::marshal(&llb_support::reference_graph()).to_bytes();
    assert_eq!(first, second);
    let first = Definition::marshal(&llb_support::random_graph(42, 500)).to_bytes();
    let second = Definition::marshal(&llb_support::random_graph(42, 500)).to_bytes();
    assert_eq!(first, second);
    let other_seed = Definition::marshal(&llb_support::random_graph(43, 500)).to_bytes();
    assert_ne!(first, other_seed);
}

#[test]
fn bytes_do_not_depend_on_the_order_maps_were_filled_in() {
    let forwards = Source::local("context")
        .session("s")
        .shared_key_hint("h")
        .attr("local.differ", "none")
        .custom_name("ctx")
        .description("z", "1")
        .build();
    let backwards = Source::local("context")
        .description("z", "1")
        .attr("local.differ", "none")
        .shared_key_hint("h")
        .custom_name("ctx")
        .session("s")
        .build();
    assert_eq!(forwards.node().bytes(), backwards.node().bytes());
    assert_eq!(
        Definition::marshal(&forwards).to_bytes(),
        Definition::marshal(&backwards).to_bytes()
    );
    // Mounts are sorted by destination, so the order they were added in does not matter.
    let base = Source::image("docker.io/library/busybox:latest").build();
    let mounts = [
        Mount::cache("/c", "c", CacheSharing::Shared),
        Mount::bind("/b", base.clone()).readonly(),
        Mount::tmpfs("/a"),
    ];
    let build = |order: &[usize]| {
        order
            .iter()
            .fold(Exec::shell("ls").root(base.clone()), |exec, &i| {
                exec.mount(mounts[i].clone())
            })
            .build()
            .unwrap()
    };
    assert_eq!(
        build(&[0, 1, 2]).node().bytes(),
        build(&[2, 0, 1]).node().bytes()
    );
}
