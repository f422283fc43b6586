"""Runs the second implementation (runproof_spec.py) over conformance/vectors/ and reports every
mismatch. Usage: /usr/bin/python3 conformance/python/verify.py conformance/vectors [docs/declaration-v1.schema.json]
Prints one JSON summary line; exits 1 if any vector disagrees.
"""
import base64
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runproof_spec as rp  # noqa: E402


def input_bytes(i):
    if "text" in i:
        return i["text"].encode("utf-8", "surrogatepass")
    if "hex" in i:
        return bytes.fromhex(i["hex"])
    return b"".join((p["text"] if "text" in p else p["repeat"] * p["times"]).encode("utf-8") for p in i["build"])


def outcome(f):
    try:
        return f()
    except rp.Refused as e:
        return {"code": e.code} if e.path is None else {"code": e.code, "path": e.path}


def same(got, want):
    """Compares an outcome with a vector's expectation; a JSON_SYNTAX path is informative (§2.4)."""
    if "code" in want:
        if not isinstance(got, dict) or got.get("code") != want["code"]:
            return False
        return want["code"] == "JSON_SYNTAX" or "path" not in want or got.get("path") == want["path"]
    return got == want


def accepted(canonical, identity):
    if len(canonical) <= 4096:
        return {"canonical": canonical.decode("utf-8"), "identity": identity}
    return {"canonical_length": len(canonical), "canonical_sha256": hashlib.sha256(canonical).hexdigest(), "identity": identity}


def main():
    vectors_dir = sys.argv[1]
    schema_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(vectors_dir.rstrip("/")), "..", "docs", "declaration-v1.schema.json")
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    load = lambda name: json.load(open(os.path.join(vectors_dir, name), encoding="utf-8"))
    counts, failures = {}, []

    def check(group, name, got, want):
        counts[group] = counts.get(group, 0) + 1
        if not same(got, want):
            failures.append({"group": group, "name": name, "got": got, "want": want})

    # §2, §3, §5, §6
    ident = load("identity.json")
    for v in ident["vectors"]:
        data = input_bytes(v["input"])
        if v["kind"] == "value":
            got = outcome(lambda: accepted(*rp.identity_of_value(data)))
        else:
            got = outcome(lambda: accepted(*rp.declaration_identity(data, schema)))
        check("identity", v["name"], got, v["expect"])
    for v in ident["identity_texts"]:
        check("identity_texts", v["text"], outcome(lambda: {"digest": rp.parse_identity(v["text"]).hex()}), v["expect"])

    # §7, §9.3
    merkle = load("merkle.json")
    leaves = []
    for i in range(1025):
        entry = b"\x01" + i.to_bytes(8, "big") + hashlib.sha256(str(i).encode()).digest()
        leaves.append(rp.leaf_hash(entry))
        if i == 0:
            check("merkle", "leaf rule", {"d": entry.hex(), "h0": leaves[0].hex()}, {"d": merkle["leaf_data_0"], "h0": merkle["leaf_hash_0"]})
    check("merkle", "leaf 1", leaves[1].hex(), merkle["leaf_hash_1"])
    for v in merkle["entries"]:
        def entry_of(hexed):
            b = bytes.fromhex(hexed)
            t, d = rp.decode_entry(b)
            return {"timestamp": t, "identity": "sha256:" + d.hex(), "leaf_hash": rp.leaf_hash(b).hex()}
        check("entries", v.get("name", v["entry"]), outcome(lambda: entry_of(v["entry"])), v["expect"])
    for v in merkle["roots"]:
        check("roots", str(v["size"]), rp.mth(leaves[: v["size"]]).hex(), v["root"])
    h = bytes.fromhex
    for v in merkle["inclusion"]:
        got = outcome(lambda: (rp.verify_inclusion(h(v["leaf_hash"]), v["index"], v["size"], [h(p) for p in v["path"]], h(v["root"])), {"ok": True})[1])
        check("inclusion", v.get("name", f'{v["index"]}/{v["size"]}'), got, v["expect"])
    for v in merkle["consistency"]:
        got = outcome(lambda: (rp.verify_consistency(v["old_size"], v["new_size"], h(v["old_root"]), h(v["new_root"]), [h(p) for p in v["path"]]), {"ok": True})[1])
        check("consistency", v.get("name", f'{v["old_size"]}->{v["new_size"]}'), got, v["expect"])

    # §10
    notes = load("notes.json")
    for v in notes["vkeys"]:
        def vk():
            k = rp.parse_vkey(v["vkey"])
            return {"name": k["name"], "key_id": "%08x" % k["id"], "type": k["type"], "public_key": base64.b64encode(k["key"]).decode()}
        check("vkeys", v.get("name", v["vkey"]), outcome(vk), v["expect"])
    for v in notes["notes"]:
        def op():
            text, verified = rp.open_note(input_bytes(v["note"]), [rp.parse_vkey(k) for k in v["vkeys"]])
            seen = []
            for n, i, _ in verified:
                if "%s+%08x" % (n, i) not in seen:
                    seen.append("%s+%08x" % (n, i))
            return {"text": text, "verified": seen}
        check("notes", v["name"], outcome(op), v["expect"])
    for v in notes["checkpoints"]:
        def cp():
            c = rp.parse_checkpoint(v["text"])
            return {"origin": c["origin"], "size": c["size"], "root": base64.b64encode(c["root"]).decode(), "extensions": c["extensions"]}
        check("checkpoints", v.get("name", v["text"]), outcome(cp), v["expect"])
    for v in notes["cosignatures"]:
        def co():
            _, counted = rp.open_checkpoint(v["note"].encode(), rp.parse_vkey(v["log_vkey"]), [rp.parse_vkey(k) for k in v["witness_vkeys"]])
            return {"cosignatures": [{"name": n, "timestamp": t} for n, _, t in counted]}
        check("cosignatures", v["name"], outcome(co), v["expect"])
    for v in notes["policies"]:
        def po():
            p = rp.parse_policy(input_bytes(v["policy"]))
            vkey = lambda k: "%s+%08x+%s" % (k["name"], k["id"], base64.b64encode(bytes([k["type"]]) + k["key"]).decode())
            return {"logs": [vkey(k) for k in p["logs"]], "witnesses": [w["name"] for w in p["witnesses"]], "groups": p["groups"], "quorum": p["quorum"]}
        check("policies", v["name"], outcome(po), v["expect"])

    # §11, §12
    for v in load("receipts.json")["vectors"]:
        trust = {"vkey": v["trust"]["vkey"]} if "vkey" in v["trust"] else {"policy": v["trust"]["policy"].encode()}
        decl = input_bytes(v["declaration"]) if "declaration" in v else None
        got = outcome(lambda: rp.verify_receipt(input_bytes(v["receipt"]), trust, schema, decl, v.get("identity")))
        check("receipts", v["name"], got, v["expect"])

    print(json.dumps({"checked": counts, "total": sum(counts.values()), "failures": failures[:20], "failed": len(failures)}, ensure_ascii=True))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
