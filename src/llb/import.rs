//! Foreign LLB in our graph: a `pb::Definition` made elsewhere (a frontend input, an `input:`
//! named context) becomes nodes that keep its exact op bytes, metadata and source locations, as
//! Go's `llb.NewDefinitionOp` does, so the ops built on it name the digests the client sent and
//! the definition's own progress names and source maps travel with them.

use std::collections::HashMap;
use std::sync::Arc;

use prost::Message;

use crate::proto::pb;

use super::node::{Node, Output, Position, Range, SourceLocation, SourceMap};
use super::wire::Digest;
use super::LlbError;

/// The definition's result: the output its terminal op names, `None` for an empty definition
/// (scratch). Refused as the Go client refuses it: no metadata at all (`Definition.IsNil`),
/// an op that does not decode, a terminal op without inputs, an input or source index that
/// names nothing.
pub fn import(def: &pb::Definition) -> Result<Option<Output>, LlbError> {
    let invalid = |why: String| LlbError::InvalidDefinition(why);
    if def.metadata.is_empty() {
        return Err(invalid(
            "invalid nil input definition to definition op".to_string(),
        ));
    }
    let mut ops: HashMap<String, (pb::Op, &[u8])> = HashMap::with_capacity(def.def.len());
    let mut last = None;
    for bytes in &def.def {
        let op = pb::Op::decode(&bytes[..])
            .map_err(|e| invalid(format!("failed to parse llb proto op: {e}")))?;
        let digest = Digest::of(bytes).to_string();
        ops.insert(digest.clone(), (op, bytes));
        last = Some(digest);
    }
    let Some(last) = last else {
        return Ok(None);
    };
    let head = match ops[&last].0.inputs.first() {
        Some(input) => input.clone(),
        None => {
            return Err(invalid(
                "invalid definition with no inputs on last vertex".to_string(),
            ))
        }
    };
    let source_maps = source_maps(def)?;
    let mut built: HashMap<String, Arc<Node>> = HashMap::with_capacity(ops.len());
    // Inputs first, iteratively: a long chain must not overflow the stack.
    let mut stack = vec![(head.digest.clone(), false)];
    while let Some((digest, inputs_ready)) = stack.pop() {
        if built.contains_key(&digest) {
            continue;
        }
        let (op, bytes) = ops
            .get(&digest)
            .ok_or_else(|| invalid(format!("invalid definition op with unknown op {digest:?}")))?;
        if !inputs_ready {
            stack.push((digest.clone(), true));
            for input in &op.inputs {
                if !built.contains_key(&input.digest) {
                    stack.push((input.digest.clone(), false));
                }
            }
            continue;
        }
        let inputs: Vec<Output> = op
            .inputs
            .iter()
            .map(|i| Output::new(Arc::clone(&built[&i.digest]), i.index))
            .collect();
        // Caps marked `false` are not claimed.
        let mut metadata = def
            .metadata
            .get(&digest)
            .map(pb::OpMetadataBytes::decode)
            .unwrap_or_default();
        metadata.caps.retain(|_, on| *on);
        let locations = locations(def, &digest, &source_maps)?;
        let node = Node::imported(bytes.to_vec(), inputs, metadata, locations);
        built.insert(digest, node);
    }
    Ok(Some(Output::new(
        Arc::clone(&built[&head.digest]),
        head.index,
    )))
}

/// One shared map per source file of the definition, so its locations keep pointing at it.
fn source_maps(def: &pb::Definition) -> Result<Vec<Arc<SourceMap>>, LlbError> {
    let Some(source) = &def.source else {
        return Ok(Vec::new());
    };
    Ok(source
        .infos
        .iter()
        .map(|info| {
            Arc::new(SourceMap {
                filename: info.filename.clone(),
                language: info.language.clone(),
                data: info.data.clone(),
                definition: info.definition.clone(),
            })
        })
        .collect())
}

fn locations(
    def: &pb::Definition,
    digest: &str,
    maps: &[Arc<SourceMap>],
) -> Result<Vec<SourceLocation>, LlbError> {
    let Some(locations) = def.source.as_ref().and_then(|s| s.locations.get(digest)) else {
        return Ok(Vec::new());
    };
    locations
        .locations
        .iter()
        .map(|loc| {
            let source = usize::try_from(loc.source_index)
                .ok()
                .and_then(|i| maps.get(i))
                .ok_or_else(|| {
                    LlbError::InvalidDefinition(format!(
                        "failed to find source map with index {}",
                        loc.source_index
                    ))
                })?;
            Ok(SourceLocation {
                source: Arc::clone(source),
                ranges: loc.ranges.iter().map(range_from_pb).collect(),
            })
        })
        .collect()
}

fn range_from_pb(r: &pb::Range) -> Range {
    let position = |p: Option<pb::Position>| {
        let p = p.unwrap_or_default();
        Position {
            line: p.line,
            character: p.character,
        }
    };
    Range {
        start: position(r.start),
        end: position(r.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llb::{Definition, Exec, OpOptions, Source};

    #[test]
    fn an_imported_definition_marshals_to_the_same_bytes() {
        let map = SourceMap::new("Dockerfile", "Dockerfile", b"FROM alpine\n".to_vec());
        let base = Source::image("docker.io/library/alpine:latest")
            .custom_name("base")
            .location(&map, vec![Range::lines(1, 1)])
            .build();
        let run = Exec::shell("true").root(base).build().unwrap();
        let original = Definition::marshal(&run.root().unwrap()).into_pb();
        let imported = import(&original).unwrap().unwrap();
        assert_eq!(Definition::marshal(&imported).into_pb(), original);
        // Built on, its ops are inputs by their original digests.
        let more = Exec::shell("echo").root(imported.clone()).build().unwrap();
        let def = Definition::marshal(&more.root().unwrap()).into_pb();
        assert!(original.def[..original.def.len() - 1]
            .iter()
            .all(|op| def.def.contains(op)));
    }

    #[test]
    fn definitions_the_go_client_refuses_are_refused() {
        let err = import(&pb::Definition::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid nil input definition to definition op"
        );
        let scratch = pb::Definition {
            metadata: [(String::new(), pb::OpMetadata::default().into())].into(),
            ..pb::Definition::default()
        };
        assert!(import(&scratch).unwrap().is_none());
        let no_inputs = pb::Definition {
            def: vec![crate::llb::encode_op(&pb::Op::default()).into()],
            ..scratch
        };
        assert_eq!(
            import(&no_inputs).unwrap_err().to_string(),
            "invalid definition with no inputs on last vertex"
        );
    }
}
