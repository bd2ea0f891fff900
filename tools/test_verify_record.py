"""Tests of tools/verify-record.py: run `python3 -m unittest tools/test_verify_record.py` from the repo root.

The bundles here are written by this file's own small writer, following docs/record-format.md; Ed25519 signing
(RFC 8032 §5.1.5-5.1.6) lives here too, since the tool only verifies.
"""
import base64
import hashlib
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify-record.py")
_spec = importlib.util.spec_from_file_location("verify_record", TOOL)
vr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vr)

ORG = "0193b6c2-0000-7000-8000-000000000001"
OTHER_ORG = "0193b6c2-0000-7000-8000-0000000000ff"
ALICE = "0193b6c2-0000-7000-8000-00000000a11c"
BOB = "0193b6c2-0000-7000-8000-000000000b0b"
CAROL = "0193b6c2-0000-7000-8000-0000000ca201"
RENDERER = "parley-markdown/1 markdig/1.6.0 htmlsanitizer/10.0.1120"


# --- Ed25519 signing (RFC 8032 §5.1.5, §5.1.6), with the tool's point arithmetic -------------------------

class SigningKey:
    def __init__(self, seed, name=f"parley/{ORG}"):
        h = hashlib.sha512(seed).digest()
        a = int.from_bytes(h[:32], "little")
        a &= (1 << 254) - 8
        a |= 1 << 254
        self.scalar, self.prefix, self.name = a, h[32:], name
        self.public = vr.ed_encode(vr.ed_mul(a, vr.ED_B))
        self.id = hashlib.sha256(name.encode() + b"\n\x01" + self.public).digest()[:4]

    def sign(self, message):
        r = int.from_bytes(hashlib.sha512(self.prefix + message).digest(), "little") % vr.ED_L
        big_r = vr.ed_encode(vr.ed_mul(r, vr.ED_B))
        k = int.from_bytes(hashlib.sha512(big_r + self.public + message).digest(), "little") % vr.ED_L
        return big_r + ((r + k * self.scalar) % vr.ED_L).to_bytes(32, "little")

    def verifier(self):
        encoded = base64.b64encode(b"\x01" + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    def note(self, origin, size, root):
        text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        return text + f"\n\u2014 {self.name} {base64.b64encode(self.id + self.sign(text.encode())).decode()}\n"


KEY = SigningKey(b"\x11" * 32)
OTHER_KEY = SigningKey(b"\x22" * 32)


# --- Reference RFC 9162 §2.1 (recursive, straight from the RFC) ------------------------------------------

def mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return vr.leaf_hash(d[0])
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return vr.node_hash(mth(d[:k]), mth(d[k:]))


def path(m, d):
    """§2.1.3.1 PATH(m, D[n])."""
    if len(d) <= 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def proof(m, d):
    """§2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    def sub(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = 1 << ((n - 1).bit_length() - 1)
        return sub(m, d[:k], b) + [mth(d[k:])] if m <= k else sub(m - k, d[k:], False) + [mth(d[:k])]
    return sub(m, d, True) if 0 < m < len(d) else []


# --- A small bundle writer, from the spec's "Leaves" and "The export bundle" -----------------------------

def canon(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Record:
    """An organization's log under construction: each call appends one leaf and returns its number."""

    def __init__(self, org=ORG):
        self.org, self.leaves, self.heads, self.random = org, [], {}, random.Random(7)
        self.at = 1764667200000

    def _append(self, chain, entry, content, open_it, text_hook):
        index, previous = self.heads.get(chain, (1, ""))
        entry.setdefault("index", index)
        entry.setdefault("previous", previous)
        salt = None
        if content is not None:
            content = content if isinstance(content, str) else canon(content)
            salt = bytes(self.random.getrandbits(8) for _ in range(16))
            entry.setdefault("commitment", hashlib.sha256(salt + content.encode()).hexdigest())
        else:
            entry.setdefault("commitment", None)
        text = canon(entry)
        if text_hook:
            text = text_hook(text)
        link = entry["hash"] if entry["v"] == 1 else vr.leaf_hash(text.encode()).hex()
        self.heads[chain] = (entry["index"] + 1, link)
        opened = content is not None and open_it
        self.leaves.append({"leaf": len(self.leaves), "entry": text, "content": content if opened else None,
                            "salt": salt.hex() if opened else None})
        self.at += 1000
        return len(self.leaves) - 1

    def conv(self, conversation, kind, actor, message=None, data=None, content=None, open_it=True,
             text_hook=None, **fields):
        entry = {"actor": actor, "at": self.at, "conversation": conversation, "data": data, "kind": kind,
                 "message": message, "organization": self.org, "type": "conversation", "v": 2, **fields}
        return self._append(conversation, entry, content, open_it, text_hook)

    def audit(self, action, actor=ALICE, target_id=None, target_type="user", content=None, open_it=True, **fields):
        entry = {"action": action, "actor": actor, "at": self.at, "organization": self.org,
                 "target": {"id": target_id, "type": target_type}, "type": "audit", "v": 2, **fields}
        content = content if content is not None else {"address": "192.0.2.1", "data": None}
        return self._append("audit", entry, content, open_it, None)

    def v1_conv(self, conversation, kind, actor, message, content=None):
        index, previous = self.heads.get(conversation, (1, ""))
        commitment = None
        entry = {"actor": actor, "at": self.at, "conversation": conversation, "index": index, "kind": kind,
                 "message": message, "organization": self.org, "previous": previous, "type": "conversation", "v": 1}
        if content is not None:
            salt = bytes(16)
            commitment = hashlib.sha256(salt + content.encode()).hexdigest()
        entry["commitment"] = commitment
        entry["hash"] = hashlib.sha256("v1|{}|{}|{}|{}|{}|{}|{}|{}|{}".format(
            self.org, conversation, index, kind, message, actor, self.at, commitment or "", previous).encode()).hexdigest()
        leaf = self._append(conversation, entry, content, True, None)
        if content is not None:  # _append drew its own salt: v1 openings use the zero salt above
            self.leaves[leaf]["salt"] = salt.hex()
        return leaf

    def v1_audit(self, action, actor):
        index, previous = self.heads.get("audit", (1, ""))
        digests = [hashlib.sha256(x.encode()).hexdigest() for x in ("user", ALICE, "-", "192.0.2.1")]
        entry = {"action": action, "actor": actor, "at": self.at, "digests": digests, "index": index,
                 "organization": self.org, "previous": previous, "type": "audit", "v": 1}
        entry["hash"] = hashlib.sha256(("v1|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}".format(
            self.org, index, action, actor, *digests, self.at, previous)).encode()).hexdigest()
        entry["commitment"] = None
        leaf = self._append("audit", entry, None, True, None)
        entry.pop("commitment")
        self.leaves[leaf]["entry"] = canon(entry)  # v1 audit leaves have no commitment field
        return leaf

    def hashes(self, size=None):
        return [line["entry"].encode() for line in self.leaves[:size]]

    def write(self, folder, key=KEY, partial=None, earlier=(), files=None, root=None):
        """Write the bundle of the whole log (or of the leaves numbered in `partial`, with proofs)."""
        os.makedirs(os.path.join(folder, "files"), exist_ok=True)
        origin, size, data = f"parley/{self.org}", len(self.leaves), self.hashes()
        with open(os.path.join(folder, "bundle.json"), "w") as f:
            json.dump({"format": "parley-record-bundle/1", "organization": self.org, "origin": origin,
                       "size": size, "createdAt": "2026-12-02T10:00:00Z"}, f)
        with open(os.path.join(folder, "checkpoint.note"), "w", encoding="utf-8") as f:
            f.write(key.note(origin, size, root or mth(data)))
        with open(os.path.join(folder, "keys.txt"), "w") as f:
            f.write(KEY.verifier() + "\n")
        with open(os.path.join(folder, "leaves.jsonl"), "w", encoding="utf-8") as f:
            for line in self.leaves:
                if partial is None or line["leaf"] in partial:
                    extra = {} if partial is None else {"proof": [p.hex() for p in path(line["leaf"], data)]}
                    f.write(json.dumps({**line, **extra}, ensure_ascii=False) + "\n")
        with open(os.path.join(folder, "checkpoints.jsonl"), "w", encoding="utf-8") as f:
            for m in earlier:
                f.write(json.dumps({"note": KEY.note(origin, m, mth(data[:m])),
                                    "proof": [p.hex() for p in proof(m, data)]}) + "\n")
        for sha, content in (files or {}).items():
            with open(os.path.join(folder, "files", sha), "wb") as f:
                f.write(content)
        return folder


FILE_A, FILE_B = b"hello, world\n", b"HELLO, WORLD\n"


def file_data(uuid_tail, content, media="text/plain"):
    return {"file": f"0193b6c2-0000-7000-8000-{uuid_tail:012x}", "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content), "type": media}


FA, FB = file_data(0xf1, FILE_A), file_data(0xf2, FILE_B)
FILES = {FA["sha256"]: FILE_A, FB["sha256"]: FILE_B}


def page(text):
    return {"html": f"<p>{text}</p>", "text": text}


def good_record():
    """Two conversations and the audit chain, interleaved. Returns the record and the leaf of each step."""
    r, at = Record(), {}
    at["sign-in"] = r.audit("signed-in", target_id=ALICE)
    at["created"] = r.conv(42, "conversation-created", ALICE, data={"kind": "public-channel"},
                           content={"name": "general", "topic": None})
    at["alice"] = r.conv(42, "member-added", ALICE, data={"user": ALICE, "role": "owner"})
    at["bob"] = r.conv(42, "member-joined", BOB, data={"user": BOB, "role": "member"})
    at["dm"] = r.conv(43, "conversation-created", BOB, data={"kind": "direct"})
    r.conv(43, "member-added", BOB, data={"user": BOB, "role": "member"})
    r.conv(43, "member-added", BOB, data={"user": CAROL, "role": "member"})
    at["upload-a"] = r.conv(42, "file-uploaded", ALICE, data=FA, content={"name": "a.txt"})
    at["upload-b"] = r.conv(42, "file-uploaded", ALICE, data=FB, content={"name": "b.txt"})
    at["post1"] = r.conv(42, "message-posted", ALICE, 1, {"thread": None, "files": [FA, FB], "renderer": RENDERER},
                         page("hi **all**"))
    r.audit("role-changed", target_id=BOB)
    at["post2"] = r.conv(42, "message-posted", BOB, 2, {"thread": 1, "files": [], "renderer": RENDERER},
                         page("hello"))
    r.conv(43, "message-posted", CAROL, 1, {"thread": None, "files": [], "renderer": RENDERER}, page("psst"))
    at["edit"] = r.conv(42, "message-edited", ALICE, 1, {"renderer": RENDERER}, page("hi all"))
    at["react"] = r.conv(42, "reaction-added", BOB, 1, {"emoji": ":+1:"})
    at["pin"] = r.conv(42, "message-pinned", BOB, 1, {})
    at["delete"] = r.conv(42, "message-deleted", BOB, 2, {"bySender": True})
    r.conv(42, "topic-changed", ALICE, content={"topic": "café \u2028 \"quoted\"\n\u0001"})
    r.conv(42, "member-role-changed", ALICE, data={"user": BOB, "role": "moderator", "before": "member"})
    at["last"] = r.conv(42, "conversation-renamed", ALICE, content={"name": "général"})
    return r, at


class BundleTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.n = 0

    def write(self, record, **kw):
        self.n += 1
        return record.write(os.path.join(self.dir, f"b{self.n}"), **kw)

    def verify(self, folder, keys=None):
        return vr.verify(folder, keys or [KEY.verifier()])

    def assertFails(self, folder, prefix, *words, keys=None):
        with self.assertRaises(vr.Failure) as caught:
            self.verify(folder, keys)
        message = str(caught.exception)
        self.assertTrue(message.startswith(f"FAIL {prefix}:"), message)
        for w in words:
            self.assertIn(w, message)
        return message

    def edit_lines(self, folder, change):
        p = os.path.join(folder, "leaves.jsonl")
        with open(p, encoding="utf-8") as f:
            lines = [json.loads(x) for x in f]
        lines = change(lines)
        with open(p, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(x) + "\n" for x in lines)  # \u escapes: same strings


class Ed25519Test(unittest.TestCase):
    # RFC 8032 §7.1, TEST 1 to TEST 3: secret key, public key, message, signature.
    VECTORS = [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    def test_rfc8032_vectors_verify_and_sign(self):
        for secret, public, message, signature in self.VECTORS:
            pub, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
            self.assertTrue(vr.ed25519_verify(pub, msg, sig))
            key = SigningKey(bytes.fromhex(secret))
            self.assertEqual(key.public, pub)
            self.assertEqual(key.sign(msg), sig)

    def test_rejects_altered_signature_message_key_and_large_s(self):
        _, public, message, signature = self.VECTORS[2]
        pub, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
        self.assertFalse(vr.ed25519_verify(pub, msg + b"\x00", sig))
        self.assertFalse(vr.ed25519_verify(pub, msg, sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]))
        self.assertFalse(vr.ed25519_verify(bytes.fromhex(self.VECTORS[0][1]), msg, sig))
        s = int.from_bytes(sig[32:], "little") + vr.ED_L  # same point equation, non-canonical S
        self.assertFalse(vr.ed25519_verify(pub, msg, sig[:32] + s.to_bytes(32, "little")))


class MerkleTest(unittest.TestCase):
    def test_incremental_root_is_rfc9162_mth(self):
        leaves = [f"leaf {i}".encode() for i in range(70)]
        tree = vr.MerkleRoot()
        self.assertEqual(tree.root(), hashlib.sha256(b"").digest())
        for n in range(1, 71):
            tree.add(vr.leaf_hash(leaves[n - 1]))
            self.assertEqual(tree.root(), mth(leaves[:n]), n)

    def test_inclusion_proofs(self):
        leaves = [bytes([i]) for i in range(20)]
        for n in range(1, 21):
            root = mth(leaves[:n])
            for i in range(n):
                p, h = path(i, leaves[:n]), vr.leaf_hash(leaves[i])
                self.assertTrue(vr.verify_inclusion(i, n, h, p, root), (i, n))
                self.assertFalse(vr.verify_inclusion(i, n, vr.leaf_hash(b"x"), p, root))
                if p:
                    self.assertFalse(vr.verify_inclusion(i, n, h, p[:-1] + [b"\0" * 32], root))
                    self.assertFalse(vr.verify_inclusion(i, n, h, p + [b"\0" * 32], root))
                if n > 1:
                    self.assertFalse(vr.verify_inclusion((i + 1) % n, n, h, p, root))

    def test_consistency_proofs(self):
        leaves = [bytes([i]) for i in range(20)]
        for n in range(1, 21):
            for m in range(0, n + 1):
                p, old, new = proof(m, leaves[:n]), mth(leaves[:m]), mth(leaves[:n])
                self.assertTrue(vr.verify_consistency(m, n, old, new, p), (m, n))
                if 0 < m < n:
                    self.assertFalse(vr.verify_consistency(m, n, mth(leaves[1:m + 1]), new, p))
                    self.assertFalse(vr.verify_consistency(m, n, old, new, p[:-1] + [b"\1" * 32]))
                    self.assertFalse(vr.verify_consistency(m, n, old, new, p[1:] if len(p) > 1 else []))
                    if m + 1 < n:
                        self.assertFalse(vr.verify_consistency(m + 1, n, old, new, p))


class CanonicalJsonTest(unittest.TestCase):
    def test_the_rule(self):
        value = {"b": 1, "a": [True, False, None, -5, 2**53], "é": "x\"\\\b\f\n\r\t\u0001\u001f\u007f é \u2028 😀"}
        text = vr.canonical(value)
        self.assertEqual(text, '{"a":[true,false,null,-5,9007199254740992],'
                               '"b":1,"é":"x\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u007f é \u2028 😀"}')
        self.assertEqual(vr.parse_canonical(text), value)
        for bad in ('{"b":1,"a":2}', '{"a": 1}', '{"a":1,"a":1}', '{"a":"\\u00e9"}', '{"a":"\\/"}',
                    '{"a":1.0}', '{"a":1e3}', '{"a":"\\u001F"}', '{"a":01}'):
            with self.assertRaises(ValueError, msg=bad):
                vr.parse_canonical(bad)


class GoodBundleTest(BundleTest):
    def test_good_bundle_passes_as_folder_and_zip_and_cli(self):
        r, _ = good_record()
        folder = self.write(r, files=FILES, earlier=[1, 5, 8, len(r.leaves)])
        summary = self.verify(folder)
        self.assertIn(f"organization {ORG}", summary)
        self.assertIn(f"tree size {len(r.leaves)}, root {mth(r.hashes()).hex()}", summary)
        self.assertIn("2 conversations, 3 messages posted, 2 audit events", summary)
        self.assertIn("2 files", summary)
        self.assertIn("4 earlier checkpoints consistent", summary)
        self.assertIn("HTML re-rendered", summary)
        archive = os.path.join(self.dir, "bundle.zip")
        with zipfile.ZipFile(archive, "w") as z:
            for base, _, names in os.walk(folder):
                for name in names:
                    full = os.path.join(base, name)
                    z.write(full, os.path.join("export", os.path.relpath(full, folder)))
        self.assertIn("tree size", self.verify(archive))
        run = lambda *a: subprocess.run([sys.executable, TOOL, *a], capture_output=True, text=True)  # noqa: E731
        ok = run(archive, "--key", OTHER_KEY.verifier(), "--key", KEY.verifier())
        self.assertEqual((ok.returncode, ok.stdout.splitlines()[0]), (0, f"OK organization {ORG}, log parley/{ORG}"))
        bad = run(folder, "--key", OTHER_KEY.verifier())
        self.assertEqual(bad.returncode, 1)
        self.assertTrue(bad.stdout.startswith("FAIL checkpoint: not signed by a trusted key"), bad.stdout)
        self.assertEqual(run(folder).returncode, 2)
        self.assertEqual(run(os.path.join(self.dir, "nothing"), "--key", KEY.verifier()).returncode, 2)
        self.assertEqual(run(folder, "--key", "parley+00000000+AAAA").returncode, 2)
        key_file = os.path.join(self.dir, "keys")
        with open(key_file, "w") as f:
            f.write(f"# trusted\n{KEY.verifier()}\n")
        self.assertEqual(run(folder, "--key-file", key_file).returncode, 0)

    def test_empty_log(self):
        self.assertIn("tree size 0", self.verify(self.write(Record())))


class TamperingTest(BundleTest):
    def setUp(self):
        super().setUp()
        self.record, self.at = good_record()
        self.folder = self.write(self.record, files=FILES)

    def test_one_changed_byte_in_an_entry(self):
        n = self.at["upload-a"]  # the next entry of its chain names its hash
        self.edit_lines(self.folder, lambda ls: [
            dict(x, entry=x["entry"].replace('"at":17', '"at":27')) if x["leaf"] == n else x for x in ls])
        self.assertFails(self.folder, f"leaf {n + 1}", "previous", "root computed from the leaves differs")

    def test_one_changed_byte_in_the_last_entry_of_a_chain(self):
        n = self.at["last"]
        self.edit_lines(self.folder, lambda ls: [
            dict(x, entry=x["entry"].replace('"at":17', '"at":18')) if x["leaf"] == n else x for x in ls])
        self.assertFails(self.folder, "checkpoint", "root computed from the leaves")

    def test_removed_line(self):
        n = self.at["post1"]
        self.edit_lines(self.folder, lambda ls: [x for x in ls if x["leaf"] != n])
        self.assertFails(self.folder, f"leaf {n}", "missing")

    def test_swapped_lines(self):
        n = self.at["post1"]
        self.edit_lines(self.folder, lambda ls: ls[:n] + [ls[n + 1], ls[n]] + ls[n + 2:])
        self.assertFails(self.folder, f"leaf {n}", "out of order")

    def test_swapped_and_renumbered_lines(self):
        n = self.at["edit"]
        self.edit_lines(self.folder, lambda ls: ls[:n] + [dict(ls[n + 1], leaf=n), dict(ls[n], leaf=n + 1)] + ls[n + 2:])
        self.assertFails(self.folder, f"leaf {n}", "index")

    def test_the_first_failing_leaf_is_named_even_when_a_later_line_is_missing(self):
        n = self.at["edit"]
        self.edit_lines(self.folder, lambda ls: [
            dict(x, content=x["content"].replace("all", "ALL")) if x["leaf"] == n else x for x in ls][:-1])
        self.assertFails(self.folder, f"leaf {n}", "commitment")

    def test_random_damage_is_always_a_verdict_never_a_crash(self):
        with open(os.path.join(self.folder, "leaves.jsonl"), "rb") as f:
            original = f.read()
        rng = random.Random(1)
        for _ in range(150):
            damaged = bytearray(original)
            for _ in range(rng.randint(1, 3)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            with open(os.path.join(self.folder, "leaves.jsonl"), "wb") as f:
                f.write(damaged)
            try:
                self.verify(self.folder)
                self.fail(f"damage not caught: {bytes(damaged)!r}")
            except vr.Failure:
                pass

    def test_a_lone_surrogate_is_a_failure(self):
        n = self.at["edit"]
        self.edit_lines(self.folder, lambda ls: [dict(x, content="\ud800") if x["leaf"] == n else x for x in ls])
        self.assertFails(self.folder, f"leaf {n}", "does not parse")

    def test_changed_content(self):
        n = self.at["edit"]
        self.edit_lines(self.folder, lambda ls: [
            dict(x, content=x["content"].replace("all", "ALL")) if x["leaf"] == n else x for x in ls])
        self.assertFails(self.folder, f"leaf {n}", "does not match its commitment")

    def test_content_removed_without_erasure(self):
        n = self.at["post2"]
        self.edit_lines(self.folder, lambda ls: [dict(x, content=None, salt=None) if x["leaf"] == n else x for x in ls])
        self.assertFails(self.folder, f"leaf {n}", "no later erasure")

    def test_content_removed_with_erasure_passes(self):
        r, at = good_record()
        r.leaves[at["post2"]].update(content=None, salt=None)
        r.leaves[at["upload-b"]].update(content=None, salt=None)  # the file's name and bytes are erased too
        index_of = lambda leaf: json.loads(r.leaves[leaf]["entry"])["index"]  # noqa: E731
        r.conv(42, "content-erased", ALICE, data={"entries": [index_of(at["post2"]), index_of(at["upload-b"])],
                                                  "reason": "legal-request", "reference": "case 7"})
        files = {FA["sha256"]: FILE_A}
        self.assertIn("2 erased openings, 1 files", self.verify(self.write(r, files=files)))

    def test_audit_content_erased_by_personal_data_erased(self):
        r, at = good_record()
        r.leaves[at["sign-in"]].update(content=None, salt=None)
        self.assertFails(self.write(r, files=FILES), f"leaf {at['sign-in']}", "no later erasure")
        r.audit("personal-data-erased", target_id="1", target_type="audit")
        self.assertIn("1 erased openings", self.verify(self.write(r, files=FILES)))

    def test_swapped_file(self):
        for sha, content in ((FA["sha256"], FILE_B), (FB["sha256"], FILE_A)):
            with open(os.path.join(self.folder, "files", sha), "wb") as f:
                f.write(content)
        self.assertFails(self.folder, f"file {FA['sha256']}", "hash to")

    def test_file_with_changed_bytes_or_absent(self):
        with open(os.path.join(self.folder, "files", FB["sha256"]), "wb") as f:
            f.write(FILE_B + b"!")
        self.assertFails(self.folder, f"file {FB['sha256']}", "bytes")
        os.remove(os.path.join(self.folder, "files", FB["sha256"]))
        self.assertFails(self.folder, f"file {FB['sha256']}", "absent")

    def test_checkpoint_signed_by_another_key(self):
        folder = self.write(self.record, key=OTHER_KEY, files=FILES)
        self.assertFails(folder, "checkpoint", "not signed by a trusted key")
        self.assertIn("tree size", self.verify(folder, keys=[KEY.verifier(), OTHER_KEY.verifier()]))

    def test_forged_signature_by_the_trusted_key(self):
        with open(os.path.join(self.folder, "checkpoint.note"), encoding="utf-8") as f:
            note = f.read()
        with open(os.path.join(self.folder, "checkpoint.note"), "w", encoding="utf-8") as f:
            f.write(note.replace(f"\n{len(self.record.leaves)}\n", f"\n{len(self.record.leaves) - 1}\n"))
        self.assertFails(self.folder, "checkpoint", "does not verify")

    def test_wrong_root(self):
        folder = self.write(self.record, files=FILES, root=b"\x07" * 32)
        self.assertFails(folder, "checkpoint", "differs from the checkpoint's")


class HistoryTest(BundleTest):
    """Each record is well hashed and signed: only the history (or the chain) is wrong."""

    def fails(self, record, prefix_leaf, *words):
        return self.assertFails(self.write(record, files=FILES), f"leaf {prefix_leaf}", *words)

    def test_broken_previous_link(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "conversation-archived", ALICE, previous="ab" * 32), "previous")

    def test_index_gap(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "conversation-archived", ALICE, index=99), "index 99 follows")

    def test_entry_of_another_organization(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "conversation-archived", ALICE, organization=OTHER_ORG), "organization")

    def test_non_canonical_entry(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "conversation-archived", ALICE, text_hook=lambda t: t.replace(",", ", ", 1)),
                   "not canonical")

    def test_edit_by_someone_who_is_not_the_sender(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-edited", BOB, 1, {"renderer": RENDERER}, page("mine now")), "sent by")

    def test_post_by_a_non_member(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-posted", CAROL, 3, {"thread": None, "files": [], "renderer": RENDERER},
                             page("let me in")), "not a member")

    def test_post_after_leaving(self):
        r, _ = good_record()
        r.conv(42, "member-left", BOB, data={"user": BOB, "role": "moderator"})
        self.fails(r, r.conv(42, "reaction-added", BOB, 1, {"emoji": "x"}), "not a member")

    def test_reaction_to_a_deleted_message(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "reaction-added", ALICE, 2, {"emoji": ":tada:"}), "is deleted")

    def test_pins(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-pinned", ALICE, 1, {}), "already pinned")
        r, _ = good_record()
        r.conv(42, "message-unpinned", ALICE, 1, {})
        self.fails(r, r.conv(42, "message-unpinned", ALICE, 1, {}), "not pinned")
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-pinned", ALICE, 2, {}), "is deleted")
        r, _ = good_record()
        r.conv(42, "conversation-archived", ALICE)
        self.fails(r, r.conv(42, "message-unpinned", ALICE, 1, {}), "archived")

    def test_by_sender_lie(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-deleted", BOB, 1, {"bySender": True}), "bySender")

    def test_message_numbering_and_threads(self):
        post = lambda r, seq, thread: r.conv(42, "message-posted", ALICE, seq, {  # noqa: E731
            "thread": thread, "files": [], "renderer": RENDERER}, page("x"))
        r, _ = good_record()
        self.fails(r, post(r, 4, None), "message 4 follows message 2")
        r, _ = good_record()
        self.fails(r, post(r, 3, 2), "thread 2 is not an earlier top-level message")

    def test_attachments(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-posted", ALICE, 3, {"thread": None, "files": [FA], "renderer": RENDERER},
                             page("again")), "sent before")
        r, _ = good_record()
        fc = file_data(0xf3, b"c")
        r.conv(42, "file-uploaded", ALICE, data=fc, content={"name": "c"})
        self.fails(r, r.conv(42, "message-posted", BOB, 3, {"thread": None, "files": [fc], "renderer": RENDERER},
                             page("c")), "not the sender")

    def test_archived_conversation(self):
        r, _ = good_record()
        r.conv(42, "conversation-archived", ALICE)
        self.fails(r, r.conv(42, "reaction-added", ALICE, 1, {"emoji": "x"}), "archived")

    def test_membership_changes(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "member-joined", BOB, data={"user": BOB, "role": "member"}), "already a member")
        r, _ = good_record()
        self.fails(r, r.conv(42, "member-role-changed", ALICE, data={"user": BOB, "role": "owner", "before": "member"}),
                   "had role moderator")

    def test_an_erasure_lists_only_earlier_entries(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "content-erased", ALICE, data={"entries": [3, 40], "reason": "other",
                                                                "reference": None}), "entry 40, which is not earlier")

    def test_joining_and_leaving_are_done_by_the_user_with_their_role(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "member-joined", ALICE, data={"user": CAROL, "role": "member"}), "is not the user")
        r, _ = good_record()
        self.fails(r, r.conv(42, "member-removed", ALICE, data={"user": BOB, "role": "member"}), "had role moderator")

    def test_kind_shapes(self):
        r, _ = good_record()
        self.fails(r, r.conv(42, "message-deleted", ALICE, 1, {"bySender": "yes"}), "bySender")
        r, _ = good_record()
        self.fails(r, r.conv(42, "conversation-archived", ALICE, content={"why": "x"}), "commitment")


