#!/usr/bin/env python3
"""Verify a Parley record export bundle, from docs/record-format.md alone.

    python3 tools/verify-record.py BUNDLE --key VKEY [--key VKEY ...] [--key-file PATH]

BUNDLE is a bundle folder or a .zip of one; VKEY a C2SP verifier key, `name+hex8+base64`.
Exit 0 with a summary when every check of "What a verifier checks" passes, exit 1 with one line
`FAIL leaf <n>: ...` / `FAIL checkpoint: ...` / `FAIL file <sha256>: ...` naming the first failing item,
exit 2 for usage errors or an unreadable bundle.

Python's standard library only; it shares no code with Parley's .NET verifier, on purpose.
Sections follow the order of the specification.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys
import zipfile


class Failure(Exception):
    """A check failed. `item` is "leaf 7", "checkpoint" or "file <sha256>"."""

    def __init__(self, item, what):
        super().__init__(item, what)
        self.item, self.what = item, what

    def __str__(self):
        return f"FAIL {self.item}: {self.what}"


class Unreadable(Exception):
    """The bundle cannot be read at all (exit 2)."""


def sha256(data):
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------------------------------------------------
# Canonical JSON (spec: "Canonical JSON")
# ---------------------------------------------------------------------------------------------------------

def canonical(value):
    """The canonical text of a JSON value: the spec says this json.dumps call produces exactly its rule
    for objects of strings, integers, booleans, null, lists and objects."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice")
    return dict(pairs)


def parse_canonical(text):
    """Parse text that must be canonical JSON: every key once, no floats, and re-serializing gives the
    same text (so sorted keys, no whitespace, only the allowed escapes)."""
    value = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_reject_float,
                       parse_constant=_reject_float)
    if canonical(value) != text:
        raise ValueError("not canonical JSON")
    return value


def _reject_float(text):
    raise ValueError(f"{text} is not an integer")


# ---------------------------------------------------------------------------------------------------------
# Ed25519 verification (RFC 8032 §5.1), needed by "Checkpoints". Points in extended coordinates (X, Y, Z, T)
# with x = X/Z, y = Y/Z, x*y = T/Z on -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19).
# ---------------------------------------------------------------------------------------------------------

ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493  # order of the base point
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)
_IDENTITY = (0, 1, 1, 0)


def ed_add(p, q):
    """RFC 8032 §5.1.4 point addition (also used for doubling)."""
    p_ = ED_P
    a = (p[1] - p[0]) * (q[1] - q[0]) % p_
    b = (p[1] + p[0]) * (q[1] + q[0]) % p_
    c = 2 * p[3] * q[3] * ED_D % p_
    d = 2 * p[2] * q[2] % p_
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % p_, g * h % p_, f * g % p_, e * h % p_)


def ed_mul(s, p):
    """[s]P by double-and-add (verification only: no need for constant time)."""
    q = _IDENTITY
    while s:
        if s & 1:
            q = ed_add(q, p)
        p = ed_add(p, p)
        s >>= 1
    return q


def ed_encode(p):
    """RFC 8032 §5.1.2: y in little-endian, the low bit of x in the top bit."""
    zi = pow(p[2], ED_P - 2, ED_P)
    x, y = p[0] * zi % ED_P, p[1] * zi % ED_P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def ed_decode(data):
    """RFC 8032 §5.1.3; None when the bytes are not a point."""
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= ED_P:
        return None
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P) % ED_P
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P:
        x = x * _SQRT_M1 % ED_P
    if (x * x - x2) % ED_P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = ED_P - x
    return (x, y, 1, x * y % ED_P)


ED_B = ed_decode((4 * pow(5, ED_P - 2, ED_P) % ED_P).to_bytes(32, "little"))


