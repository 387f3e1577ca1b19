#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate CBOR files against a CDDL schema (RFC 8610), reading the schema
itself: no second, hand-written copy of it.

Supports the part of CDDL that vmxbox's schemas use: rules, type choices
(/), group choices (//), maps, arrays, groups in parentheses, occurrence
indicators (? * + n*m), member keys (bareword:, value:, type =>), the
prelude types (uint nint int tstr text bstr bytes bool true false null nil
any float), value literals, ranges (.. and ...), the controls .size,
.regexp, .lt/.le/.gt/.ge/.eq/.ne, .default, and tags #6.N(type).  Maps
match as RFC 8610 3.5.1 says for the simple case: each entry in schema
order takes the matching key/value pairs left, and in the end every pair
of the data must have been taken.

Usage: cddl_validate.py SCHEMA.cddl RULE FILE.cbor...
       cddl_validate.py --self-test
Prints one line per file and "N passed, N failed"; exit 1 on any failure.
"""
import re
import struct
import sys

# ---------------------------------------------------------------- CBOR ----


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


class CborError(Exception):
    pass


class CMap(list):
    """A CBOR map: its (key, value) pairs in the order of the file."""


def cbor_decode(buf):
    """One CBOR item from bytes (RFC 8949); maps keep their pair order."""
    pos = 0

    def need(n):
        nonlocal pos
        if pos + n > len(buf):
            raise CborError("truncated")
        b = buf[pos:pos + n]
        pos += n
        return b

    def arg(info):
        if info < 24:
            return info
        if info > 27:
            raise CborError("reserved additional information %d" % info)
        return int.from_bytes(need(1 << (info - 24)), "big")

    def item():
        ib = need(1)[0]
        major, info = ib >> 5, ib & 31
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 25:
                return float(struct.unpack(">e", need(2))[0])
            if info == 26:
                return struct.unpack(">f", need(4))[0]
            if info == 27:
                return struct.unpack(">d", need(8))[0]
            raise CborError("unsupported simple value %d" % info)
        if info == 31:
            raise CborError("indefinite lengths are not used by vmxbox")
        n = arg(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major == 2:
            return bytes(need(n))
        if major == 3:
            return need(n).decode("utf-8")
        if major == 4:
            return [item() for _ in range(n)]
        if major == 5:
            return CMap((item(), item()) for _ in range(n))
        return Tag(n, item())

    v = item()
    if pos != len(buf):
        raise CborError("%d bytes after the item" % (len(buf) - pos))
    return v


def is_map(v):
    return isinstance(v, CMap)


def is_array(v):
    return isinstance(v, list) and not isinstance(v, CMap)


# ---------------------------------------------------------------- CDDL ----

TOKEN = re.compile(r"""
    (?P<ws>\s+|;[^\n]*)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<bytes>h'[0-9a-fA-F\s]*')
  | (?P<tag>\#6\.\d+)
  | (?P<num>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?))
  | (?P<op>\.\.\.|\.\.|//|=>|\.[a-z]+|[=/(){}\[\],:?*+^])
  | (?P<name>[A-Za-z@_$][A-Za-z0-9@_$.\-]*[A-Za-z0-9@_$]|[A-Za-z@_$])
""", re.X)


def tokenize(text):
    toks, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SyntaxError("CDDL: cannot read %r" % text[pos:pos + 20])
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        toks.append((kind, m.group()))
    return toks


class Parser:
    """Recursive descent over RFC 8610 Appendix B, the parts we need."""

    def __init__(self, toks):
        self.t, self.i = toks, 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def take(self, val=None):
        tok = self.peek()
        if val is not None and tok[1] != val:
            raise SyntaxError("CDDL: expected %r, found %r" % (val, tok[1]))
        self.i += 1
        return tok

    def rules(self):
        out = {}
        while self.peek()[0]:
            name = self.take()[1]
            self.take("=")
            out[name] = self.type_()
        return out

    def type_(self):
        alts = [self.type1()]
        while self.peek()[1] == "/":
            self.take()
            alts.append(self.type1())
        return alts[0] if len(alts) == 1 else ("choice", alts)

    def type1(self):
        t = self.type2()
        op = self.peek()[1]
        if op in ("..", "..."):
            self.take()
            return ("range", t, self.type2(), op == "...")
        if op and op.startswith(".") and op not in ("..", "..."):
            self.take()
            return ("ctl", op[1:], t, self.type2())
        return t

    def type2(self):
        kind, val = self.take()
        if kind == "str":
            return ("value", bytes(val[1:-1], "utf-8").decode("unicode_escape"))
        if kind == "bytes":
            return ("value", bytes.fromhex(re.sub(r"\s", "", val[2:-1])))
        if kind == "num":
            return ("value", int(val, 0) if "." not in val else float(val))
        if kind == "tag":
            self.take("(")
            inner = self.type_()
            self.take(")")
            return ("tag", int(val[3:]), inner)
        if val == "(":
            t = self.type_()
            self.take(")")
            return t
        if val == "{":
            g = self.group("}")
            return ("map", g)
        if val == "[":
            g = self.group("]")
            return ("array", g)
        if kind == "name":
            return ("ref", val)
        raise SyntaxError("CDDL: unexpected %r" % val)

    def group(self, close):
        choices, entries = [], []
        while self.peek()[1] != close:
            if self.peek()[1] == "//":
                self.take()
                choices.append(entries)
                entries = []
                continue
            entries.append(self.entry())
            if self.peek()[1] == ",":
                self.take()
        self.take(close)
        choices.append(entries)
        return choices

    def occurrence(self):
        kind, val = self.peek()
        if val == "?":
            self.take()
            return (0, 1)
        if val == "+":
            self.take()
            return (1, None)
        lo = hi = None
        if kind == "num" and self.peek(1)[1] == "*":
            lo = int(self.take()[1], 0)
            kind, val = self.peek()
        if val == "*":
            self.take()
            if self.peek()[0] == "num" and self.peek(1)[1] not in ("..", "..."):
                hi = int(self.take()[1], 0)
            return (lo or 0, hi)
        return (1, 1)

    def entry(self):
        occ = self.occurrence()
        kind, val = self.peek()
        if (kind == "name" or kind == "str" or kind == "num") and self.peek(1)[1] == ":":
            self.take()
            self.take(":")
            key = ("value", val[1:-1] if kind == "str" else
                   (int(val, 0) if kind == "num" else val))
            return ("member", occ, key, self.type_())
        if val == "(":
            save = self.i
            self.take()
            g = self.group(")")
            if self.peek()[1] != "=>":
                return ("group", occ, g)
            self.i = save
        t = self.type1()
        if self.peek()[1] == "=>":
            self.take()
            return ("member", occ, t, self.type_())
        return ("item", occ, t)


class Mismatch(Exception):
    pass


PRELUDE_INT = {"uint", "nint", "int"}


class Validator:
    def __init__(self, rules):
        self.rules = rules

    def resolve(self, t):
        seen = 0
        while t[0] == "ref" and t[1] in self.rules:
            t = self.rules[t[1]]
            seen += 1
            if seen > 100:
                raise Mismatch("rule cycle")
        return t

    def check(self, t, v, path):
        if not self.ok(t, v):
            raise Mismatch("%s: %s does not match %s" % (path, short(v), show(t)))

    def ok(self, t, v):
        t = self.resolve(t)
        k = t[0]
        if k == "value":
            return type(v) is type(t[1]) and v == t[1] if not isinstance(t[1], int) \
                else isinstance(v, int) and not isinstance(v, bool) and v == t[1]
        if k == "ref":
            return self.prelude(t[1], v)
        if k == "choice":
            return any(self.ok(a, v) for a in t[1])
        if k == "range":
            lo, hi = self.const(t[1]), self.const(t[2])
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return False
            return lo <= v < hi if t[3] else lo <= v <= hi
        if k == "ctl":
            return self.ok(t[2], v) and self.control(t[1], v, t[3])
        if k == "tag":
            return isinstance(v, Tag) and v.tag == t[1] and self.ok(t[2], v.value)
        if k == "array":
            return is_array(v) and self.array(t[1], v)
        if k == "map":
            return is_map(v) and self.map_(t[1], v)
        raise Mismatch("unsupported CDDL construct %r" % (k,))

    def const(self, t):
        t = self.resolve(t)
        if t[0] != "value":
            raise Mismatch("range bound is not a value")
        return t[1]

    @staticmethod
    def prelude(name, v):
        isint = isinstance(v, int) and not isinstance(v, bool)
        return {
            "uint": isint and v >= 0, "nint": isint and v < 0, "int": isint,
            "tstr": isinstance(v, str), "text": isinstance(v, str),
            "bstr": isinstance(v, bytes), "bytes": isinstance(v, bytes),
            "bool": isinstance(v, bool), "true": v is True, "false": v is False,
            "null": v is None, "nil": v is None, "any": True,
            "float": isinstance(v, float),
        }.get(name, False)

    def control(self, op, v, arg):
        arg = self.resolve(arg)
        if op == "size":
            if isinstance(v, int):
                if arg[0] == "value":
                    return 0 <= v < 256 ** arg[1]
                return False
            n = len(v.encode("utf-8")) if isinstance(v, str) else len(v)
            return self.ok(arg, n)
        if op == "regexp":
            return isinstance(v, str) and re.fullmatch(self.const(arg), v) is not None
        if op == "default":
            return True
        ops = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
               "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
               "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}
        if op in ops:
            return ops[op](v, self.const(arg))
        raise Mismatch("unsupported control .%s" % op)

    # Arrays: entries in order, each taking as many items as it may.
    def array(self, choices, items):
        return any(self.seq(entries, items, 0) == len(items) for entries in choices)

    def seq(self, entries, items, pos):
        for e in entries:
            lo, hi = e[1]
            n = 0
            while (hi is None or n < hi) and pos < len(items):
                if e[0] == "group":
                    end = max((self.seq(g, items, pos) for g in e[2]), default=-1)
                    if end <= pos:
                        break
                    pos = end
                elif self.ok(e[-1], items[pos]):
                    pos += 1
                else:
                    break
                n += 1
            if n < lo:
                return -1
        return pos

    # Maps: entries in schema order take the matching pairs left.
    def map_(self, choices, pairs):
        for entries in choices:
            left = list(pairs)
            if self.take_entries(entries, left) and not left:
                return True
        return False

    def take_entries(self, entries, left):
        for e in entries:
            if e[0] == "group":
                if not any(self.take_entries(g, left) for g in e[2]):
                    return False
                continue
            if e[0] == "item":
                t = self.resolve(e[2])
                if t[0] == "map":    # a group named as a rule: {}-less use
                    if not any(self.take_entries(g, left) for g in t[1]):
                        return False
                    continue
                return False
            lo, hi = e[1]
            n = 0
            for p in list(left):
                if hi is not None and n >= hi:
                    break
                if self.ok(e[2], p[0]):
                    if not self.ok(e[3], p[1]):
                        return False   # the key is ours, the value is wrong
                    left.remove(p)
                    n += 1
            if n < lo:
                return False
        return True


def short(v):
    s = repr(v.value if isinstance(v, Tag) else v)
    return s if len(s) < 60 else s[:57] + "..."


def show(t):
    return t[1] if t[0] in ("ref", "value") else t[0]


def explain(val, t, v, path):
    """A path to the first thing that does not match (best effort)."""
    t = val.resolve(t)
    if t[0] == "tag" and isinstance(v, Tag):
        return explain(val, t[2], v.value, path)
    if t[0] == "array" and is_array(v):
        entries = t[1][0]
        flat = [e for e in entries if e[0] != "group"]
        if len(flat) == len(entries) and all(e[1] == (1, 1) for e in flat) \
                and len(flat) == len(v):
            for i, (e, x) in enumerate(zip(flat, v)):
                if not val.ok(e[-1], x):
                    return explain(val, e[-1], x, "%s[%d]" % (path, i))
        if len(flat) == 1 == len(entries):
            for i, x in enumerate(v):
                if not val.ok(flat[0][-1], x):
                    return explain(val, flat[0][-1], x, "%s[%d]" % (path, i))
    if t[0] == "map" and is_map(v):
        members = [e for e in t[1][0] if e[0] == "member"]
        for key, x in v:
            mine = [e for e in members if val.ok(e[2], key)]
            if not mine:
                return "%s: key %s is not in the schema" % (path, short(key))
            # The first member whose key matches takes the pair (map_).
            if not val.ok(mine[0][3], x):
                return explain(val, mine[0][3], x, "%s.%s" % (path, key))
        for e in members:
            n = sum(1 for key, _ in v if val.ok(e[2], key))
            lo, hi = e[1]
            if n < lo or (hi is not None and n > hi):
                return "%s: %d keys match %s, the schema wants %s" % (
                    path, n, show(e[2]), "%d..%s" % (lo, "" if hi is None else hi))
    return "%s: %s does not match %s" % (path, short(v), show(t))


def validate(rules, rule, data):
    val = Validator(rules)
    v = cbor_decode(data)
    if val.ok(("ref", rule), v):
        return None
    return explain(val, ("ref", rule), v, rule)


def self_test():
    schema = '''
        top = #6.55799([ "m", 1, body ])
        body = { "a": uint .size 1, ? "b": tstr .regexp "x[0-9]+",
                 * key => bool, "c": [* 0..3] }
        key = tstr .regexp "k[0-9]"
    '''
    rules = Parser(tokenize(schema)).rules()

    def enc(v):
        if isinstance(v, bool):
            return bytes([0xf5 if v else 0xf4])
        if isinstance(v, int):
            return head(0, v)
        if isinstance(v, str):
            return head(3, len(v.encode())) + v.encode()
        if isinstance(v, Tag):
            return head(6, v.tag) + enc(v.value)
        if isinstance(v, dict):
            return head(5, len(v)) + b"".join(enc(k) + enc(x) for k, x in v.items())
        return head(4, len(v)) + b"".join(enc(x) for x in v)

    def head(major, n):
        for size, info in ((1, 24), (2, 25), (4, 26), (8, 27)):
            if n < 24:
                return bytes([major << 5 | n])
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError

    good = Tag(55799, ["m", 1, {"a": 7, "b": "x12", "k1": True, "k2": False,
                                "c": [0, 3]}])
    bad = [
        (Tag(55799, ["m", 2, {"a": 7, "c": []}]), "top[1]"),
        (Tag(55799, ["m", 1, {"a": 700, "c": []}]), "top[2].a"),
        (Tag(55799, ["m", 1, {"a": 7, "b": "y", "c": []}]), "top[2].b"),
        (Tag(55799, ["m", 1, {"a": 7, "c": [4]}]), "top[2].c"),
        (Tag(55799, ["m", 1, {"a": 7, "c": [], "z": 1}]), "key 'z' is not in the schema"),
        (Tag(55799, ["m", 1, {"c": []}]), "0 keys match a, the schema wants 1..1"),
        (Tag(55799, ["m", 1, {"a": 7, "c": [], "k3": 5}]), "top[2].k3"),
    ]
    if validate(rules, "top", enc(good)):
        print("self-test: a valid item was rejected:", validate(rules, "top", enc(good)))
        return 1
    for item, want in bad:
        why = validate(rules, "top", enc(item))
        if not why or want not in why:
            print("self-test: wanted a failure at %r, got %r" % (want, why))
            return 1
    # A named key comes before a wildcard that would take its value too:
    # the named member decides, and the reason names its inner key.
    rules = Parser(tokenize(
        'top = { ? "p": { "m": uint }, * tstr => { * tstr => uint } }')).rules()
    if validate(rules, "top", enc({"p": {"m": 1}, "q": {"x": 2}})):
        print("self-test: a valid item was rejected (named key)")
        return 1
    why = validate(rules, "top", enc({"p": {"x": 1}}))
    if not why or "top.p: key 'x' is not in the schema" not in why:
        print("self-test: wanted a failure at top.p's key 'x', got %r" % why)
        return 1
    print("self-test: 2 valid and %d invalid items classified right" % (len(bad) + 1))
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 4:
        print(__doc__.strip().split("\n\n")[-1], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        rules = Parser(tokenize(f.read())).rules()
    passed = failed = 0
    for path in argv[3:]:
        try:
            with open(path, "rb") as f:
                why = validate(rules, argv[2], f.read())
        except (CborError, Mismatch, OSError) as e:
            why = str(e)
        if why:
            print("FAIL %s: %s" % (path, why))
            failed += 1
        else:
            print("ok   %s" % path)
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
