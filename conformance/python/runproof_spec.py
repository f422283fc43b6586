"""A second, minimal implementation of runproof identities and receipt verification, written from
docs/specification.md alone (section numbers below refer to it). Python 3 standard library plus
the `cryptography` package for the Ed25519 equation. It is a check of the specification, not a
product: no I/O, no CLI; conformance/python/verify.py runs it over conformance/vectors/.
"""
import base64
import hashlib
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Refused(Exception):
    """A refusal with its specification code (§13) and, where it has one, a path."""

    def __init__(self, code, path=None):
        super().__init__(code if path is None else f"{code} at {path}")
        self.code = code
        self.path = path


MAX_DECLARATION_BYTES = 33_554_432  # §2.1, §14
MAX_DEPTH = 64  # §2.3
MAX_SAFE = 2**53 - 1
MAX_TREE_SIZE = 2**52  # §9.1

# ---------------------------------------------------------------------------------------------
# §2.4 JSON paths

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _json_string(s):
    """A string as JSON text, escaped as §5 does (lone surrogates as lowercase \\uXXXX)."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_path(segs):
    out = "$"
    for s in segs:
        if isinstance(s, int):
            out += f"[{s}]"
        elif _IDENT.fullmatch(s):
            out += "." + s
        else:
            out += "[" + _json_string(s) + "]"
    return out


# ---------------------------------------------------------------------------------------------
# §2 the strict parse

_WS = re.compile(r"[ \t\n\r]*")
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Parser:
    def __init__(self, text, max_depth):
        self.t = text
        self.i = 0
        self.max_depth = max_depth

    def ws(self):
        self.i = _WS.match(self.t, self.i).end()

    def syntax(self, why, segs):
        raise Refused("JSON_SYNTAX", json_path(segs))

    def value(self, segs):
        self.ws()
        c = self.t[self.i : self.i + 1]
        if c == '"':
            s = self.string(segs)
            if _has_lone_surrogate(s):
                raise Refused("JSON_LONE_SURROGATE", json_path(segs))
            return s
        if c == "{":
            return self.obj(segs)
        if c == "[":
            return self.arr(segs)
        if c == "-" or c.isdigit() and c.isascii():
            return self.number(segs)
        for lit, v in (("true", True), ("false", False), ("null", None)):
            if self.t.startswith(lit, self.i):
                self.i += len(lit)
                return v
        self.syntax("expected a value", segs)

    def obj(self, segs):
        if len(segs) + 1 > self.max_depth:
            raise Refused("JSON_TOO_DEEP", json_path(segs))
        self.i += 1
        out = {}
        self.ws()
        if self.t.startswith("}", self.i):
            self.i += 1
            return out
        while True:
            self.ws()
            if not self.t.startswith('"', self.i):
                self.syntax("expected a name", segs)
            key = self.string(segs)
            if _has_lone_surrogate(key):
                raise Refused("JSON_LONE_SURROGATE", json_path(segs + [key]))
            if key in out:
                raise Refused("JSON_DUPLICATE_KEY", json_path(segs + [key]))
            self.ws()
            if not self.t.startswith(":", self.i):
                self.syntax("expected :", segs + [key])
            self.i += 1
            out[key] = self.value(segs + [key])
            self.ws()
            c = self.t[self.i : self.i + 1]
            self.i += 1
            if c == "}":
                return out
            if c != ",":
                self.syntax("expected , or }", segs)

    def arr(self, segs):
        if len(segs) + 1 > self.max_depth:
            raise Refused("JSON_TOO_DEEP", json_path(segs))
        self.i += 1
        out = []
        self.ws()
        if self.t.startswith("]", self.i):
            self.i += 1
            return out
        while True:
            out.append(self.value(segs + [len(out)]))
            self.ws()
            c = self.t[self.i : self.i + 1]
            self.i += 1
            if c == "]":
                return out
            if c != ",":
                self.syntax("expected , or ]", segs)

    def string(self, segs):
        """Reads a string; surrogate escapes are kept as UTF-16 code units, then paired."""
        self.i += 1
        units = []
        while True:
            m = _PLAIN.match(self.t, self.i)
            units.append(m.group())
            self.i = m.end()
            c = self.t[self.i : self.i + 1]
            if c == '"':
                self.i += 1
                return _pair_surrogates("".join(units))
            if c != "\\":
                self.syntax("control character or end of text in a string", segs)
            e = self.t[self.i + 1 : self.i + 2]
            if e in _ESCAPES:
                units.append(_ESCAPES[e])
                self.i += 2
            elif e == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", self.t[self.i + 2 : self.i + 6]):
                units.append(chr(int(self.t[self.i + 2 : self.i + 6], 16)))
                self.i += 6
            else:
                self.syntax("invalid escape", segs)

    def number(self, segs):
        m = _NUMBER.match(self.t, self.i)
        if m is None:
            self.syntax("bad number", segs)
        lit = m.group()
        self.i = m.end()
        if m.group(2) is None and m.group(3) is None:
            # A3 (a): decided on the literal.
            if abs(int(lit)) > MAX_SAFE:
                raise Refused("JSON_UNSAFE_INTEGER", json_path(segs))
            return float(int(lit))
        v = float(lit)  # correctly rounded
        if v in (float("inf"), float("-inf")):
            raise Refused("JSON_NUMBER_OVERFLOW", json_path(segs))
        if 2**53 <= abs(v) < 1e21:
            raise Refused("JSON_UNSAFE_INTEGER", json_path(segs))  # A3 (b)
        mantissa = lit.split("e")[0].split("E")[0]
        if v == 0 and re.search(r"[1-9]", mantissa):
            raise Refused("JSON_NUMBER_UNDERFLOW", json_path(segs))
        return v


def _pair_surrogates(s):
    """Joins escaped high-low surrogate pairs into one character; lone ones stay (and are refused)."""
    return re.sub(
        "[\ud800-\udbff][\udc00-\udfff]",
        lambda m: chr(0x10000 + ((ord(m.group()[0]) - 0xD800) << 10) + (ord(m.group()[1]) - 0xDC00)),
        s,
    )


def _has_lone_surrogate(s):
    return re.search("[\ud800-\udfff]", s) is not None


def parse_strict(data, max_bytes=MAX_DECLARATION_BYTES):
    """§2: size, BOM, UTF-8, then one left-to-right pass."""
    if len(data) > max_bytes:
        raise Refused("JSON_TOO_LARGE", "$")
    if data.startswith(b"\xef\xbb\xbf"):
        raise Refused("JSON_BOM", "$")
    try:
        text = data.decode("utf-8", "strict")
    except UnicodeDecodeError:
        raise Refused("JSON_INVALID_UTF8", "$")
    p = _Parser(text, MAX_DEPTH)
    v = p.value([])
    p.ws()
    if p.i != len(text):
        raise Refused("JSON_SYNTAX", "$")
    return v


# ---------------------------------------------------------------------------------------------
# §3 the schema: the shipped JSON Schema, interpreted for the keywords it uses

def _type_ok(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "integer":
        return isinstance(v, float) and v.is_integer()
    raise ValueError(t)


def check_schema(schema, v, segs, root):
    def bad():
        raise Refused("DECLARATION_INVALID", json_path(segs))

    if schema is True:
        return
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return check_schema(root["$defs"][name], v, segs, root)
    if "type" in schema and not _type_ok(v, schema["type"]):
        bad()
    if "const" in schema and v != schema["const"]:
        bad()
    if "enum" in schema and v not in schema["enum"]:
        bad()
    if "minLength" in schema and len(v) < schema["minLength"]:
        bad()
    if "pattern" in schema and not re.fullmatch(schema["pattern"], v):
        bad()
    if "minimum" in schema and v < schema["minimum"]:
        bad()
    if "maximum" in schema and v > schema["maximum"]:
        bad()
    if isinstance(v, list):
        if "minItems" in schema and len(v) < schema["minItems"]:
            bad()
        if "items" in schema:
            for i, item in enumerate(v):
                check_schema(schema["items"], item, segs + [i], root)
    if isinstance(v, dict):
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            for k in v:
                if k not in props:
                    raise Refused("DECLARATION_INVALID", json_path(segs + [k]))
        for k in schema.get("required", []):
            if k not in v:
                raise Refused("DECLARATION_INVALID", json_path(segs + [k]))
        if "minProperties" in schema and len(v) < schema["minProperties"]:
            bad()
        if "propertyNames" in schema:
            for k in v:
                if not re.fullmatch(schema["propertyNames"]["pattern"], k):
                    raise Refused("DECLARATION_INVALID", json_path(segs + [k]))
        for k, sub in props.items():
            if k in v:
                check_schema(sub, v[k], segs + [k], root)


# ---------------------------------------------------------------------------------------------
# §5 the canonical form, §6 the identity

def _number_text(x):
    """ECMAScript Number::toString from the shortest round-trip digits (§5)."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    r = repr(abs(x))
    m, _, e = r.partition("e")
    exp = int(e) if e else 0
    ip, _, fp = m.partition(".")
    digits = ip + fp
    stripped = digits.lstrip("0")
    n = len(ip) + exp - (len(digits) - len(stripped))
    s = stripped.rstrip("0")
    k = len(s)
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        d = n - 1
        out = s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if d >= 0 else "-") + str(abs(d))
    return sign + out


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _canon_string(s):
    def esc(m):
        ch = m.group()
        return {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}.get(ch, "\\u%04x" % ord(ch))

    return '"' + _NEEDS_ESCAPE.sub(esc, s) + '"'