def ed25519_verify(public, message, signature):
    """RFC 8032 §5.1.7: accept when [S]B = R + [k]A, k = SHA-512(R || A || M) mod L, with S < L."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = ed_decode(public)
    if a is None:
        return False
    r, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= ED_L:
        return False
    k = int.from_bytes(hashlib.sha512(r + public + message).digest(), "little") % ED_L
    ka = ed_mul(k, a)
    minus_ka = ((-ka[0]) % ED_P, ka[1], ka[2], (-ka[3]) % ED_P)
    return ed_encode(ed_add(ed_mul(s, ED_B), minus_ka)) == r


# ---------------------------------------------------------------------------------------------------------
# Leaves (spec: "Leaves"): hashes, and the shape of each version and kind
# ---------------------------------------------------------------------------------------------------------

def leaf_hash(leaf):
    """RFC 9162 §2.1.1: SHA-256(0x00 || leaf)."""
    return sha256(b"\x00" + leaf)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
ROLES = ("member", "moderator", "owner")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and -2**53 <= v <= 2**53


def check_shape(value, shape, where):
    """Check a JSON value against a shape: a dict of field -> shape (exactly those keys), a tuple of
    alternatives, a list [shape] (array of), a str naming a simple type, or a set of allowed literals."""
    if isinstance(shape, tuple):
        errors = []
        for alternative in shape:
            try:
                return check_shape(value, alternative, where)
            except ValueError as e:
                errors.append(str(e))
        raise ValueError(errors[0])
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{where} is not an object")
        if set(value) != set(shape):
            raise ValueError(f"{where} has fields {sorted(value)}, expected {sorted(shape)}")
        for key, sub in shape.items():
            check_shape(value[key], sub, f"{where}.{key}")
    elif isinstance(shape, list):
        if not isinstance(value, list):
            raise ValueError(f"{where} is not an array")
        for i, item in enumerate(value):
            check_shape(item, shape[0], f"{where}[{i}]")
    elif isinstance(shape, (set, frozenset)):
        if value not in shape or isinstance(value, bool):
            raise ValueError(f"{where} is {value!r}, expected one of {sorted(shape)}")
    else:
        ok = {"null": value is None, "str": isinstance(value, str), "int": is_int(value),
              "pos": is_int(value) and value >= 1, "nat": is_int(value) and value >= 0, "bool": isinstance(value, bool), "obj": isinstance(value, dict),
              "uuid": isinstance(value, str) and bool(UUID.match(value)),
              "hex": isinstance(value, str) and bool(HEX64.match(value)),
              "prev": value == "" or (isinstance(value, str) and bool(HEX64.match(value)))}[shape]
        if not ok:
            raise ValueError(f"{where} is {json.dumps(value)}, expected {shape}")


FILE = {"file": "uuid", "sha256": "hex", "size": "nat", "type": "str"}
MEMBER = {"user": "uuid", "role": set(ROLES)}
NAME, TOPIC, PAGE = {"name": "str"}, {"topic": ("str", "null")}, {"html": "str", "text": "str"}

# kind -> (message field, data shape, content shape or None when the kind has no content)
KINDS = {
    "conversation-created": ("null", {"kind": {"public-channel", "private-channel", "direct", "group"}}, "created"),
    "conversation-renamed": ("null", "null", NAME),
    "topic-changed": ("null", "null", TOPIC),
    "conversation-archived": ("null", "null", None),
    "conversation-unarchived": ("null", "null", None),
    "member-added": ("null", MEMBER, None),
    "member-joined": ("null", MEMBER, None),
    "member-removed": ("null", MEMBER, None),
    "member-left": ("null", MEMBER, None),
    "member-role-changed": ("null", dict(MEMBER, before=set(ROLES)), None),
    "file-uploaded": ("null", FILE, NAME),
    "message-posted": ("pos", {"thread": ("pos", "null"), "files": [FILE], "renderer": "str"}, PAGE),
    "message-edited": ("pos", {"renderer": "str"}, PAGE),
    "message-deleted": ("pos", {"bySender": "bool"}, None),
    "reaction-added": ("pos", {"emoji": "str"}, None),
    "reaction-removed": ("pos", {"emoji": "str"}, None),
    "message-pinned": ("pos", {}, None),
    "message-unpinned": ("pos", {}, None),
    "content-erased": ("null", {"entries": ["pos"], "reason": {"retention", "legal-request", "other"},
                                "reference": ("str", "null")}, None),
}

CONVERSATION_V2 = {"actor": "uuid", "at": "int", "commitment": ("hex", "null"), "conversation": "int",
                   "data": ("null", "obj"), "index": "pos", "kind": set(KINDS), "message": ("pos", "null"),
                   "organization": "uuid", "previous": "prev", "type": {"conversation"}, "v": {2}}
AUDIT_V2 = {"action": "str", "actor": ("uuid", "null"), "at": "int", "commitment": "hex", "index": "pos",
            "organization": "uuid", "previous": "prev", "target": {"id": ("str", "null"), "type": "str"},
            "type": {"audit"}, "v": {2}}
CONVERSATION_V1 = {"actor": "uuid", "at": "int", "commitment": ("hex", "null"), "conversation": "int",
                   "hash": "hex", "index": "pos", "kind": "int", "message": ("int", "null"),
                   "organization": "uuid", "previous": "prev", "type": {"conversation"}, "v": {1}}
AUDIT_V1 = {"action": "int", "actor": ("uuid", {"-"}), "at": "int", "digests": ["hex"], "hash": "hex",
            "index": "pos", "organization": "uuid", "previous": "prev", "type": {"audit"}, "v": {1}}
ENTRIES = {(2, "conversation"): CONVERSATION_V2, (2, "audit"): AUDIT_V2,
           (1, "conversation"): CONVERSATION_V1, (1, "audit"): AUDIT_V1}


def _v1_text(value):
    return "" if value is None else str(value)


def v1_hash(e):
    """Spec "Version 1 entries": the old rule, a SHA-256 of fields joined by "|" (null written as "")."""
    if e["type"] == "conversation":
        parts = [e["organization"], e["conversation"], e["index"], e["kind"], e["message"], e["actor"],
                 e["at"], e["commitment"], e["previous"]]
    else:
        parts = [e["organization"], e["index"], e["action"], e["actor"], *e["digests"], e["at"], e["previous"]]
    return hashlib.sha256(("v1|" + "|".join(_v1_text(p) for p in parts)).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# The organization's log (RFC 9162 §2.1): incremental root, inclusion and consistency proofs
# ---------------------------------------------------------------------------------------------------------

class MerkleRoot:
    """MTH computed leaf by leaf: a stack of the roots of complete subtrees, largest first."""

    def __init__(self):
        self.stack, self.size = [], 0  # [(number of leaves, hash)]

    def add(self, hashed_leaf):
        self.size += 1
        node = (1, hashed_leaf)
        while self.stack and self.stack[-1][0] == node[0]:
            left = self.stack.pop()
            node = (left[0] * 2, node_hash(left[1], node[1]))
        self.stack.append(node)

    def root(self):
        if not self.stack:
            return sha256(b"")
        result = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            result = node_hash(left, result)
        return result


def verify_inclusion(index, size, hashed_leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, hashed_leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2 (sizes 0 and equal sizes take an empty proof, as §2.1.4.1 produces)."""
    if first > second:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------------------------------------------------
