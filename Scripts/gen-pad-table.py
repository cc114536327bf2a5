#!/usr/bin/env python3
"""Writes the pad table of a SoC profile (schemas/soc/<soc>.yaml) from a kernel <soc>-pinfunc.h.

Usage: Scripts/gen-pad-table.py PINFUNC_H [--soc imx8mp] [--check]

Each `#define MX8MP_IOMUXC_<PAD>__<FUNCTION> mux_reg conf_reg input_reg mux_mode input_val` becomes function
<FUNCTION> of pad <PAD> (register offsets relative to the IOMUXC base; HMPFacts §9). The other headers:

- `MX93_PAD_<PAD>__<FUNCTION>` (i.MX 93) and `IMX95_PAD_<PAD>__<FUNCTION>` (i.MX 95): the same five values;
- `MX8ULP_PAD_<PAD>__<FUNCTION> mux_reg input_reg mux_mode input_val` (i.MX 8ULP): four values, the pad control
  shares the mux register, and an `fsl,pins` entry has five cells (`pin-cells: 5`, HMPFacts §18.6);
- `MX8MM_IOMUXC_<PAD>_<FUNCTION>`, `MX8MN_IOMUXC_…` (i.MX 8M Mini/Nano): one underscore between pad and function,
  so a pad is the defines sharing a mux register and its name their longest common prefix that ends at an
  underscore (every pad of these headers has at least two functions; the script stops if one has one).

The text between the
`# BEGIN pad-table` and `# END pad-table` lines of the profile is replaced; nothing else is touched. Afterwards
Scripts/embed-schemas.py regenerates the copy of schemas/ compiled into the binary.

--check: exit 1 (and change nothing) when the profile's pad table differs from what the header gives.
"""
import hashlib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "# BEGIN pad-table"
END = "# END pad-table"
NUM = r"(0x[0-9A-Fa-f]+|\d+)"
DEFINE = re.compile(
    r"^\s*#\s*define\s+(?P<prefix>MX8M[A-Z]*_IOMUXC|MX93_PAD|IMX95_PAD|MX8ULP_PAD)_(?P<name>[A-Za-z0-9_]+)"
    r"(?P<values>(\s+" + NUM + r"){4,5})\s*(/\*.*\*/)?\s*$"
)
# Prefixes whose defines have four values (mux_reg input_reg mux_mode input_val; conf_reg = mux_reg).
FOUR = {"MX8ULP_PAD"}
# Prefixes with one underscore between pad and function.
SINGLE = {"MX8MM_IOMUXC", "MX8MN_IOMUXC"}


def die(msg):
    sys.stderr.write(f"gen-pad-table: {msg}\n")
    sys.exit(2)