def canonical(v):
    parts = []

    def walk(v):
        if v is None:
            parts.append("null")
        elif v is True:
            parts.append("true")
        elif v is False:
            parts.append("false")
        elif isinstance(v, float):
            parts.append(_number_text(v))
        elif isinstance(v, str):
            parts.append(_canon_string(v))
        elif isinstance(v, list):
            parts.append("[")
            for i, x in enumerate(v):
                if i:
                    parts.append(",")
                walk(x)
            parts.append("]")
        else:
            parts.append("{")
            # Names sorted as UTF-16 code units (§5), which big-endian UTF-16 bytes order alike.
            for i, k in enumerate(sorted(v, key=lambda k: k.encode("utf-16-be", "surrogatepass"))):
                if i:
                    parts.append(",")
                parts.append(_canon_string(k))
                parts.append(":")
                walk(v[k])
            parts.append("}")

    walk(v)
    return "".join(parts).encode("utf-8")


def identity_of_value(data):
    c = canonical(parse_strict(data))
    if len(c) > MAX_DECLARATION_BYTES:
        raise Refused("JSON_TOO_LARGE", "$")
    return c, "sha256:" + hashlib.sha256(c).hexdigest()


def declaration_identity(data, schema):
    v = parse_strict(data)
    check_schema(schema, v, [], schema)
    c = canonical(v)
    if len(c) > MAX_DECLARATION_BYTES:  # §2.1: the canonical form too
        raise Refused("JSON_TOO_LARGE", "$")
    return c, "sha256:" + hashlib.sha256(c).hexdigest()


