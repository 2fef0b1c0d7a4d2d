"""The seeded case generator of the fuzz suite. Case i depends only on (SEED, i) and the workspace ids it is
given, so any failing case is reproduced by its index (FUZZ_CASES=i): JSON mutations of valid bodies of the 14
WorkSpaces actions and LookupEvents, header mutations, framing cases on fresh connections, and a few slow
bodies."""
import copy
import random

from fuzzwire import Obj, Raw, encode, encode_string, head, sign, to_tree, with_length

SEED = 20261129
DIRECTORY = "d-926722edaf"
BUNDLE = "wsb-al2std01"
FAKE_WS = "ws-abcdefgh1"
CLOUDTRAIL = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
ACTIONS = [
    "CreateTags", "CreateWorkspaces", "DeleteTags", "DescribeTags", "DescribeWorkspaceBundles",
    "DescribeWorkspaceDirectories", "DescribeWorkspaces", "DescribeWorkspacesConnectionStatus",
    "ModifyWorkspaceProperties", "RebootWorkspaces", "RebuildWorkspaces", "StartWorkspaces", "StopWorkspaces",
    "TerminateWorkspaces", "LookupEvents",
]
DESCRIBES = ["DescribeWorkspaceBundles", "DescribeWorkspaceDirectories", "DescribeWorkspaces",
             "DescribeWorkspacesConnectionStatus", "LookupEvents"]
USERS = ["alice", "bob", "carol", "dave", "erin"]  # mary belongs to the valid client running alongside