# Checkpoints (spec: "Checkpoints"): C2SP signed-note and tlog-checkpoint, Ed25519 verifier keys
# ---------------------------------------------------------------------------------------------------------

class VerifierKey:
    """A C2SP verifier key `<name>+<key id, 8 hex>+<base64(0x01 || public key)>`."""

    def __init__(self, text):
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not parts[0] or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise ValueError(f"not a verifier key: {text.strip()!r}")
        self.name, key = parts[0], base64.b64decode(parts[2], validate=True)
        if len(key) != 33 or key[0] != 1:
            raise ValueError(f"not an Ed25519 verifier key: {text.strip()!r}")
        self.public = key[1:]
        self.id = sha256(self.name.encode() + b"\n\x01" + self.public)[:4]
        if self.id.hex() != parts[1]:
            raise ValueError(f"key id {parts[1]} does not match the key: {text.strip()!r}")


class Checkpoint:
    """A parsed signed checkpoint: origin, size, root, and who signed it among the trusted keys."""

    def __init__(self, note, keys):
        """Raise ValueError unless `note` is a well-formed note; `self.signer` is the trusted key that
        signed it, or None (then `self.unknown` lists the other signers' names)."""
        if "\n\n" not in note or not note.endswith("\n"):
            raise ValueError("not a signed note (no blank line, or no final newline)")
        text, signatures = note.split("\n\n", 1)
        text += "\n"
        lines = text.split("\n")[:-1]
        if len(lines) < 3 or not lines[0] or not re.fullmatch(r"[1-9][0-9]*|0", lines[1]):
            raise ValueError("not a checkpoint: origin, size and root lines expected")
        self.origin, self.size = lines[0], int(lines[1])
        self.root = base64.b64decode(lines[2], validate=True)
        if len(self.root) != 32:
            raise ValueError("the root is not 32 bytes")
        self.signer, self.unknown = None, []
        for line in signatures[:-1].split("\n"):
            match = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
            if not match:
                raise ValueError(f"malformed signature line {line!r}")
            name, blob = match.group(1), base64.b64decode(match.group(2), validate=True)
            key = next((k for k in keys if k.name == name and k.id == blob[:4]), None)
            if key is None:
                self.unknown.append(name)
            elif len(blob) != 68 or not ed25519_verify(key.public, text.encode(), blob[4:]):
                raise ValueError(f"the signature by {name} does not verify")
            elif self.signer is None:
                self.signer = key


def open_note(note, keys):
    """The text of a signed note and the first trusted key that signed it (None when no trusted key did).
    Raise ValueError for a malformed note or a trusted key's signature that does not verify."""
    if "\n\n" not in note or not note.endswith("\n"):
        raise ValueError("not a signed note (no blank line, or no final newline)")
    text, signatures = note.split("\n\n", 1)
    text += "\n"
    signer = None
    for line in signatures[:-1].split("\n"):
        match = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        if not match:
            raise ValueError(f"malformed signature line {line!r}")
        name, blob = match.group(1), base64.b64decode(match.group(2), validate=True)
        key = next((k for k in keys if k.name == name and k.id == blob[:4]), None)
        if key is None:
            continue
        if len(blob) != 68 or not ed25519_verify(key.public, text.encode(), blob[4:]):
            raise ValueError(f"the signature by {name} does not verify")
        signer = signer or key
    return text, signer


# ---------------------------------------------------------------------------------------------------------
# The export bundle (spec: "The export bundle"): a folder or a ZIP of one
# ---------------------------------------------------------------------------------------------------------