class EarlierCheckpointsTest(BundleTest):
    def test_consistency_proofs_verify_or_fail(self):
        r, _ = good_record()
        folder = self.write(r, files=FILES, earlier=[3, 8, 16])
        self.assertIn("3 earlier checkpoints consistent", self.verify(folder))
        p = os.path.join(folder, "checkpoints.jsonl")
        with open(p) as f:
            lines = [json.loads(x) for x in f]
        lines[1]["proof"][0] = "00" * 32
        with open(p, "w") as f:
            f.writelines(json.dumps(x) + "\n" for x in lines)
        self.assertFails(folder, "checkpoint", "checkpoints.jsonl line 2", "consistency proof from size 8")

    def test_unknown_signer_is_reported_not_failed(self):
        r, _ = good_record()
        folder = self.write(r, files=FILES, earlier=[5])
        p = os.path.join(folder, "checkpoints.jsonl")
        line = {"note": OTHER_KEY.note(f"parley/{ORG}", 5, mth(r.hashes(5))), "proof": [x.hex() for x in proof(5, r.hashes())]}
        with open(p, "a") as f:
            f.write(json.dumps(line) + "\n")
        self.assertIn("2 earlier checkpoints consistent (1 signed by unknown keys only)", self.verify(folder))


class PartialBundleTest(BundleTest):
    def test_partial_bundle_with_inclusion_proofs(self):
        r, at = good_record()
        in_43 = [line["leaf"] for line in r.leaves if '"conversation":43' in line["entry"]]
        folder = self.write(r, partial=set(in_43))
        self.assertIn("partial bundle: 4 leaves checked: 1 conversations", self.verify(folder))
        wrong = in_43[1]
        self.edit_lines(folder, lambda ls: [dict(x, proof=x["proof"][::-1]) if x["leaf"] == wrong else x for x in ls])
        self.assertFails(folder, f"leaf {wrong}", "inclusion proof")

    def test_partial_bundle_starting_mid_chain_is_refused(self):
        r, at = good_record()
        folder = self.write(r, partial=set(range(at["edit"], len(r.leaves))), files=FILES)
        self.assertFails(folder, f"leaf {at['edit']}", "begins at index")


