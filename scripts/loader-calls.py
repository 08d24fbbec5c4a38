#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""loader-calls.py [--build DIR] [--edges]: which loader/*.c uses what another
defines, and the cycles among them (none wanted).

Each file is compiled alone; its object's symbol table (nm) says what it
defines (T, D, B, R, C) and what it uses from elsewhere (U). A file uses
another when it uses a symbol the other defines. Prints the pairs that use
each other and the groups of files that reach each other (strongly
connected components); with --edges every use too. Exits 1 if there is a
cycle, 0 if not. Run from the repository root after make (the skeleton
headers come from the build directory)."""
import collections
import glob
import os
import subprocess
import sys
import tempfile


def symbols(build):
    defs, uses = {}, collections.defaultdict(set)
    cc = os.environ.get('CC', 'gcc')
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted(glob.glob('loader/*.c')):
            name = os.path.basename(src)[:-2]
            obj = os.path.join(tmp, name + '.o')
            subprocess.run([cc, '-O0', '-std=gnu11', '-I' + build, '-Iinclude', '-Iloader',
                            '-c', src, '-o', obj], check=True)
            nm = subprocess.run(['nm', obj], check=True, capture_output=True, text=True)
            for line in nm.stdout.splitlines():
                f = line.split()
                if len(f) == 3 and f[1] in 'TDBRC':
                    defs[f[2]] = name
                elif len(f) == 2 and f[0] == 'U':
                    uses[name].add(f[1])
    return defs, uses


def components(nodes, edges):
    """Tarjan's strongly connected components of more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    args = sys.argv[1:]
    build = args[args.index('--build') + 1] if '--build' in args else 'build'
    defs, uses = symbols(build)
    edges, why = collections.defaultdict(set), collections.defaultdict(set)
    for f, syms in uses.items():
        for s in syms:
            if s in defs and defs[s] != f:
                edges[f].add(defs[s])
                why[(f, defs[s])].add(s)
    files = sorted(set(defs.values()) | set(uses))
    nedges = sum(len(e) for e in edges.values())
    print(f'{len(files)} files, {nedges} uses between them')
    if '--edges' in args:
        for a in files:
            for b in sorted(edges[a]):
                print(f'  {a} -> {b}: {" ".join(sorted(why[(a, b)]))}')
    pairs = [(a, b) for a in files for b in sorted(edges[a]) if a < b and a in edges[b]]
    for a, b in pairs:
        print(f'mutual: {a} <-> {b}: {" ".join(sorted(why[(a, b)]))} | '
              f'{" ".join(sorted(why[(b, a)]))}')
    comps = components(files, edges)
    for c in comps:
        print('cycle among:', ' '.join(c))
    print(f'{len(pairs)} mutual pairs, {len(comps)} cyclic groups')
    return 1 if comps else 0


if __name__ == '__main__':
    sys.exit(main())