class Bundle:
    """Read access to a bundle's files, whether a folder or a ZIP (at its root or in one top folder)."""

    def __init__(self, path):
        self.zip, self.prefix = None, ""
        if os.path.isdir(path):
            self.root = path
        elif zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            names = set(self.zip.namelist())
            if "bundle.json" not in names:
                tops = [n for n in names if n.count("/") == 1 and n.endswith("/bundle.json")]
                if len(tops) != 1:
                    raise Unreadable(f"{path}: no bundle.json in the archive")
                self.prefix = tops[0][: -len("bundle.json")]
        else:
            raise Unreadable(f"{path}: not a folder or a ZIP archive")

    def exists(self, name):
        if self.zip:
            try:
                self.zip.getinfo(self.prefix + name)
                return True
            except KeyError:
                return False
        return os.path.isfile(os.path.join(self.root, name))

    def open(self, name):
        """A binary stream of the file, or None when it is absent."""
        if not self.exists(name):
            return None
        return self.zip.open(self.prefix + name) if self.zip else open(os.path.join(self.root, name), "rb")

    def read_text(self, name):
        stream = self.open(name)
        if stream is None:
            raise Unreadable(f"the bundle has no {name}")
        with stream:
            return stream.read().decode("utf-8")


# ---------------------------------------------------------------------------------------------------------
# What a verifier checks (spec: "What a verifier checks", points 1 to 8)
# ---------------------------------------------------------------------------------------------------------

class Chain:
    """Per-chain state for points 4 and 5: where the chain is, and which openings await an erasure."""

    def __init__(self, name):
        self.name, self.next_index, self.last_hash, self.seen_v2 = name, None, None, False
        self.unopened, self.erased = {}, set()  # index -> leaf number; indexes erased
        self.history = None  # a History, when this chain's history can be followed (point 6)


class History:
    """Point 6 for one conversation: messages, files, archive and (when recorded) members."""

    def __init__(self, members_recorded):
        self.members = {} if members_recorded else None  # user -> role
        self.archived, self.last_seq = False, 0
        self.messages = {}  # seq -> [sender or None (v1), deleted, thread or None, known thread?, pinned]
        self.files = {}  # file id -> [data, uploader, sent]