class Version1Test(BundleTest):
    def record(self):
        r = Record()
        r.v1_audit(3, ALICE)
        r.v1_conv(7, 1, ALICE, 1, '{"text":"old","attachments":[],"threadRootSeq":null}')
        r.v1_audit(5, "-")
        r.v1_conv(7, 4, BOB, 1)
        r.audit("signed-in", target_id=BOB)
        r.conv(7, "message-posted", BOB, 2, {"thread": 1, "files": [], "renderer": RENDERER}, page("new"))
        r.conv(7, "message-edited", ALICE, 1, {"renderer": RENDERER}, page("old, edited"))
        return r

    def test_version_1_entries_pass(self):
        summary = self.verify(self.write(self.record()))
        self.assertIn("4 version 1 entries checked by the old rule", summary)
        self.assertIn("not checked: membership in 1 conversations", summary)

    def test_version_1_entry_with_a_changed_field(self):
        for leaf, old, new in ((1, '"kind":1', '"kind":2'), (2, '"actor":"-"', f'"actor":"{BOB}"')):
            folder = self.write(self.record())
            self.edit_lines(folder, lambda ls: [dict(x, entry=x["entry"].replace(old, new)) if x["leaf"] == leaf
                                                else x for x in ls])
            self.assertFails(folder, f"leaf {leaf}", "version 1 hash does not recompute")

    def test_version_1_after_version_2_is_refused(self):
        r = self.record()
        leaf = r.v1_conv(7, 1, ALICE, 3)
        self.assertFails(self.write(r), f"leaf {leaf}", "version 1 entry after a version 2")



