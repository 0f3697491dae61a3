#!/usr/bin/env python3
"""Self-test of scripts/compare on hand-made OCI layouts (no BuildKit needed):
layer application with whiteouts, opaque directories, hard links and directories replaced by
files, and the config comparison with its normalised fields."""

import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import tarfile
import tempfile
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("compare", os.path.join(HERE, "compare"))
_spec = importlib.util.spec_from_loader("compare", _loader)
compare = importlib.util.module_from_spec(_spec)
_loader.exec_module(compare)


def member(name, kind="file", data=b"", mode=0o644, uid=0, gid=0, link=""):
    info = tarfile.TarInfo(name)
    info.mode, info.uid, info.gid = mode, uid, gid
    info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "hardlink": tarfile.LNKTYPE}[kind]
    info.linkname = link
    info.size = len(data) if kind == "file" else 0
    return info, data


def layer_tar(members, gzip=True):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gzip else "w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


class Layout:
    """Writes a single-platform OCI layout into a temporary directory."""

    def __init__(self, root, layers, config):
        self.path = root
        os.makedirs(os.path.join(root, "blobs", "sha256"))
        descs = [self.blob(layer_tar(m), "application/vnd.oci.image.layer.v1.tar+gzip")
                 for m in layers]
        config = dict(config)
        config.setdefault("os", "linux")
        config.setdefault("architecture", "amd64")
        config.setdefault("rootfs", {"type": "layers", "diff_ids": ["sha256:x"] * len(layers)})
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": self.blob(json.dumps(config).encode(),
                                        "application/vnd.oci.image.config.v1+json"),
                    "layers": descs}
        mdesc = self.blob(json.dumps(manifest).encode(), manifest["mediaType"])
        with open(os.path.join(root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [mdesc]}, f)

    def blob(self, data, media):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return {"mediaType": media, "digest": "sha256:" + digest, "size": len(data)}


class RootfsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def fs(self, *layers):
        root = os.path.join(self.tmp.name, str(len(os.listdir(self.tmp.name))))
        layout = Layout(root, layers, {"config": {}})
        (manifest, _config), = compare.images(layout.path).values()
        return compare.rootfs(layout.path, manifest)

    def test_whiteout_removes_a_file_and_a_directory_tree(self):
        fs = self.fs(
            [member("a", data=b"1"), member("d", "dir", mode=0o755), member("d/x", data=b"x"),
             member(".hidden", data=b"h")],
            [member(".wh.a"), member(".wh.d")])
        self.assertEqual(sorted(fs), ["/.hidden"])

    def test_opaque_directory_hides_lower_children_but_keeps_its_own(self):
        fs = self.fs(
            [member("d", "dir"), member("d/old", data=b"o"), member("d/sub", "dir"),
             member("d/sub/deep", data=b"d")],
            [member("d", "dir"), member("d/new", data=b"n"), member("d/.wh..wh..opq")])
        self.assertEqual(sorted(fs), ["/d", "/d/new"])

    def test_whiteout_applies_to_lower_layers_only(self):
        fs = self.fs([member("f", data=b"old")],
                     [member("f", data=b"new"), member(".wh.f")])
        self.assertEqual(fs["/f"]["sha256"], hashlib.sha256(b"new").hexdigest())

    def test_hard_link_takes_content_and_attributes_of_its_target(self):
        fs = self.fs([member("./a", data=b"abc", mode=0o600, uid=7),
                      member("./b", "hardlink", link="./a")])
        self.assertEqual(fs["/b"], fs["/a"])
        self.assertEqual(fs["/b"]["uid"], 7)

    def test_file_replacing_a_directory_hides_its_children(self):
        fs = self.fs([member("p", "dir"), member("p/child", data=b"c")],
                     [member("p", "symlink", link="/elsewhere")])
        self.assertEqual(sorted(fs), ["/p"])
        self.assertEqual(fs["/p"]["link"], "/elsewhere")

    def test_entry_records_type_mode_owner_size_and_hash(self):
        fs = self.fs([member("bin/tool", data=b"#!", mode=0o4755, uid=1, gid=2)])
        self.assertEqual(fs["/bin/tool"], {"type": "file", "mode": "0o4755", "uid": 1, "gid": 2,
                                           "size": 2, "sha256": hashlib.sha256(b"#!").hexdigest()})


class ConfigTest(unittest.TestCase):
    BASE = {"created": "2024-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"], "Labels": {}},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "RUN x # buildkit",
                         "comment": "buildkit.dockerfile.v0"}]}

    def diff(self, right):
        return compare.diff_config(self.BASE, right)

    def test_normalised_fields_do_not_count(self):
        right = json.loads(json.dumps(self.BASE))
        right["created"] = "2025-05-05T00:00:00Z"
        right["history"][0]["created"] = "2025-05-05T00:00:00Z"
        right["history"][0]["comment"] = "our frontend"
        del right["config"]["Labels"]   # {} and absent are the same
        self.assertEqual(self.diff(right), [])

    def test_config_field_and_history_differences_are_named(self):
        right = json.loads(json.dumps(self.BASE))
        right["config"]["Cmd"] = ["bash"]
        right["config"]["StopSignal"] = "SIGKILL"
        right["history"][0]["empty_layer"] = True
        text = "\n".join(self.diff(right))
        self.assertIn('config.Cmd:\n    left:  ["sh"]\n    right: ["bash"]', text)
        self.assertIn("config.StopSignal:", text)
        self.assertIn("non-empty history entries:", text)
        self.assertIn("history[0]:", text)

    def test_layer_count_is_compared(self):
        right = json.loads(json.dumps(self.BASE))
        right["rootfs"] = {"diff_ids": ["sha256:a", "sha256:b"]}
        self.assertIn("layers:", "\n".join(self.diff(right)))


class LayoutCompareTest(unittest.TestCase):
    def test_equal_and_different_layouts(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = {"config": {"Entrypoint": ["/hello"]}}
            a = Layout(os.path.join(tmp, "a"), [[member("hello", data=b"1")]], cfg).path
            b = Layout(os.path.join(tmp, "b"), [[member("hello", data=b"1")]], cfg).path
            c = Layout(os.path.join(tmp, "c"), [[member("hello", data=b"2")]], cfg).path
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertTrue(compare.compare_layouts(a, b, "a", "b"))
                self.assertFalse(compare.compare_layouts(a, c, "a", "c"))
            self.assertIn("/hello: sha256 differ", out.getvalue())


if __name__ == "__main__":
    unittest.main(verbosity=2)