def parse_identity(text):
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", text) or text.endswith("\n"):
        raise Refused("IDENTITY_MALFORMED")
    return bytes.fromhex(text[7:])


# ---------------------------------------------------------------------------------------------
# §7 entries, §9 encodings and the tree

def decode_entry(b):
    if len(b) != 41 or b[0] != 0x01:
        raise Refused("MALFORMED_ENTRY")
    t = int.from_bytes(b[1:9], "big")
    if t > MAX_SAFE:
        raise Refused("MALFORMED_ENTRY")
    return t, b[9:41]


def leaf_hash(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def b64decode(text, length=None):
    """§9.2 canonical base64: decode, re-encode, compare."""
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) or len(text) % 4:
        raise Refused("MALFORMED_ENCODING")
    try:
        b = base64.b64decode(text, validate=True)
    except ValueError:
        raise Refused("MALFORMED_ENCODING")
    if base64.b64encode(b).decode() != text or (length is not None and len(b) != length):
        raise Refused("MALFORMED_ENCODING")
    return b


def decimal(text, maximum):
    if not re.fullmatch(r"0|[1-9][0-9]{0,15}", text) or int(text) > maximum:
        raise Refused("MALFORMED_ENCODING")
    return int(text)


def verify_inclusion(leaf, index, size, path, root):
    """§9.3 (RFC 9162 §2.1.3.2)."""
    if not (0 <= index < size <= MAX_TREE_SIZE):
        raise Refused("PROOF_FAILED")
    fn, sn, r = index, size - 1, leaf
    for c in path:
        if sn == 0:
            raise Refused("PROOF_FAILED")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(c, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn //= 2
                    sn //= 2
        else:
            r = node_hash(r, c)
        fn //= 2
        sn //= 2
    if sn != 0 or r != root:
        raise Refused("PROOF_FAILED")


def verify_consistency(n1, n2, r1, r2, path):
    """§9.3 (RFC 9162 §2.1.4.2) with its edge cases."""
    if n1 > n2 or n2 > MAX_TREE_SIZE:
        raise Refused("PROOF_FAILED")
    if n1 == n2:
        if path or r1 != r2:
            raise Refused("PROOF_FAILED")
        return
    if n1 == 0:
        if path or r1 != hashlib.sha256(b"").digest():
            raise Refused("PROOF_FAILED")
        return
    if not path:
        raise Refused("PROOF_FAILED")
    if n1 & (n1 - 1) == 0:
        path = [r1] + list(path)
    fn, sn = n1 - 1, n2 - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Refused("PROOF_FAILED")
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn //= 2
                    sn //= 2
        else:
            sr = node_hash(sr, c)
        fn //= 2
        sn //= 2
    if sn != 0 or fr != r1 or sr != r2:
        raise Refused("PROOF_FAILED")


# ---------------------------------------------------------------------------------------------
# §10.2 strict Ed25519

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_I = pow(2, (_P - 1) // 4, _P)


def _decode_point(b):
    """RFC 8032 §5.1.3 with its checks; returns (x, y) or None."""
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        return None
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * _I) % _P
        if (v * x * x - u) % _P != 0:
            return None
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _add(p, q):
    (x1, y1), (x2, y2) = p, q
    t = _D * x1 * x2 * y1 * y2
    return ((x1 * y2 + x2 * y1) * pow(1 + t, _P - 2, _P) % _P, (y1 * y2 + x1 * x2) * pow(1 - t, _P - 2, _P) % _P)


def ed25519_verify(public_key, msg, sig):
    if len(public_key) != 32 or len(sig) != 64:
        return False
    a, r = _decode_point(public_key), _decode_point(sig[:32])
    if a is None or r is None:
        return False
    p = a
    for _ in range(3):
        p = _add(p, p)
    if p == (0, 1):  # [8]A is the neutral point: small order
        return False
    if int.from_bytes(sig[32:], "little") >= _L:
        return False
    # The equation itself (cofactorless in OpenSSL; §10.2 explains why the vectors agree).
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(sig, msg)
        return True
    except InvalidSignature:
        return False


# ---------------------------------------------------------------------------------------------
# §10.1 keys, §10.3 notes, §10.4 checkpoints, §10.5 cosignatures, §10.6 policies

_KEY_NAME_BAD = re.compile("[+\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\x00-\x1f\x7f-\x9f]")


def valid_key_name(name):
    return name != "" and not _KEY_NAME_BAD.search(name)


def key_id(name, typ, pub):
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pub).digest()[:4], "big")