class GoldenVectorTests(unittest.TestCase):
    """The golden vectors of tests/vectors (written from a real export by Parley's own tests): good/ verifies with its
    key, and each bad/<case>/ fails naming the item in its expected.txt."""

    VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors")

    def run_tool(self, bundle, key):
        return subprocess.run([sys.executable, TOOL, bundle, "--key", key], capture_output=True, text=True)

    def test_good_and_every_bad_case(self):
        with open(os.path.join(self.VECTORS, "good", "key.txt"), encoding="utf-8") as f:
            key = f.read().strip()
        good = self.run_tool(os.path.join(self.VECTORS, "good"), key)
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        partial = self.run_tool(os.path.join(self.VECTORS, "partial"), key)
        self.assertEqual(partial.returncode, 0, partial.stdout + partial.stderr)
        self.assertIn("partial bundle: ", partial.stdout)
        cases = sorted(os.listdir(os.path.join(self.VECTORS, "bad")))
        self.assertGreaterEqual(len(cases), 10)
        for case in cases:
            folder = os.path.join(self.VECTORS, "bad", case)
            with open(os.path.join(folder, "expected.txt"), encoding="utf-8") as f:
                expected = f.read().strip()
            with self.subTest(case=case):
                bad = self.run_tool(folder, key)
                self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
                line = bad.stdout.strip().splitlines()[0]
                self.assertTrue(line == expected or line.startswith(expected + " ") or line.startswith(expected + ":"),
                                f"{case}: {line!r} does not name {expected!r}")

if __name__ == "__main__":
    unittest.main()