BAD_UTF8 = [b"\xc3(", b"\xff", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\xfe\xfe"]
SURROGATES = [b"\\ud800", b"\\udc00", b"\\ud800\\u0041", b"\\uDBFF", b"\\udfff\\ud800"]
CONTROLS = ["\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\r\n"]
BIG_NUMBERS = [b"1e400", b"-1e400", b"99999999999999999999999999", b"9223372036854775808", b"-2147483649",
               b"2147483648", b"1.0", b"-0", b"1e-400", b"0.0000001", b"1E5", b"4294967296", b"-9223372036854775809"]
TYPE_VALUES = [0, -1, 1.5, "", "x", True, False, None, [], Obj([]), ["a"], Obj([("a", 1)]), [None]]
TOP_LEVEL = [b"[]", b"null", b'"x"', b"123", b"true", b"", b"   \r\n", b"\xef\xbb\xbf{}", b"{}garbage", b"{} {}",
             b"{,}", b'{"a":1,}', b"/*c*/{}", b'{"a":NaN}', b'{"a":Infinity}', b"{", b"}", b"\x00", b"[" * 40,
             b'{"Limit": 5 "x": 1}', b"{'a': 1}", b"\xff\xfe{\x00}\x00"]


class Case:
    """One request to send. `parts` are bytes or pauses; `fresh`: on a connection of its own; `expect`:
    (status, __type) the answer must have, or None; `parser_level`: the HTTP parser may answer it before
    the API sees it (a bare 400/431 with Connection: close); `answers`: how many answers to read;
    `shut_write`: the client closes its side after sending. Kestrel takes a client's FIN as the end of the
    connection and answers nothing then, so such a case may end without an answer (but never with a 5xx)."""

    def __init__(self, index, kind, what, parts, fresh=False, shut_write=False, expect=None, parser_level=False,
                 answers=1, must_close=False):
        self.index, self.kind, self.what, self.parts = index, kind, what, parts
        self.fresh, self.shut_write, self.expect, self.parser_level = fresh, shut_write, expect, parser_level
        self.answers, self.must_close = answers, must_close
        self.parser_statuses = (400, 431)
        self.whole_text = False

    @property
    def request(self):
        return b"".join(p for p in self.parts if isinstance(p, bytes))


def target_of(action):
    return CLOUDTRAIL if action == "LookupEvents" else "WorkspacesService." + action


def service_of(action):
    return "cloudtrail" if action == "LookupEvents" else "workspaces"


def seed_body(action, rng, ids):
    """A valid body of the action, on the fuzzer's own workspaces (or an id that does not exist)."""
    ws = rng.choice(ids + [FAKE_WS])
    change = {"RebootWorkspaces": "RebootWorkspaceRequests", "RebuildWorkspaces": "RebuildWorkspaceRequests",
              "StartWorkspaces": "StartWorkspaceRequests", "StopWorkspaces": "StopWorkspaceRequests",
              "TerminateWorkspaces": "TerminateWorkspaceRequests"}
    if action in change:
        return {change[action]: [{"WorkspaceId": w} for w in rng.sample(ids + [FAKE_WS], rng.randint(1, 2))]}
    return {
        "CreateTags": lambda: {"ResourceId": rng.choice([ws, DIRECTORY]),
                               "Tags": [{"Key": "team", "Value": "blue"}, {"Key": "k" + str(rng.randint(0, 9))}]},
        "CreateWorkspaces": lambda: {"Workspaces": [{
            "DirectoryId": DIRECTORY, "UserName": rng.choice(USERS), "BundleId": BUNDLE, "VolumeEncryptionKey": "",
            "UserVolumeEncryptionEnabled": False, "RootVolumeEncryptionEnabled": False,
            "WorkspaceProperties": {"RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 60,
                                    "RootVolumeSizeGib": 80, "UserVolumeSizeGib": 50, "ComputeTypeName": "STANDARD",
                                    "Protocols": ["WSP"]},
            "Tags": [{"Key": "team", "Value": "blue"}], "WorkspaceName": "fuzz_ws"}]},
        "DeleteTags": lambda: {"ResourceId": ws, "TagKeys": ["team", "k1"]},
        "DescribeTags": lambda: {"ResourceId": ws},
        "DescribeWorkspaceBundles": lambda: rng.choice([{"BundleIds": [BUNDLE]}, {"Owner": "AMAZON"}, {}]),
        "DescribeWorkspaceDirectories": lambda: {"DirectoryIds": [DIRECTORY], "Limit": 5,
                                                 "Filters": [{"Name": "WORKSPACE_TYPE", "Values": ["PERSONAL"]}]},
        "DescribeWorkspaces": lambda: rng.choice([{"WorkspaceIds": [ws]}, {"DirectoryId": DIRECTORY,
                                                  "UserName": rng.choice(USERS), "Limit": 5}, {"BundleId": BUNDLE}]),
        "DescribeWorkspacesConnectionStatus": lambda: {"WorkspaceIds": [ws]},
        "ModifyWorkspaceProperties": lambda: {"WorkspaceId": ws, "WorkspaceProperties": {
            "RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 120}},
        "LookupEvents": lambda: {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateTags"}],
                                 "MaxResults": 5, "StartTime": 1700000000, "EndTime": 4102444800.5},
    }[action]()


# ------------------------------------------------------------------------------------------ tree mutations

def positions(tree):
    """Every (container, index) of the tree: the places a mutation can hit."""
    out = []

    def walk(node):
        if isinstance(node, Obj):
            for i, (_, v) in enumerate(node.pairs):
                out.append((node, i))
                walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                out.append((node, i))
                walk(v)
    walk(tree)
    return out


def get(pos):
    c, i = pos
    return c.pairs[i][1] if isinstance(c, Obj) else c[i]


def put(pos, value):
    c, i = pos
    if isinstance(c, Obj):
        c.pairs[i] = (c.pairs[i][0], value)
    else:
        c[i] = value


def containers(tree, kind):
    found = [tree] if isinstance(tree, kind) else []
    found += [get(p) for p in positions(tree) if isinstance(get(p), kind)]
    return found


def fresh(rng, more=()):
    """A value of some type, never shared with another case or place (later mutations change it in place)."""
    return copy.deepcopy(rng.choice(TYPE_VALUES + list(more)))


def text_of(value, rng):
    return value if isinstance(value, str) and value else rng.choice(["ws-abcdefgh1", DIRECTORY, "alice", "x"])


def raw_string(prefix, middle, suffix):
    return Raw(encode_string(prefix)[:-1] + middle + encode_string(suffix)[1:])


def mutate_tree(tree, rng):
    """One mutation somewhere in the tree; returns its description."""
    spots = positions(tree)
    op = rng.choice(["type", "number", "nest", "long", "utf8", "surrogate", "control", "rawcontrol", "dupkey",
                     "nulllist", "key", "drop", "bigcount", "unknown", "utf8", "control", "type"])
    if op in ("dupkey", "key", "drop", "unknown"):
        obj = rng.choice(containers(tree, Obj))
        if not obj.pairs or op == "unknown":
            key = rng.choice(["Zzz", Raw(b'"\xff\xfe"'), Raw(b'"\\ud800"'), "", "a" * 5000, "__type"])
            obj.pairs.append((key, fresh(rng, [Raw(b'"\xc3("')])))
            return f"unknown member {key!r}"
        i = rng.randrange(len(obj.pairs))
        k, v = obj.pairs[i]
        if op == "dupkey":
            obj.pairs.insert(i + rng.randint(0, 1), (k, fresh(rng)))
            return f"duplicate key {k!r}"
        if op == "drop":
            del obj.pairs[i]
            return f"dropped {k!r}"
        kstr = k if isinstance(k, str) else "K"
        new = rng.choice([Raw(b'"' + kstr.encode() + rng.choice(BAD_UTF8) + b'"'),
                          Raw(b'"' + kstr.encode() + rng.choice(SURROGATES) + b'"'),
                          kstr.lower(), kstr.upper(), kstr + "\x00", " " + kstr, kstr * 50])
        obj.pairs[i] = (new, v)
        return f"key {k!r} -> {new!r}"
    if op in ("nulllist", "bigcount"):
        lists = containers(tree, list)
        if not lists:
            spot = rng.choice(spots) if spots else None
            if spot is None:
                return mutate_tree(tree, rng)
            put(spot, [None] if op == "nulllist" else [copy.deepcopy(get(spot)) for _ in range(30)])
            return f"{op} as a new list"
        lst = rng.choice(lists)
        if op == "nulllist":
            lst.insert(rng.randint(0, len(lst)), None)
            return "null in a list"
        item = lst[0] if lst else "x"
        n = rng.choice([24, 25, 26, 50, 101, 5000])
        # Near the 1 MiB limit at most, not far past it: the body is meant to reach the JSON layer.
        n = max(1, min(n, (1_500_000 - len(encode(tree))) // (len(encode(item)) + 2)))
        lst[:] = [copy.deepcopy(item) for _ in range(n)]
        return f"list of {n}"
    if not spots:
        tree.pairs.append(("Zzz", fresh(rng)))
        return "member added to an empty object"
    spot = rng.choice(spots)
    old = get(spot)
    if op == "type":
        new = fresh(rng)
        put(spot, new)
        return f"type confusion {old!r:.40} -> {new!r}"
    if op == "number":
        new = Raw(rng.choice(BIG_NUMBERS))
        put(spot, new)
        return f"number {new.data!r}"
    if op == "nest":
        depth = rng.choice([31, 32, 33, 64, 1000, 20000])
        put(spot, Raw(b"[" * depth + b"1" + b"]" * depth) if rng.random() < 0.5
            else Raw(b'{"a":' * depth + b"1" + b"}" * depth))
        return f"nested {depth} deep"
    if op == "long":
        n = rng.choice([64, 65, 128, 129, 256, 2049, 65536, 300_000])
        put(spot, rng.choice(["a", "\u20ac", "ws-", "\U0001f600", "x\U0001f600"]) * n)
        return f"string of {n}"
    if op == "utf8":
        bad = rng.choice(BAD_UTF8)
        s = text_of(old, rng)
        cut = rng.randint(0, len(s))
        put(spot, raw_string(s[:cut], bad, s[cut:]))
        return f"invalid UTF-8 {bad!r} in {s!r:.40}"
    if op == "surrogate":
        sur = rng.choice(SURROGATES)
        s = text_of(old, rng)
        put(spot, raw_string(s[:1], sur, s[1:]))
        return f"surrogate escape {sur!r} in {s!r:.40}"
    if op == "control":
        ch = rng.choice(CONTROLS)
        s = text_of(old, rng)
        put(spot, rng.choice([ch + s, s + ch, s[:3] + ch + s[3:]]))
        return f"control {ch!r} in {s!r:.40}"
    # rawcontrol: an unescaped control byte inside a string: not JSON
    s = text_of(old, rng)
    put(spot, Raw(b'"' + s[:3].encode() + bytes([rng.choice([0, 1, 10, 13, 31])]) + s[3:].encode() + b'"'))
    return f"raw control byte in {s!r:.40}"


def mutate_bytes(body, rng):
    op = rng.choice(["truncate", "flip", "insert", "top", "pad"])
    if op == "truncate" and body:
        n = rng.randrange(len(body))
        return body[:n], f"truncated at {n}"
    if op == "flip" and body:
        b = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b), "bytes flipped"
    if op == "insert":
        n = rng.randint(0, len(body))
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return body[:n] + junk + body[n:], f"inserted {junk!r}"
    if op == "pad":
        return rng.choice([b" " * 5000 + body, body + b"\n" * 3, b"\t" + body]), "whitespace padding"
    top = rng.choice(TOP_LEVEL)
    return top, f"body {top[:20]!r}"


# ------------------------------------------------------------------------------------------ the cases

def json_case(i, rng, port, ids):
    action = rng.choice(ACTIONS)
    tree = to_tree(seed_body(action, rng, ids))
    notes = [mutate_tree(tree, rng) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
    body = encode(tree)
    if rng.random() < 0.15:
        body, note = mutate_bytes(body, rng)
        notes.append(note)
    headers = with_length(sign(port, target_of(action), body, service_of(action)), body)
    return Case(i, "json", f"{action}: " + "; ".join(n[:160] for n in notes), [head("POST", "/", headers), body])


def header_case(i, rng, port, ids):
    action = rng.choice(ACTIONS)
    target, service = target_of(action), service_of(action)
    body = encode(to_tree(seed_body(action, rng, ids)))
    op = rng.choice(["nonascii", "nonascii", "unsigned", "duptarget", "dupdate", "dupctype", "auth", "auth",
                     "service", "sha", "noauth", "token", "method", "path", "ctype", "expired", "emptytarget",
                     "agent", "nul", "badname", "emptyheader"])
    expect, parser = None, False
    extra_after = []
    signed = None
    if op == "nonascii":
        k = rng.randrange(len(target) + 1)
        # Not \xa0 or \x85: botocore folds them as whitespace when it signs (Python's str.split), AWS does not.
        junk = rng.choice(["\xe9", "\xff", "\x80", "\xc3\xa9", "\xfe\xfe"])
        t = target[:k] + junk + target[k:]
        signed = sign(port, t, body)  # an action the server does not know is checked as signed for workspaces
        expect = (400, "InvalidAction")
        what = f"non-ASCII byte in X-Amz-Target {t!r}"
    elif op == "unsigned":
        signed = sign(port, target, body, service, sign_target=False)
        expect = (400, "IncompleteSignature")
        what = "X-Amz-Target not in SignedHeaders"
    elif op == "duptarget":
        other = rng.choice([target, target_of(rng.choice(ACTIONS))])
        signed = [(n, v) for n, v in sign(port, target + "," + other, body)]
        signed = [(n, target) if n == "X-Amz-Target" else (n, v) for n, v in signed] + [("X-Amz-Target", other)]
        expect = (400, "InvalidAction")
        what = f"X-Amz-Target twice: {target} and {other}"
    elif op == "dupdate":
        signed = sign(port, target, body, service)
        date = dict(signed)["X-Amz-Date"]
        extra_after = [("X-Amz-Date", rng.choice([date, "20200101T000000Z", "\xff"]))]
        what = "X-Amz-Date twice"
    elif op == "dupctype":
        signed = sign(port, target, body, service)
        extra_after = [("Content-Type", "text/plain")]
        what = "Content-Type twice (the second unsigned)"
        expect = (400, "InvalidSignatureException")
    elif op == "auth":
        signed = sign(port, target, body, service)
        auth = dict(signed)["Authorization"]
        bad = rng.choice([
            auth.replace("Signature=", "Signature=\xff"), auth.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256"),
            auth.split(", Signature")[0], auth.replace("Credential=test/", "Credential=/"),
            auth.replace("/aws4_request", "/aws4_request/x"), auth.replace("us-east-1", "us-east-\xe9"),
            auth.replace("SignedHeaders=", "SignedHeaders=;;"), auth + ", " + "x=" * 9000, "AWS4-HMAC-SHA256 ",
            "AWS4-HMAC-SHA256", auth.replace(",", ",,,"), auth.replace("=", "=="), auth.upper(),
            auth.replace("Credential=test", "Credential=\x01\xfe"), "Bearer x", auth.replace("host;", ""),
            auth[:-64] + "g" * 64,
        ])
        signed = [(n, bad) if n == "Authorization" else (n, v) for n, v in signed]
        what = f"Authorization {bad[:80]!r}"
    elif op == "service":
        signed = sign(port, target, body, "cloudtrail" if service == "workspaces" else "workspaces")
        expect = (400, "InvalidSignatureException")
        what = "signed for the other service"
    elif op == "sha":
        signed = sign(port, target, body, service, headers={"X-Amz-Content-Sha256": "0" * 64})
        expect = (400, "InvalidSignatureException")
        what = "x-amz-content-sha256 does not match"
    elif op == "noauth":
        signed = [(n, v) for n, v in sign(port, target, body, service) if n != "Authorization"]
        expect = (403, "MissingAuthenticationToken")
        what = "no Authorization"
    elif op == "token":
        signed = sign(port, target, body, service, headers={"X-Amz-Security-Token": "abc"})
        expect = (403, "InvalidClientTokenId")
        what = "session token"
    elif op == "method":
        method = rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
        signed = sign(port, target, body, service, method=method)
        headers = with_length(signed, body)
        return Case(i, "header", f"method {method}", [head(method, "/", headers), body],
                    expect=(400, "MissingAction"))
    elif op == "path":
        path = rng.choice(["/x", "/a/../b", "/%zz", "/?a=b&c", "/%c3%28", "/" + "a" * 3000, "/?X-Amz-Signature=x"])
        signed = sign(port, target, body, service, path=path)
        headers = with_length(signed, body)
        return Case(i, "header", f"path {path[:40]}", [head("POST", path, headers), body])
    elif op == "ctype":
        signed = sign(port, target, body, service, headers={"Content-Type": rng.choice(
            ["text/plain", "", "application/json; charset=latin1", "\xe9"])})
        what = "another Content-Type"
    elif op == "expired":
        signed = sign(port, target, body, service)
        date = dict(signed)["X-Amz-Date"]
        old = "2020" + date[4:]
        signed = [(n, old) if n == "X-Amz-Date" else (n, v) for n, v in signed]
        what = "X-Amz-Date replaced after signing"
        expect = None  # the scope's date no longer matches: InvalidSignatureException or RequestExpired
    elif op == "emptytarget":
        signed = sign(port, "", body, service)
        expect = (400, "MissingAction")
        what = "empty X-Amz-Target"
    elif op == "agent":
        signed = sign(port, target, body, service, headers={"User-Agent": "fuzz/\xff\xfe \xe9" * 50})
        what = "non-ASCII User-Agent"
    elif op == "nul":
        t = target[:5] + "\x00" + target[5:]
        signed = sign(port, t, body, service)
        parser = True
        what = "NUL byte in X-Amz-Target"
    elif op == "badname":
        signed = sign(port, target, body, service)
        extra_after = [(rng.choice([b"X-\xe9t\xe9", b"Bad Name", b"X(y)", b"\x7f"]), b"1")]
        parser = True
        what = f"invalid header name {extra_after[0][0]!r}"
    else:
        signed = sign(port, target, body, service)
        extra_after = [("X-Empty", "")]
        what = "an empty header"
    headers = with_length(signed + extra_after, body)
    return Case(i, "header", f"{action}: {what}", [head("POST", "/", headers), body], expect=expect,
                parser_level=parser, fresh=parser)


def chunk(data):
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def frame_case(i, rng, port, ids):
    op = rng.choice(["chunked", "badchunk", "badchunk", "badchunk", "chunkeof", "cl+te", "te", "badcl", "badcl",
                     "dupcl", "shortcl", "longcl", "big", "bigchunked", "justover", "hugecl", "continue", "http10",
                     "requestline", "noColon", "pipelined"])
    # Framing that must get through: a read-only action, whose answer is a 200 whatever state the workspaces are in.
    action = rng.choice(DESCRIBES if op in ("chunked", "continue", "http10") else ACTIONS)
    target, service = target_of(action), service_of(action)
    body = encode(to_tree(seed_body(action, rng, ids)))
    signed = sign(port, target, body, service)
    chunked = [*signed, ("Transfer-Encoding", "chunked")]
    if op == "chunked":
        cut = rng.randint(1, len(body))
        return Case(i, "frame", f"{action}: valid chunked body",
                    [head("POST", "/", chunked), chunk(body[:cut]), chunk(body[cut:]) if cut < len(body) else b"",
                     b"0\r\n\r\n"], fresh=True, expect=(200, None))
    if op == "badchunk":
        bad = rng.choice([b"zz\r\n", b"-1\r\n", b"1" * 20 + b"\r\n", b"\r\n", b"5;\x00\r\nhello\r\n", b"0x5\r\n",
                          b"5\r\nhelloXX", b"ffffffffffffffff\r\n", b"5 5\r\n", b"\xff\r\n"])
        return Case(i, "frame", f"{action}: bad chunk {bad!r}", [head("POST", "/", chunked), chunk(body[:3]), bad,
                    b"\r\n0\r\n\r\n"], fresh=True, must_close=True, expect=(400, None))
    if op == "chunkeof":
        return Case(i, "frame", f"{action}: chunk longer than the data, then EOF",
                    [head("POST", "/", chunked), b"100\r\n" + body[:10]], fresh=True, shut_write=True,
                    must_close=True, expect=(400, None))
    if op == "cl+te":
        return Case(i, "frame", f"{action}: Content-Length and Transfer-Encoding",
                    [head("POST", "/", [*with_length(signed, body), ("Transfer-Encoding", "chunked")]), chunk(body),
                     b"0\r\n\r\n"], fresh=True, parser_level=True)
    if op == "te":
        te = rng.choice(["gzip", "chunked, gzip", "identity", "xchunked", "\xe9"])
        return Case(i, "frame", f"{action}: Transfer-Encoding {te!r}",
                    [head("POST", "/", [*with_length(signed, body), ("Transfer-Encoding", te)]), body],
                    fresh=True, parser_level=True)
    if op in ("badcl", "dupcl"):
        cl = [("Content-Length", rng.choice(["abc", "-1", "1 2", "+5", "0x10", " ", "\xe9", "1e3"]))] \
            if op == "badcl" else [("Content-Length", str(len(body))), ("Content-Length", str(len(body) + 1))]
        return Case(i, "frame", f"{action}: Content-Length {cl!r}", [head("POST", "/", [*signed, *cl]), body],
                    fresh=True, parser_level=True)
    if op == "shortcl":
        n = rng.randrange(len(body))
        return Case(i, "frame", f"{action}: Content-Length {n} of {len(body)} bytes sent",
                    [head("POST", "/", [*signed, ("Content-Length", str(n))]), body], fresh=True)
    if op == "longcl":
        return Case(i, "frame", f"{action}: Content-Length past the data, then EOF",
                    [head("POST", "/", [*signed, ("Content-Length", str(len(body) + 50))]), body], fresh=True,
                    shut_write=True, must_close=True, expect=(400, None))
    if op in ("big", "justover", "bigchunked", "hugecl"):
        n = {"big": 2 << 20, "justover": (1 << 20) + 1, "bigchunked": 2 << 20, "hugecl": 2 << 20}[op]
        big = b'{"Zzz": "' + b"a" * (n - 11) + b'"}'
        if op == "bigchunked":
            parts = [head("POST", "/", chunked)] + [chunk(big[k:k + 65536]) for k in range(0, len(big), 65536)]
            parts.append(b"0\r\n\r\n")
        elif op == "hugecl":
            parts = [head("POST", "/", [*signed, ("Content-Length", str(n))]), b"{}"]
        else:
            parts = [head("POST", "/", [*signed, ("Content-Length", str(len(big)))]), big]
        return Case(i, "frame", f"{action}: {op} body of {n} bytes", parts, fresh=True, must_close=True,
                    expect=(413, "RequestEntityTooLargeException"))
    if op == "continue":
        return Case(i, "frame", f"{action}: Expect: 100-continue",
                    [head("POST", "/", [*with_length(signed, body), ("Expect", "100-continue")]), body],
                    fresh=True, expect=(200, None))
    if op == "http10":
        return Case(i, "frame", f"{action}: HTTP/1.0", [head("POST", "/", with_length(signed, body), "HTTP/1.0"),
                    body], fresh=True, expect=(200, None))
    if op == "requestline":
        line = rng.choice([b"POST  / HTTP/1.1", b"POST / HTTP/9.9", b"\xff / HTTP/1.1", b"POST /\x00 HTTP/1.1",
                           b"POST / HTTP/1.1 x", b"POST"])
        c = Case(i, "frame", f"request line {line!r}", [line + b"\r\nHost: x\r\nContent-Length: 0\r\n\r\n"],
                 fresh=True, parser_level=True, must_close=True)
        if line.endswith(b"HTTP/9.9"):
            c.parser_statuses = (505,)  # Kestrel's answer to a version it does not speak, before any API code runs
        return c
    if op == "noColon":
        return Case(i, "frame", "header line without a colon",
                    [head("POST", "/", with_length(signed, body))[:-2] + b"NoColonHere\r\n\r\n", body],
                    fresh=True, parser_level=True, must_close=True)
    # pipelined: a valid request and a broken one in a single write
    second = encode(to_tree(seed_body(action, rng, ids)))[:-1]
    return Case(i, "frame", f"{action}: pipelined valid + truncated JSON",
                [head("POST", "/", with_length(signed, body)) + body
                 + head("POST", "/", with_length(sign(port, target, second, service), second)) + second],
                fresh=True, answers=2)


LARGE = [  # (action, body of about 1 MiB or just under 100 KiB): what the server must not echo or keep
    ("CreateTags", lambda: {"ResourceId": "\u20ac" * 300_000, "Tags": [{"Key": "a"}]}),
    ("CreateTags", lambda: {"ResourceId": "a" * 900_000, "Tags": [{"Key": "a"}]}),
    ("DescribeTags", lambda: {"ResourceId": "x\U0001f600" * 180_000}),
    ("DeleteTags", lambda: {"ResourceId": "ws-" + "\u00e9" * 450_000, "TagKeys": ["a"]}),
    ("DescribeWorkspaces", lambda: {"NextToken": "a" * 900_000}),
    ("DescribeWorkspaces", lambda: {"Zzz": "\u20ac" * 300_000}),
    ("LookupEvents", lambda: {"LookupAttributes": [{"AttributeKey": "EventName",
                                                    "AttributeValue": "\u20ac" * 300_000}]}),
    ("DescribeWorkspaces", lambda: Raw(b'{"Zzz": "' + b"\\u20ac" * 170_000 + b'"}')),
    ("ModifyWorkspaceProperties", lambda: {"WorkspaceId": "ws-" + "a" * 900_000}),
    ("CreateWorkspaces", lambda: {"Workspaces": [{"DirectoryId": DIRECTORY, "UserName": "\u20ac" * 300_000,
                                                  "BundleId": BUNDLE}]}),
    ("RebootWorkspaces", lambda: {"RebootWorkspaceRequests": [{"WorkspaceId": "\u20ac" * 300_000}]}),
    ("DescribeWorkspaces", lambda: {"Zzz": "\U0001f600" * 24_000}),  # under 100 KiB: the audit event records it
    ("CreateTags", lambda: {"ResourceId": "ws-abcdefgh1", "Tags": [{"Key": "\U0001f600" * 24_000}]}),
]


def large_case(i, rng):
    action, make = LARGE[rng.randrange(len(LARGE))]
    value = make()
    body = value.data if isinstance(value, Raw) else encode(to_tree(value))
    return action, body, f"large body ({len(body)} bytes) {body[:60]!r}"


def make_case(i, port, ids):
    rng = random.Random(f"{SEED}:{i}")
    if i % 15 == 7:
        action, body, what = large_case(i, rng)
        headers = with_length(sign(port, target_of(action), body, service_of(action)), body)
        return Case(i, "large", f"{action}: {what}", [head("POST", "/", headers), body])
    r = rng.random()
    if r < 0.8:
        return json_case(i, rng, port, ids)
    if r < 0.92:
        return header_case(i, rng, port, ids)
    return frame_case(i, rng, port, ids)


def regression_cases(start, port, ids):
    """The failures of the earlier attack run, each with the exact answer it must get now."""
    cases = []

    def add(action, body, expect, what):
        headers = with_length(sign(port, target_of(action), body, service_of(action)), body)
        cases.append(Case(start + len(cases), "regression", f"{action}: {what}",
                          [head("POST", "/", headers), body], expect=expect))

    member = {"CreateTags": "ResourceId", "CreateWorkspaces": None, "DeleteTags": "ResourceId",
              "DescribeTags": "ResourceId", "DescribeWorkspaceBundles": "Owner",
              "DescribeWorkspaceDirectories": "NextToken", "DescribeWorkspaces": "UserName",
              "DescribeWorkspacesConnectionStatus": "NextToken", "ModifyWorkspaceProperties": "WorkspaceId",
              "LookupEvents": "NextToken"}
    for action in ACTIONS:
        for bad in [b"\xc3(", b"\xff", b"\xed\xa0\x80", b"\\ud800"]:
            if action == "CreateWorkspaces":
                body = b'{"Workspaces": [{"DirectoryId": "' + DIRECTORY.encode() + b'", "UserName": "al' + bad \
                    + b'", "BundleId": "' + BUNDLE.encode() + b'"}]}'
            elif action in member:
                body = b'{"' + member[action].encode() + b'": "ws-' + bad + b'abcdefgh"}'
            else:
                key = action.replace("Workspaces", "WorkspaceRequests")
                body = b'{"' + key.encode() + b'": [{"WorkspaceId": "ws-' + bad + b'abcdefgh"}]}'
            add(action, body, (400, "SerializationException"), f"{bad!r} in a string")
    for ch in ["\n", "\r", "\x00", "\t"]:
        for action, body in [
            ("DescribeWorkspaces", {"WorkspaceIds": [ch + "ws-abcdefgh"]}),
            ("DescribeWorkspaces", {"WorkspaceIds": ["ws-abcdefgh" + ch]}),
            ("CreateTags", {"ResourceId": ids[0] + ch, "Tags": [{"Key": "a", "Value": "b"}]}),
            ("RebootWorkspaces", {"RebootWorkspaceRequests": [{"WorkspaceId": ch + ids[0]}]}),
            ("DescribeWorkspaceBundles", {"BundleIds": [BUNDLE + ch]}),
            ("DescribeWorkspaceDirectories", {"DirectoryIds": [DIRECTORY + ch]}),
        ]:
            # CreateTags' ResourceId has no pattern in the model: an id that is not one is not found, but no
            # member anywhere may hold a NUL.
            expect = None if action == "RebootWorkspaces" else (400, "ResourceNotFoundException") \
                if action == "CreateTags" and ch != "\x00" else (400, "InvalidParameterValuesException")
            add(action, encode(to_tree(body)), expect, f"{ch!r} in an id")
    # A quoted value cut inside a surrogate pair: half a pair cannot be written as JSON (the answer failed).
    for n in (50, 51):
        add("DescribeWorkspaces", encode(to_tree({"WorkspaceIds": ["ws-x" + "\U0001f600" * n]})),
            (400, "InvalidParameterValuesException"), "a long id of emoji, quoted in the message")
        cases[-1].whole_text = True  # the quote keeps whole characters: no U+FFFD where a pair was cut
    # A string as long as a body may be, in a member echoed back as ResourceId: refused before it is copied.
    add("CreateTags", encode(to_tree({"ResourceId": "\u20ac" * 300_000, "Tags": [{"Key": "a"}]})),
        (400, "InvalidParameterValuesException"), "a 900 KB ResourceId")
    # Member names that are not UTF-8, in members the API ignores: the audit record is still built from them.
    for action in ["DescribeWorkspaces", "CreateTags", "LookupEvents", "DescribeTags"]:
        for key in [b'"\xff"', b'"\\ud800"', b'"a\xc3("']:
            body = b"{" + key + b': 1, "ResourceId": "' + ids[0].encode() + b'"}' if action != "LookupEvents" \
                else b"{" + key + b": 1}"
            add(action, body, None, f"member name {key!r}")
    # A chunk size that overflows: Kestrel reports it as an IOException, not as a bad request.
    body = b'{"Limit": 5}'
    headers = [*sign(port, "WorkspacesService.DescribeWorkspaces", body), ("Transfer-Encoding", "chunked")]
    cases.append(Case(start + len(cases), "regression", "DescribeWorkspaces: chunk size ffffffffffffffff",
                      [head("POST", "/", headers), b"3\r\n{\"L\r\nffffffffffffffff\r\n\r\n0\r\n\r\n"], fresh=True,
                      must_close=True, expect=(400, "SerializationException")))
    return cases


def slow_cases(start, port):
    """Bodies slower than 240 bytes/s after the 5 s grace, stalled bodies, and one slow body above the rate."""
    cases = []
    for what, rate in [("trickled at 60 B/s", 60), ("trickled at 120 B/s", 120), ("stalled after 10 bytes", 0),
                       ("stalled after 0 bytes", 0), ("sent at 600 B/s (fast enough)", 600)]:
        body = b'{"Limit": 5, "Zzz": "' + b"a" * 4000 + b'"}'
        headers = with_length(sign(port, "WorkspacesService.DescribeWorkspaces", body), body)
        sent = body[:10] if "10 bytes" in what else b""
        expect = (200, None) if rate >= 240 else (408, "RequestTimeoutException")
        c = Case(start + len(cases), "slow", f"DescribeWorkspaces: body {what}", [head("POST", "/", headers), sent],
                 fresh=True, expect=expect, must_close=rate < 240)
        c.rate, c.body = rate, body
        cases.append(c)
    return cases