class Verifier:
    def __init__(self, bundle, keys):
        self.bundle, self.keys = bundle, keys
        self.chains, self.pending_files = {}, []
        self.stats = dict(leaves=0, conversations=0, messages=0, files=0, audit=0, v1=0, openings=0,
                          erased=0, checkpoints=0, unknown_signers=0, no_members=0)

    # point 1 ---------------------------------------------------------------------------------------
    def check_checkpoint(self):
        """Point 1: the checkpoint verifies with a trusted key; origin and size match bundle.json."""
        try:
            info = json.loads(self.bundle.read_text("bundle.json"))
        except ValueError as e:
            raise Unreadable(f"bundle.json: {e}")
        try:
            check_shape(info, {"format": {"parley-record-bundle/1"}, "organization": "uuid", "origin": "str",
                               "size": "int", "createdAt": "str"}, "bundle.json")
        except ValueError as e:
            raise Unreadable(str(e))
        self.organization, self.size = info["organization"], info["size"]
        try:
            cp = Checkpoint(self.bundle.read_text("checkpoint.note"), self.keys)
        except ValueError as e:
            raise Failure("checkpoint", str(e))
        if cp.signer is None:
            raise Failure("checkpoint", "not signed by a trusted key (signed by: "
                          + (", ".join(cp.unknown) or "nobody") + ")")
        if cp.origin != info["origin"] or cp.size != info["size"]:
            raise Failure("checkpoint", f"origin {cp.origin!r} and size {cp.size} do not match bundle.json's "
                                        f"{info['origin']!r} and {info['size']}")
        if not cp.origin.endswith("/" + self.organization):
            raise Failure("checkpoint", f"origin {cp.origin!r} is not this organization's log")
        self.checkpoint = cp

    # points 2 and 3 --------------------------------------------------------------------------------
    def read_leaves(self):
        """Point 2, and point 3's root, streaming leaves.jsonl; each leaf goes to check_leaf."""
        stream = self.bundle.open("leaves.jsonl")
        if stream is None:
            raise Unreadable("the bundle has no leaves.jsonl")
        tree, expected, self.partial, failure = MerkleRoot(), 0, None, None
        with stream:
            for number, raw in enumerate(stream):
                try:
                    line, expected, hashed = self.read_line(number, raw, expected, tree)
                except Failure as f:  # a leaf that failed before keeps its place as the first failure
                    raise failure or f
                if line is not None and failure is None:
                    try:
                        self.check_leaf(line["leaf"], line, hashed)
                    except Failure as f:  # keep hashing, to say whether the root matches too
                        failure = f
        if not self.partial and expected != self.size and not failure:
            raise Failure(f"leaf {expected}", f"missing: the bundle ends at leaf {expected - 1}, "
                                              f"the checkpoint has {self.size} leaves")
        root_ok = self.partial or tree.root() == self.checkpoint.root
        if failure:
            if not root_ok:
                failure.what += " (and the root computed from the leaves differs from the checkpoint's)"
            raise failure
        if not root_ok:
            raise Failure("checkpoint", f"the root computed from the leaves, {tree.root().hex()}, differs from "
                                        f"the checkpoint's, {self.checkpoint.root.hex()}")
        self.finish_chains()

    def read_line(self, number, raw, expected, tree):
        """Point 2 for one line of leaves.jsonl, and point 3: add its hash to the tree (a full bundle)
        or verify its inclusion proof (a partial bundle). Return the line (None if blank), the next leaf expected, its hash."""
        if not raw.strip():
            return None, expected, None
        line_shape = {"leaf": "int", "entry": "str", "content": ("str", "null"), "salt": ("str", "null")}
        try:
            line = json.loads(raw.decode("utf-8"))
            partial = isinstance(line, dict) and "proof" in line
            check_shape(line, dict(line_shape, proof=["hex"]) if partial else line_shape, "the line")
            entry = line["entry"].encode("utf-8")  # a lone surrogate (\ud800) has no UTF-8
            (line["content"] or "").encode("utf-8")
        except ValueError as e:
            raise Failure(f"leaf {expected}", f"line {number + 1} of leaves.jsonl does not parse: {e}")
        n = line["leaf"]
        if self.partial is None:
            self.partial = partial
        if partial != self.partial:
            raise Failure(f"leaf {n}", "some lines have an inclusion proof and others not")
        if n >= self.size:
            raise Failure(f"leaf {n}", f"beyond the checkpoint's size {self.size} (line {number + 1})")
        if n != expected and not (partial and n > expected):
            raise Failure(f"leaf {min(n, expected)}", f"missing or out of order (line {number + 1} "
                                                     f"holds leaf {n}, leaf {expected} expected)")
        hashed = leaf_hash(entry)
        tree.add(hashed)
        if partial and not verify_inclusion(n, self.size, hashed, [bytes.fromhex(p) for p in line["proof"]],
                                            self.checkpoint.root):
            raise Failure(f"leaf {n}", "its inclusion proof does not verify against the checkpoint")
        return line, n + 1, hashed

    # points 4 and 5 --------------------------------------------------------------------------------
    def check_leaf(self, n, line, hashed):
        """Points 4 to 6 for one leaf."""
        where = f"leaf {n}"
        try:
            entry = parse_canonical(line["entry"])
            shape = ENTRIES.get((entry.get("v"), entry.get("type"))) if isinstance(entry, dict) else None
            if shape is None:
                raise ValueError("unknown version or type")
            check_shape(entry, shape, "the entry")
            if entry["v"] == 1 and entry["type"] == "audit" and len(entry["digests"]) != 4:
                raise ValueError("a version 1 audit entry has four digests")
        except ValueError as e:
            raise Failure(where, f"the entry is not a known leaf: {e}")
        if entry["organization"] != self.organization:
            raise Failure(where, f"the entry belongs to organization {entry['organization']}")
        audit = entry["type"] == "audit"
        key = "audit" if audit else entry["conversation"]
        chain = self.chains.get(key)
        if chain is None:
            chain = self.chains[key] = Chain("the audit chain" if audit else f"conversation {key}")
        self.stats["leaves"] += 1
        self.stats["audit"] += audit
        self.stats["conversations"] = len(self.chains) - ("audit" in self.chains)
        # Point 4: the chain.
        index = entry["index"]
        if chain.next_index is None:
            if index != 1:
                raise Failure(where, f"{chain.name} begins at index {index}, not 1")
        elif index != chain.next_index:
            raise Failure(where, f"{chain.name}: index {index} follows index {chain.next_index - 1}")
        if chain.last_hash is not None and entry["previous"] != chain.last_hash:
            raise Failure(where, f"{chain.name}: previous {entry['previous'] or '(empty)'} is not the hash "
                                 f"of the entry before, {chain.last_hash}")
        if index == 1 and entry["previous"] != "":
            raise Failure(where, f"{chain.name}: the first entry's previous is not empty")
        if entry["v"] == 1:
            if chain.seen_v2:
                raise Failure(where, f"{chain.name}: a version 1 entry after a version 2 entry")
            if v1_hash(entry) != entry["hash"]:
                raise Failure(where, "the version 1 hash does not recompute from the entry's fields")
            self.stats["v1"] += 1
            chain.last_hash = entry["hash"]
        else:
            chain.seen_v2 = True
            chain.last_hash = hashed.hex()
        chain.next_index = index + 1
        # Point 5: the opening.
        self.check_opening(n, entry, line, chain)
        # Point 6: the history.
        if audit:
            if entry["v"] == 2 and entry["action"] == "personal-data-erased":
                self.erase(where, chain, index, parse_index_list(entry["target"]["id"]))
        else:
            self.follow_history(where, entry, line, chain)

    def check_opening(self, n, entry, line, chain):
        """Point 5: SHA-256(salt || UTF-8 content) = commitment with a 16-byte salt; no commitment, no
        opening; a commitment without opening waits for an erasure later in its chain."""
        where, commitment = f"leaf {n}", entry.get("commitment")
        content, salt = line["content"], line["salt"]
        if (content is None) != (salt is None):
            raise Failure(where, "the opening has a content without salt, or a salt without content")
        if content is None:
            if commitment is not None:
                chain.unopened[entry["index"]] = n
            return
        if commitment is None:
            raise Failure(where, "the entry has no commitment but the bundle gives an opening")
        if not re.fullmatch(r"[0-9a-f]{32}", salt):
            raise Failure(where, "the salt is not 16 bytes in lowercase hex")
        if hashlib.sha256(bytes.fromhex(salt) + content.encode("utf-8")).hexdigest() != commitment:
            raise Failure(where, "the content does not match its commitment")
        self.stats["openings"] += 1

    def erase(self, where, chain, index, listed):
        """An erasure lists earlier entries of its chain: their openings may be absent from now on."""
        for i in listed:
            if i >= index:
                raise Failure(where, f"{chain.name}: the erasure lists entry {i}, which is not earlier")
            chain.erased.add(i)
            if chain.unopened.pop(i, None) is not None:
                self.stats["erased"] += 1

    # point 6 ---------------------------------------------------------------------------------------
    def follow_history(self, where, e, line, chain):
        """Point 6 for one conversation entry (and the shape of each kind's data and content)."""
        if e["v"] == 1:
            if e["index"] == 1:
                chain.history = History(members_recorded=False)
            if chain.history and e["message"]:  # v1 kinds are numbers the spec does not name
                h = chain.history
                h.messages.setdefault(e["message"], [None, False, None, False, False])
                h.last_seq = max(h.last_seq, e["message"])
            return
        kind, data, actor = e["kind"], e["data"], e["actor"]
        message_shape, data_shape, content_shape = KINDS[kind]
        try:
            check_shape(e["message"], message_shape, "message")
            check_shape(data, data_shape, "data")
            if content_shape == "created":
                content_shape = {"name": "str", "topic": ("str", "null")} if "channel" in data["kind"] else None
            if (content_shape is None) != (e["commitment"] is None):
                raise ValueError("a commitment where the kind has no content" if content_shape is None
                                 else "no commitment where the kind has content")
            if content_shape is not None and line["content"] is not None:
                check_shape(parse_canonical(line["content"]), content_shape, "content")
        except ValueError as ex:
            raise Failure(where, f"{kind}: {ex}")
        if e["index"] == 1:
            if kind != "conversation-created":
                raise Failure(where, f"conversation {e['conversation']} begins with {kind}")
            chain.history = History(members_recorded=True)
            return
        if kind == "conversation-created":
            raise Failure(where, "conversation-created is not the first entry")
        if kind == "content-erased":
            self.erase(where, chain, e["index"], data["entries"])
        h = chain.history
        fail = lambda what: Failure(where, f"{kind}: {what}")  # noqa: E731

        def member_role(user):
            return None if h.members is None else h.members.get(user)

        def require_member(user):
            if h.members is not None and user not in h.members:
                raise fail(f"{user} is not a member of conversation {e['conversation']} then")

        if kind in ("message-posted", "file-uploaded", "reaction-added", "reaction-removed", "message-pinned", "message-unpinned"):
            require_member(actor)
            if h.archived:
                raise fail("the conversation is archived")
        if kind == "conversation-archived" or kind == "conversation-unarchived":
            h.archived = kind == "conversation-archived"
        elif kind.startswith("member-") and h.members is not None:
            user, role = data["user"], data["role"]
            if kind in ("member-joined", "member-left") and actor != user:
                raise fail(f"the actor {actor} is not the user {user}")
            if kind in ("member-added", "member-joined"):
                if user in h.members:
                    raise fail(f"{user} is already a member")
                h.members[user] = role
            elif kind == "member-role-changed" and member_role(user) != data["before"]:
                raise fail(f"{user} had role {member_role(user)}, not {data['before']}")
            elif kind in ("member-removed", "member-left") and member_role(user) != role:
                raise fail(f"{user} had role {member_role(user)}, not {role}")
            if kind == "member-role-changed":
                h.members[user] = role
            elif kind in ("member-removed", "member-left"):
                del h.members[user]
        elif kind == "file-uploaded":
            if data["file"] in h.files:
                raise fail(f"file {data['file']} was uploaded before")
            h.files[data["file"]] = [data, actor, False]
            self.pending_files.append((where, chain, e["index"], data))
        elif kind == "message-posted":
            seq = e["message"]
            if seq != h.last_seq + 1:
                raise fail(f"message {seq} follows message {h.last_seq}")
            thread = data["thread"]
            if thread is not None:
                root = h.messages.get(thread)
                if root is None or thread >= seq or (root[3] and root[2] is not None):
                    raise fail(f"thread {thread} is not an earlier top-level message")
            for f in data["files"]:
                uploaded = h.files.get(f["file"])
                if uploaded is None or uploaded[0] != f:
                    raise fail(f"attachment {f['file']} was not uploaded earlier with that hash, size and type")
                if uploaded[1] != actor:
                    raise fail(f"attachment {f['file']} was uploaded by {uploaded[1]}, not the sender")
                if uploaded[2]:
                    raise fail(f"attachment {f['file']} was sent before")
                uploaded[2] = True
            h.messages[seq] = [actor, False, thread, True, False]  # sender, deleted, thread, thread known, pinned
            h.last_seq = seq
            self.stats["messages"] += 1
        elif kind in ("message-edited", "message-deleted", "reaction-added", "reaction-removed", "message-pinned",
                      "message-unpinned"):
            m = h.messages.get(e["message"])
            if m is None:
                raise fail(f"message {e['message']} was never posted")
            if m[1]:
                raise fail(f"message {e['message']} is deleted")
            if kind == "message-edited" and m[0] is not None and actor != m[0]:
                raise fail(f"{actor} edited message {e['message']}, sent by {m[0]}")
            if kind == "message-deleted":
                if m[0] is not None and data["bySender"] != (actor == m[0]):
                    raise fail(f"bySender is {str(data['bySender']).lower()} but the sender is {m[0]}")
                m[1] = True
                m[4] = False
            if kind in ("message-pinned", "message-unpinned"):
                if m[4] == (kind == "message-pinned"):
                    raise fail(f"message {e['message']} is {'already' if m[4] else 'not'} pinned")
                m[4] = kind == "message-pinned"

    def finish_chains(self):
        """End of point 5: every unopened commitment was erased later; count chains not followed."""
        firsts = [(leaf, c.name, i) for c in self.chains.values() for i, leaf in c.unopened.items()]
        if firsts:
            leaf, name, index = min(firsts)
            raise Failure(f"leaf {leaf}", f"{name}, entry {index}: content missing and no later erasure lists it")
        conversations = [c for k, c in self.chains.items() if k != "audit"]
        self.stats["no_members"] = sum(1 for c in conversations if c.history and c.history.members is None)

    # point 7 ---------------------------------------------------------------------------------------
    def check_files(self):
        """Point 7: each file whose file-uploaded content is not erased is present, of its size and hash."""
        checked = set()
        for where, chain, index, data in self.pending_files:
            if index in chain.erased or data["sha256"] in checked:
                continue
            stream = self.bundle.open("files/" + data["sha256"])
            if stream is None:
                raise Failure(f"file {data['sha256']}", f"absent, but {where} ({chain.name}) uploaded it "
                                                        "and its content is not erased")
            digest, size = hashlib.sha256(), 0
            with stream:
                for block in iter(lambda: stream.read(1 << 16), b""):
                    digest.update(block)
                    size += len(block)
            if size != data["size"]:
                raise Failure(f"file {data['sha256']}", f"{size} bytes, {where} says {data['size']}")
            if digest.hexdigest() != data["sha256"]:
                raise Failure(f"file {data['sha256']}", f"its bytes hash to {digest.hexdigest()}")
            checked.add(data["sha256"])
        self.stats["files"] = len(checked)

    # point 8 ---------------------------------------------------------------------------------------
    def check_earlier_checkpoints(self):
        """Point 8: each earlier checkpoint verifies (or has unknown signers) and is a prefix of now."""
        stream = self.bundle.open("checkpoints.jsonl")
        if stream is None:
            return
        with stream:
            for number, raw in enumerate(stream, 1):
                if not raw.strip():
                    continue
                where = f"checkpoints.jsonl line {number}"
                try:
                    line = json.loads(raw.decode("utf-8"))
                    check_shape(line, {"note": "str", "proof": ["hex"]}, "the line")
                    cp = Checkpoint(line["note"], self.keys)
                except ValueError as e:
                    raise Failure("checkpoint", f"{where}: {e}")
                if cp.origin != self.checkpoint.origin:
                    raise Failure("checkpoint", f"{where}: origin {cp.origin!r} is another log")
                if cp.signer is None:
                    self.stats["unknown_signers"] += 1
                if not verify_consistency(cp.size, self.size, cp.root, self.checkpoint.root,
                                          [bytes.fromhex(p) for p in line["proof"]]):
                    raise Failure("checkpoint", f"{where}: the consistency proof from size {cp.size} to "
                                                f"{self.size} does not verify")
                self.stats["checkpoints"] += 1

    def run(self):
        self.check_checkpoint()
        self.read_leaves()
        self.check_files()
        self.check_earlier_checkpoints()
        manifest = self.check_manifest()
        return self.summary() + (f"\n{manifest}" if manifest else "")

    # point 9 (spec: "A discovery export") ----------------------------------------------------------
    def check_manifest(self):
        """A discovery export's signed manifest and every item it lists; None when there is no manifest."""
        stream = self.bundle.open("manifest.json")
        if stream is None:
            return None
        with stream:
            manifest = stream.read()
        if not self.bundle.exists("manifest.sig"):
            raise Failure("manifest", "manifest.json is not signed: manifest.sig is missing")
        try:
            body, signer = open_note(self.bundle.read_text("manifest.sig"), self.keys)
        except ValueError as e:
            raise Failure("manifest", f"manifest.sig: {e}")
        if signer is None:
            raise Failure("manifest", "manifest.sig: no signature by a known key")
        lines = body.split("\n")[:-1]
        if len(lines) != 4 or lines[0] != "parley-discovery-export/1":
            raise Failure("manifest", "manifest.sig does not sign a parley-discovery-export/1 manifest")
        if lines[1] != self.checkpoint.origin:
            raise Failure("manifest", f"manifest.sig names the log {lines[1]}, the bundle is {self.checkpoint.origin}")
        if lines[3] != sha256(manifest).hex():
            raise Failure("manifest", f"manifest.json hashes to {sha256(manifest).hex()}, manifest.sig signed {lines[3]}")
        try:
            data = json.loads(manifest)
            items = [(i["path"], i["sha256"], i["size"]) for i in data["items"]]
            if data["format"] != lines[0] or data["export"] != lines[2]:
                raise Failure("manifest", "manifest.json is not the manifest manifest.sig names")
        except (ValueError, KeyError, TypeError) as e:
            raise Failure("manifest", f"manifest.json does not parse ({e})")
        for path, digest, size in items:
            if not isinstance(path, str) or not path.startswith("items/") or ".." in path:
                raise Failure(f"item {path}", "not under items/")
            item = self.bundle.open(path)
            if item is None:
                raise Failure(f"item {path}", "missing from the export")
            h, length = hashlib.sha256(), 0
            with item:
                for chunk in iter(lambda: item.read(65536), b""):
                    h.update(chunk)
                    length += len(chunk)
            if length != size or h.hexdigest() != digest:
                raise Failure(f"item {path}", f"{length} bytes hashing to {h.hexdigest()}; the manifest says "
                                              f"{size} bytes hashing to {digest}")
        return f"export {lines[2]}: manifest signed by {signer.name}+{signer.id.hex()}, {len(items)} items checked"

    def summary(self):
        s, cp = self.stats, self.checkpoint
        lines = [f"OK organization {self.organization}, log {cp.origin}",
                 f"tree size {cp.size}, root {cp.root.hex()}, signed by {cp.signer.name}+{cp.signer.id.hex()}",
                 f"{'partial bundle: ' if self.partial else ''}{s['leaves']} leaves checked: "
                 f"{s['conversations']} conversations, {s['messages']} messages posted, {s['audit']} audit events, "
                 f"{s['openings']} openings, {s['erased']} erased openings, {s['files']} files",
                 f"{s['v1']} version 1 entries checked by the old rule",
                 f"{s['checkpoints']} earlier checkpoints consistent"
                 + (f" ({s['unknown_signers']} signed by unknown keys only)" if s["unknown_signers"] else ""),
                 "not checked: HTML re-rendered from Markdown (checked against its commitment only); "
                 "audit action names (the spec does not list them); the kinds of version 1 entries and the digests of "
                 "version 1 audit events (no opening)"]
        if self.partial:
            lines.append("not in this partial bundle: the organization's other conversations and its audit log")
        if s["no_members"]:
            lines.append(f"not checked: membership in {s['no_members']} conversations whose record begins with "
                         "version 1 entries, when membership was not recorded")
        return "\n".join(lines)