def parse_vkey(text):
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise Refused("MALFORMED_KEY")
    name, hexid, b64 = parts
    if not valid_key_name(name) or not re.fullmatch(r"[0-9a-f]{8}", hexid):
        raise Refused("MALFORMED_KEY")
    try:
        raw = b64decode(b64, 33)
    except Refused:
        raise Refused("MALFORMED_KEY")
    if raw[0] not in (0x01, 0x04) or key_id(name, raw[0], raw[1:]) != int(hexid, 16):
        raise Refused("MALFORMED_KEY")
    return {"name": name, "id": int(hexid, 16), "type": raw[0], "key": raw[1:]}


_NOTE_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")


def parse_note(data):
    if len(data) > 1_000_000:
        raise Refused("MALFORMED_NOTE")
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("MALFORMED_NOTE")
    if _NOTE_CONTROL.search(s):
        raise Refused("MALFORMED_NOTE")
    split = s.rfind("\n\n")
    if split < 0:
        raise Refused("MALFORMED_NOTE")
    text, block = s[: split + 1], s[split + 2 :]
    if block == "" or not block.endswith("\n"):
        raise Refused("MALFORMED_NOTE")
    lines = block[:-1].split("\n")
    if len(lines) > 100:
        raise Refused("MALFORMED_NOTE")
    sigs = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise Refused("MALFORMED_NOTE")
        name, sp, b64 = line[2:].partition(" ")
        if not sp or not valid_key_name(name):
            raise Refused("MALFORMED_NOTE")
        try:
            payload = b64decode(b64)
        except Refused:
            raise Refused("MALFORMED_NOTE")
        if len(payload) < 5:
            raise Refused("MALFORMED_NOTE")
        sig = (name, int.from_bytes(payload[:4], "big"), payload[4:])
        if sig not in sigs:
            sigs.append(sig)
    return text, sigs


