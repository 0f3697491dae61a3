//! Merge and diff ops: layer filesystems on top of each other, or take the changes between two.
//! Neither is platform specific. Their caps are `mergeop` / `diffop` (client/llb/{merge,diff}.go).

use crate::proto::pb;

use super::node::{Node, OpCommon, OpOptions, Output};
use super::LlbError;

/// Builder of a merge op: the inputs stacked in order, later ones winning.
#[derive(Clone, Debug)]
pub struct Merge {
    inputs: Vec<Output>,
    common: OpCommon,
}

impl OpOptions for Merge {
    fn common_mut(&mut self) -> &mut OpCommon {
        &mut self.common
    }
}

impl Merge {
    /// Merges `inputs`, bottom first. Each input is listed once per occurrence, as in Go.
    pub fn new(inputs: Vec<Output>) -> Merge {
        Merge {
            inputs,
            common: OpCommon::default(),
        }
        .cap("mergeop")
    }

    /// Like the Go client's `llb.Merge`: scratch inputs are dropped (they add nothing); seal
    /// with [`Merge::finish`], which needs no op for fewer than two inputs.
    pub(crate) fn filtered(inputs: impl IntoIterator<Item = Option<Output>>) -> Merge {
        Merge::new(inputs.into_iter().flatten().collect())
    }

    /// Seals the op, or skips it when it would be the identity: no inputs give scratch, one
    /// input gives that input (and this builder's metadata is dropped, as in Go).
    pub fn finish(self) -> Option<Output> {
        match self.inputs.len() {
            0 => None,
            1 => self.inputs.into_iter().next(),
            _ => self.build().ok(),
        }
    }

    /// Seals the op. Needs two or more inputs: merging fewer is the identity, which the caller
    /// expresses without an op (the Go client's `llb.Merge` does the same).
    pub fn build(self) -> Result<Output, LlbError> {
        if self.inputs.len() < 2 {
            return Err(LlbError::MergeNeedsTwoInputs(self.inputs.len()));
        }
        let merge = pb::MergeOp {
            inputs: (0..self.inputs.len() as i64)
                .map(|input| pb::MergeInput { input })
                .collect(),
        };
        let op = pb::Op {
            op: Some(pb::op::Op::Merge(merge)),
            ..pb::Op::default()
        };
        let reads = self.inputs.clone();
        Ok(Output::new(
            Node::seal(op, self.inputs, reads, self.common),
            0,
        ))
    }
}

/// Builder of a diff op: what `upper` changed relative to `lower`.
#[derive(Clone, Debug)]
pub struct Diff {
    lower: Option<Output>,
    upper: Option<Output>,
    common: OpCommon,
}

impl OpOptions for Diff {
    fn common_mut(&mut self) -> &mut OpCommon {
        &mut self.common
    }
}

impl Diff {
    /// The changes from `lower` to `upper` (`None`: scratch).
    pub fn new(lower: impl Into<Option<Output>>, upper: impl Into<Option<Output>>) -> Diff {
        Diff {
            lower: lower.into(),
            upper: upper.into(),
            common: OpCommon::default(),
        }
        .cap("diffop")
    }

    /// Like the Go client's `llb.Diff`: the diff of scratch and `upper` is `upper` itself, and
    /// needs no op. Otherwise seals the op.
    pub fn finish(self) -> Option<Output> {
        if self.lower.is_none() {
            return self.upper;
        }
        Some(self.build())
    }

    /// Seals the op.
    pub fn build(self) -> Output {
        let mut inputs = Vec::new();
        let mut index_of = |side: Option<Output>| match side {
            Some(output) => {
                inputs.push(output);
                inputs.len() as i64 - 1
            }
            None => -1,
        };
        let lower = index_of(self.lower);
        let upper = index_of(self.upper);
        let diff = pb::DiffOp {
            lower: Some(pb::LowerDiffInput { input: lower }),
            upper: Some(pb::UpperDiffInput { input: upper }),
        };
        let op = pb::Op {
            op: Some(pb::op::Op::Diff(diff)),
            ..pb::Op::default()
        };
        let reads = inputs.clone();
        Output::new(Node::seal(op, inputs, reads, self.common), 0)
    }
}
