#!/usr/bin/env python3
"""Regenerates docs/ops.md from include/netshape/ops.def (run from the repository root)."""
import re

# The rule text of each family, from op_families.def's last column.
FORMULAS = {}
for m in re.finditer(r'NS_FAMILY\((\w+), "[^"]*", \w+, \w+, \w+,\s*"([^"]*)"\)',
                     open('include/netshape/op_families.def').read()):
    FORMULAS[m.group(1)] = m.group(2)

ops = []
for line in open('include/netshape/ops.def'):
    m = re.match(r'NS_OP\((\w+), "([\w.]+)", (\d), (\w+), \w+, "(.*)"\)', line.strip())
    if m:
        ops.append(m.groups())
out = ["# Ops reference\n\n",
       "Generated from `include/netshape/ops.def` (the one list every op comes from) by "
       "`docs/tools/gen_ops_md.py`. Signatures are PyTorch's, without the tensor arguments; defaults "
       "are PyTorch's. Every module also accepts `frozen=True` (its params count as non-trainable).\n\n",
       "| op | signature | rule |\n|---|---|---|\n"]
for _id, name, _nd, family, sig in ops:
    out.append(f"| `{name}` | `{name}({sig})` | {FORMULAS[family]} |\n")
open('docs/ops.md', 'w').write(''.join(out))
print(f"docs/ops.md: {len(ops)} ops")