def _cosig_time(sig):
    return int.from_bytes(sig[:8], "big")


def _verify_sig(key, text, sig):
    tb = text.encode()
    if key["type"] == 0x01:
        return ed25519_verify(key["key"], tb, sig)
    if len(sig) != 72 or _cosig_time(sig) > 2**63 - 1:
        return False
    msg = b"cosignature/v1\ntime %d\n" % _cosig_time(sig) + tb
    return ed25519_verify(key["key"], msg, sig[8:])


def open_note(data, keys):
    text, sigs = parse_note(data)
    known = {(k["name"], k["id"]): k for k in keys}
    verified = []
    for name, kid, sig in sigs:
        k = known.get((name, kid))
        if k is None:
            continue  # well-formed but unknown: ignored
        if not _verify_sig(k, text, sig):
            raise Refused("INVALID_SIGNATURE")
        verified.append((name, kid, sig))
    if not verified:
        raise Refused("NO_VERIFIED_SIGNATURE")
    return text, verified


def parse_checkpoint(text):
    if not text.endswith("\n") or _NOTE_CONTROL.search(text):
        raise Refused("MALFORMED_CHECKPOINT")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or lines[0] == "" or any(e == "" for e in lines[3:]):
        raise Refused("MALFORMED_CHECKPOINT")
    if re.fullmatch(r"[1-9][0-9]{0,19}", lines[1]) and MAX_TREE_SIZE < int(lines[1]) < 2**64:
        raise Refused("UNSUPPORTED_SIZE")  # §9.1: a well-formed uint64 beyond the cap
    try:
        size = decimal(lines[1], MAX_TREE_SIZE)
        root = b64decode(lines[2], 32)
    except Refused:
        raise Refused("MALFORMED_CHECKPOINT")
    return {"origin": lines[0], "size": size, "root": root, "extensions": lines[3:]}