def parse(header_path):
    with open(header_path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")
    text = re.sub(r"\\\n", "", text)  # line splices
    pads = {}  # name -> {"mux": int, "conf": int, "functions": [(fname, mode, input_reg, input_val)]}
    order = []
    count = 0
    defines = []  # (lineno, prefix, name, values)
    for lineno, line in enumerate(text.splitlines(), 1):
        if not re.search(r"(_IOMUXC_|_PAD_)", line) or "define" not in line or line.rstrip().endswith("_H"):
            continue
        m = DEFINE.match(line)
        if not m:
            die(f"{header_path}:{lineno}: unrecognised pin function definition: {line.strip()}")
        values = [int(v, 0) for v in m.group("values").split()]
        prefix = m.group("prefix")
        if len(values) != (4 if prefix in FOUR else 5):
            die(f"{header_path}:{lineno}: {len(values)} values, {prefix} defines have {4 if prefix in FOUR else 5}")
        if prefix in FOUR:
            values = [values[0], values[0]] + values[1:]
        defines.append((lineno, prefix, m.group("name"), values))
    prefixes = {d[1] for d in defines}
    if len(prefixes) > 1:
        die(f"{header_path}: defines of several SoCs ({', '.join(sorted(prefixes))})")
    split = {}  # name -> (pad, function) for headers with one underscore between them
    if prefixes & SINGLE:
        groups = {}
        for lineno, _, name, values in defines:
            groups.setdefault((values[0], values[1]), []).append((lineno, name))
        for members in groups.values():
            if len(members) < 2:
                die(f"{header_path}:{members[0][0]}: {members[0][1]}: the only function of its pad, no pad name")
            prefix = os.path.commonprefix([n for _, n in members])
            prefix = prefix[: prefix.rfind("_") + 1]
            if not prefix or any(n == prefix[:-1] for _, n in members):
                die(f"{header_path}:{members[0][0]}: no pad name common to {', '.join(n for _, n in members)}")
            for _, n in members:
                split[n] = (prefix[:-1], n[len(prefix):])
    for lineno, prefix, name, values in defines:
        if name in split:
            pad, function = split[name]
        elif "__" in name:
            pad, function = name.split("__", 1)
        else:
            die(f"{header_path}:{lineno}: {name}: no '__' between pad and function")
        mux, conf, input_reg, mode, input_val = values
        entry = pads.get(pad)
        if entry is None:
            entry = {"mux": mux, "conf": conf, "functions": []}
            pads[pad] = entry
            order.append(pad)
        elif (entry["mux"], entry["conf"]) != (mux, conf):
            die(f"{header_path}:{lineno}: pad {pad} has registers {mux:#x}/{conf:#x}, earlier {entry['mux']:#x}/{entry['conf']:#x}")
        if any(f[0] == function for f in entry["functions"]):
            die(f"{header_path}:{lineno}: {pad}__{function} defined twice")
        entry["functions"].append((function, mode, input_reg, input_val))
        count += 1
    muxes = {}
    for pad in order:
        key = pads[pad]["mux"] or pads[pad]["conf"]
        if key in muxes:
            die(f"pads {muxes[key]} and {pad} share register {key:#x}")
        muxes[key] = pad
    if not order:
        die(f"{header_path}: no MX8M*_IOMUXC_*, MX93_PAD_*, IMX95_PAD_* or MX8ULP_PAD_* definitions")
    cells = 5 if prefixes & FOUR else 6
    return pads, order, count, hashlib.sha256(raw).hexdigest(), cells


def render(pads, order, count, sha, header_name, cells):
    out = [
        BEGIN + f" (generated by Scripts/gen-pad-table.py from {header_name}; do not edit by hand)",
        "pad-table:",
        f"  source: Linux {header_name} (HMPFacts §9; corpus copy from U-Boot dts/upstream @6073c36b2c8d)",
        f"  header-sha256: {sha}",
        f"  pad-count: {len(order)}",
        f"  function-count: {count}",
    ]
    if cells != 6:
        out.append(f"  pin-cells: {cells}")
    out.append("  pads:")
    for pad in order:
        e = pads[pad]
        out.append(f"    {pad}:")
        out.append(f"      mux-reg: 0x{e['mux']:03X}")
        out.append(f"      conf-reg: 0x{e['conf']:03X}")
        out.append("      functions:")
        for function, mode, input_reg, input_val in e["functions"]:
            out.append(
                f"        {function}: {{ mode: {mode}, input-reg: 0x{input_reg:03X}, input-val: {input_val} }}"
            )
    out.append(END)
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    soc = "imx8mp"
    if "--soc" in args:
        i = args.index("--soc")
        if i + 1 >= len(args):
            die("--soc needs a name")
        soc = args[i + 1]
        del args[i : i + 2]
    if len(args) != 1:
        die("usage: gen-pad-table.py PINFUNC_H [--soc imx8mp] [--check]")
    header = args[0]
    pads, order, count, sha, cells = parse(header)
    section = render(pads, order, count, sha, os.path.basename(header), cells)
    profile = os.path.join(ROOT, "schemas", "soc", f"{soc}.yaml")
    with open(profile, encoding="utf-8") as f:
        text = f.read()
    start = text.find(BEGIN)
    end = text.find(END)
    if start < 0 or end < start:
        die(f"{profile}: no '{BEGIN}' ... '{END}' section")
    end = text.index("\n", end) + 1 if "\n" in text[end:] else len(text)
    new = text[:start] + section + text[end:]
    if check:
        if new != text:
            sys.stderr.write(f"gen-pad-table: {profile} is out of date; run Scripts/gen-pad-table.py {header}\n")
            sys.exit(1)
        print(f"{soc}: {len(order)} pads, {count} functions: up to date")
        return
    if new != text:
        tmp = profile + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, profile)
    print(f"{soc}: {len(order)} pads, {count} functions")
    subprocess.run([sys.executable, os.path.join(ROOT, "Scripts", "embed-schemas.py")], check=True)


main()