def parse_index_list(target_id):
    """The indexes a personal-data-erased event lists in target.id: "3,5,9" or a JSON array "[3,5,9]"."""
    text = (target_id or "").strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            values = None
    else:
        values = [int(p) for p in text.split(",") if p.strip().isdigit()] if text else []
    return [v for v in values or [] if is_int(v)]


# ---------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------

def verify(path, key_texts):
    """Verify the bundle at `path` with the verifier keys given as text. Return the summary or raise
    Failure (a check failed) or Unreadable / ValueError (the bundle or a key cannot be read)."""
    keys = [VerifierKey(k) for k in key_texts]
    return Verifier(Bundle(path), keys).run()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify a Parley record export bundle (docs/record-format.md).")
    parser.add_argument("bundle", help="a bundle folder or a .zip of one")
    parser.add_argument("--key", action="append", default=[], help="a trusted verifier key name+hex8+base64")
    parser.add_argument("--key-file", action="append", default=[], help="a file of verifier keys, one per line")
    args = parser.parse_args(argv)
    try:
        keys = list(args.key)
        for path in args.key_file:
            with open(path, encoding="utf-8") as f:
                keys += [line for line in f if line.strip() and not line.startswith("#")]
        if not keys:
            parser.error("give at least one trusted verifier key (--key or --key-file)")
        print(verify(args.bundle, keys))
        return 0
    except Failure as f:
        print(f)
        return 1
    except (Unreadable, ValueError, OSError, zipfile.BadZipFile) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception:  # a bug here, not a verdict on the bundle: never exit 1 for it
        import traceback
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