def open_checkpoint(data, log_key, witness_keys):
    """§10.4 with §10.5: returns the checkpoint and the counted cosignatures (name, id, time)."""
    if log_key["type"] != 0x01 or any(w["type"] != 0x04 for w in witness_keys):
        raise Refused("MALFORMED_KEY")
    text, _ = parse_note(data)
    cp = parse_checkpoint(text)
    if cp["origin"] != log_key["name"]:
        raise Refused("ORIGIN_MISMATCH")
    text, verified = open_note(data, [log_key] + witness_keys)
    if not any((n, i) == (log_key["name"], log_key["id"]) for n, i, _ in verified):
        raise Refused("NO_VERIFIED_SIGNATURE")
    wit = {(w["name"], w["id"]) for w in witness_keys}
    counted = []
    for n, i, sig in verified:
        if (n, i) in wit and (n, i) not in [(c[0], c[1]) for c in counted] and _cosig_time(sig) <= MAX_SAFE:
            counted.append((n, i, _cosig_time(sig)))
    return cp, counted


def parse_policy(data):
    if len(data) > 1_000_000:
        raise Refused("MALFORMED_POLICY")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("MALFORMED_POLICY")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    logs, witnesses, groups, names, members, quorum = [], [], [], set(), set(), None

    def key(text, typ):
        try:
            k = parse_vkey(text)
        except Refused:
            raise Refused("MALFORMED_POLICY")
        others = logs + [w["key"] for w in witnesses]
        if k["type"] != typ or any(o["key"] == k["key"] or (o["name"], o["id"]) == (k["name"], k["id"]) for o in others):
            raise Refused("MALFORMED_POLICY")
        return k

    for raw in lines:
        if re.search("[\x00-\x08\x0b-\x1f\x7f]", raw):
            raise Refused("MALFORMED_POLICY")
        f = [x for x in re.split("[ \t]+", raw) if x]
        if not f or f[0].startswith("#"):
            continue
        kw, args = f[0], f[1:]
        if kw == "log":
            if not 1 <= len(args) <= 2 or len(logs) == 256:
                raise Refused("MALFORMED_POLICY")
            logs.append(key(args[0], 0x01))
        elif kw == "witness":
            if not 2 <= len(args) <= 3 or len(witnesses) == 256 or args[0] == "none" or args[0] in names:
                raise Refused("MALFORMED_POLICY")
            witnesses.append({"name": args[0], "key": key(args[1], 0x04)})
            names.add(args[0])
        elif kw == "group":
            if len(args) < 3 or len(groups) == 256 or args[0] == "none" or args[0] in names:
                raise Refused("MALFORMED_POLICY")
            gname, k, ms = args[0], args[1], args[2:]
            for m in ms:
                if m not in names or m in members:
                    raise Refused("MALFORMED_POLICY")
                members.add(m)
            if k == "all":
                t = len(ms)
            elif k == "any":
                t = 1
            else:
                try:
                    t = decimal(k, MAX_SAFE)
                except Refused:
                    raise Refused("MALFORMED_POLICY")
                if not 1 <= t <= len(ms):
                    raise Refused("MALFORMED_POLICY")
            groups.append({"name": gname, "threshold": t, "members": ms})
            names.add(gname)
        elif kw == "quorum":
            if len(args) != 1 or quorum is not None or (args[0] != "none" and args[0] not in names):
                raise Refused("MALFORMED_POLICY")
            quorum = args[0]
        else:
            raise Refused("MALFORMED_POLICY")
    if quorum is None:
        raise Refused("MALFORMED_POLICY")
    return {"logs": logs, "witnesses": witnesses, "groups": groups, "quorum": quorum}


def quorum_met(policy, counted):
    if policy["quorum"] == "none":
        return True
    ids = {(n, i) for n, i, _ in counted}
    met = {w["name"]: (w["key"]["name"], w["key"]["id"]) in ids for w in policy["witnesses"]}
    for g in policy["groups"]:
        met[g["name"]] = sum(1 for m in g["members"] if met.get(m)) >= g["threshold"]
    return met.get(policy["quorum"], False)


