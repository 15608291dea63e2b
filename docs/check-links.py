#!/usr/bin/env python3
"""Checks every relative link and #anchor in README.md and docs/**/*.md (GitHub heading slugs). Run from the repository root: python3 docs/check-links.py"""
import os, re, sys, glob
root = sys.argv[1] if len(sys.argv) > 1 else '.'
os.chdir(root)
files = ['README.md'] + sorted(glob.glob('docs/**/*.md', recursive=True))
def slug(h):
    h = re.sub(r'`|\*\*|\[|\]\([^)]*\)', '', h.strip()).lower()
    h = re.sub(r'[^\w\- ]', '', h)      # drop punctuation, keep word chars, hyphens, spaces
    return h.replace(' ', '-')
anchors = {}
def anchors_of(path):
    if path not in anchors:
        seen = {}; out = set(); fence = False
        for line in open(path, encoding='utf-8'):
            if line.startswith('```'): fence = not fence; continue
            m = not fence and re.match(r'(#{1,6})\s+(.*)', line)
            if m:
                s = slug(m.group(2)); n = seen.get(s, 0); seen[s] = n + 1
                out.add(s if n == 0 else f'{s}-{n}')
        anchors[path] = out
    return anchors[path]
bad = 0; total = 0
for f in files:
    fence = False
    for no, line in enumerate(open(f, encoding='utf-8'), 1):
        if line.startswith('```'): fence = not fence; continue
        if fence: continue
        for target in re.findall(r'\]\(([^)\s]+)\)', line):
            if re.match(r'[a-z]+:', target): continue   # http:, https:, mailto:
            total += 1
            path, _, anchor = target.partition('#')
            dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
            if not os.path.exists(dest):
                print(f'{f}:{no}: missing file {target}'); bad += 1; continue
            if anchor:
                if not dest.endswith('.md'):
                    print(f'{f}:{no}: anchor into non-markdown {target}'); bad += 1
                elif anchor not in anchors_of(dest):
                    print(f'{f}:{no}: missing anchor {target}'); bad += 1
print(f'{total} relative links in {len(files)} files, {bad} broken')
sys.exit(1 if bad else 0)