# ---------------------------------------------------------------------------------------------
# §11 the receipt, §12 its verification

def parse_receipt(data):
    if len(data) > 1_000_000:
        raise Refused("MALFORMED_PROOF")
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("MALFORMED_PROOF")
    pos = 0

    def line():
        nonlocal pos
        nl = s.find("\n", pos)
        if nl < 0:
            raise Refused("MALFORMED_PROOF")
        out = s[pos:nl]
        pos = nl + 1
        return out

    try:
        if line() != "c2sp.org/tlog-proof@v1":
            raise Refused("MALFORMED_PROOF")
        ln = line()
        extra = None
        if ln.startswith("extra "):
            extra = b64decode(ln[6:])
            ln = line()
        if not ln.startswith("index "):
            raise Refused("MALFORMED_PROOF")
        index = decimal(ln[6:], MAX_TREE_SIZE - 1)
        path = []
        ln = line()
        while ln != "":
            if len(path) == 64:
                raise Refused("MALFORMED_PROOF")
            path.append(b64decode(ln, 32))
            ln = line()
        note = s[pos:].encode()
        text, _ = parse_note(note)
        parse_checkpoint(text)
    except Refused:
        raise Refused("MALFORMED_PROOF")
    if extra is None:
        raise Refused("MALFORMED_PROOF")  # required in the runproof profile
    return extra, index, path, note


def verify_receipt(receipt, trust, schema, declaration=None, identity=None):
    """§12, steps 0–6. `trust` is {"vkey": text} or {"policy": bytes}."""
    # 0. the trust root
    if "vkey" in trust:
        log_key = parse_vkey(trust["vkey"])
        if log_key["type"] != 0x01:
            raise Refused("MALFORMED_KEY")
        policy = None
    else:
        policy = parse_policy(trust["policy"])
    # 1. the receipt
    extra, index, path, note = parse_receipt(receipt)
    # 2. the expected identity
    given = parse_identity(identity) if identity is not None else None
    if declaration is not None:
        digest = bytes.fromhex(declaration_identity(declaration, schema)[1][7:])
        if given is not None and given != digest:
            raise Refused("ENTRY_MISMATCH")
    elif given is not None:
        digest = given
    else:
        raise Refused("MALFORMED_REQUEST")
    # 3. the entry
    timestamp, entry_digest = decode_entry(extra)
    if entry_digest != digest:
        raise Refused("ENTRY_MISMATCH")
    # 4. the leaf
    leaf = leaf_hash(extra)
    # 5. the checkpoint
    witnesses = []
    if policy is None:
        cp, _ = open_checkpoint(note, log_key, [])
    else:
        origin = parse_checkpoint(parse_note(note)[0])["origin"]
        candidates = [k for k in policy["logs"] if k["name"] == origin]
        if not candidates:
            raise Refused("UNKNOWN_KEY")
        wkeys = [w["key"] for w in policy["witnesses"]]
        last = None
        for k in candidates:
            try:
                cp, counted = open_checkpoint(note, k, wkeys)
                break
            except Refused as e:
                last = e
        else:
            raise last
        if not quorum_met(policy, counted):
            raise Refused("QUORUM_NOT_MET")
        for n, i, t in counted:
            for w in policy["witnesses"]:
                if (w["key"]["name"], w["key"]["id"]) == (n, i):
                    witnesses.append({"name": w["name"], "timestamp": t * 1000})
    # 6. the inclusion proof
    verify_inclusion(leaf, index, cp["size"], path, cp["root"])
    return {
        "ok": True,
        "identity": "sha256:" + digest.hex(),
        "index": index,
        "timestamp": timestamp,
        "origin": cp["origin"],
        "tree_size": cp["size"],
        "root": base64.b64encode(cp["root"]).decode(),
        "witnesses": witnesses,
    }
