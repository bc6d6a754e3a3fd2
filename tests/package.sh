#!/usr/bin/env bash
# The packaging test: what the .deb and .rpm hold, what installing the .deb
# puts on this machine, that the installed satchel works, and that purging it
# leaves nothing behind. `./x package-test` builds the packages and runs this;
# `./x test` runs it last.
#
#   tests/package.sh DEB RPM
#
# It installs and purges the real package `satchel` with apt-get, so it needs
# root (or sudo) and purges any satchel installed before it, on every exit.
# It writes /etc/satchel/policy.toml for the policy check and removes it on
# every exit (and /etc/satchel, when it made the folder); it refuses to run
# if a policy file is already there.
#
# Every command's output is captured before it is searched: under pipefail,
# `cmd | grep -q` fails when grep stops reading early and cmd gets SIGPIPE,
# and a negative check on a command that failed would pass.
#
# The installed build must have headless `satchel upload` and
# `satchel config show`; the test fails if either is missing.
set -euo pipefail

deb=$(realpath "$1")
rpm=$(realpath "$2")
src=$(cd "$(dirname "$0")/.." && pwd)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
ok() { printf '    ok: %s\n' "$*" >&2; }
fail() {
  printf '\033[1;31mpackage test FAILED: %s\033[0m\n' "$*" >&2
  exit 1
}
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
has_line() { grep -qxF -- "$1" <<<"$2"; }
# Whether dpkg knows the package satchel at all.
known_to_dpkg() {
  local status
  status=$(dpkg-query -W -f='${Status}' satchel 2>/dev/null) || return 1
  [ -n "$status" ]
}
# Polls `$@` every 0.2 s until it succeeds, for at most $1 seconds.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# satchel, as a user without a display whose home is a fresh temp folder, so
# nothing of the real user's config is read and no user data is left behind.
tmp=$(mktemp -d)
run_satchel() {
  env -u DISPLAY -u WAYLAND_DISPLAY HOME="$tmp/home" \
    XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
    XDG_STATE_HOME="$tmp/home/.local/state" XDG_CACHE_HOME="$tmp/home/.cache" \
    /usr/bin/satchel "$@"
}

policy=/etc/satchel/policy.toml
etc_existed=false
[ -d /etc/satchel ] && etc_existed=true

cleanup() {
  local status=$?
  as_root rm -f "$policy"
  $etc_existed || as_root rm -rf /etc/satchel
  if known_to_dpkg; then
    say "purging satchel after a failure"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q satchel >/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}

[ -e "$policy" ] && fail "$policy exists; this test will not overwrite a real policy"
mkdir -p "$tmp/home"
trap cleanup EXIT

version=$(dpkg-deb -f "$deb" Version)
man_pages=/usr/share/man/man1/satchel.1.gz
icon_png=/usr/share/icons/hicolor/128x128/apps/satchel.png
icon_svg=/usr/share/icons/hicolor/scalable/apps/satchel.svg
# tauri names the entry after productName ("Satchel").
desktop=/usr/share/applications/satchel.desktop
# The sources Satchel ships, offered by their fromSources names, and the pane
# they share (the folder is installed with its subfolder).
shipped_dir=/usr/share/satchel/sources
shipped=("$shipped_dir"/{googledrive,dropbox,onedrive,unsplash}.js "$shipped_dir/kit/pane.js")

say "the .rpm: its files and requirements"
rpm_files=$(rpm -qpl "$rpm" 2>/dev/null)
for f in /usr/bin/satchel "$desktop" "$man_pages" "$icon_png" "$icon_svg" "${shipped[@]}"; do
  has_line "$f" "$rpm_files" || fail "the .rpm lacks $f; it has:"$'\n'"$rpm_files"
done
rpm_requires=$(rpm -qpR "$rpm" 2>/dev/null)
for r in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)'; do
  has_line "$r" "$rpm_requires" || fail "the .rpm does not require $r; it requires:"$'\n'"$rpm_requires"
done
[ "$(rpm -qp --qf '%{NAME} %{VERSION}' "$rpm" 2>/dev/null)" = "satchel $version" ] ||
  fail "the .rpm is not satchel $version: $(rpm -qp --qf '%{NAME} %{VERSION}' "$rpm" 2>/dev/null)"
ok "$(wc -l <<<"$rpm_files") files, binary, desktop entry, icons, man page and shipped sources; requires webkit2gtk-4.1 and gtk3"

say "installing the .deb with apt-get (dependencies resolve from the archive)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$tmp/apt.log" 2>&1 ||
  fail "apt-get install failed:"$'\n'"$(cat "$tmp/apt.log")"
installed=$(dpkg -L satchel)
for f in /usr/bin/satchel "$desktop" "$man_pages" "$icon_png" "$icon_svg" "${shipped[@]}"; do
  has_line "$f" "$installed" || fail "the .deb did not install $f"
  [ -f "$f" ] || fail "$f is listed by dpkg but missing"
done
for f in "${shipped[@]}"; do
  cmp -s "$f" "$src/sources/${f#"$shipped_dir/"}" || fail "$f is not the repository's sources/${f#"$shipped_dir/"}"
done
ok "satchel $version installed: $(grep -c . <<<"$installed") paths"

say "the .rpm carries the same files as the .deb"
# Same paths, and (but for the binary, which tauri marks with the bundle type)
# the same bytes: rpm stores a SHA-256 of each file (digest algorithm 8).
[ "$(rpm -qp --qf '%{FILEDIGESTALGO}' "$rpm" 2>/dev/null)" = 8 ] || fail "the .rpm's file digests are not SHA-256"
deb_files=$(while read -r f; do [ -f "$f" ] && echo "$f"; done <<<"$installed" | sort)
[ "$(sort <<<"$rpm_files")" = "$deb_files" ] ||
  fail "the .rpm and the .deb install different files:"$'\n'"$(diff <(sort <<<"$rpm_files") - <<<"$deb_files")"
while read -r f digest; do
  [ "$f" = /usr/bin/satchel ] && continue
  [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$digest" ] || fail "$f differs between the .rpm and the .deb"
done < <(rpm -qp --qf '[%{FILENAMES} %{FILEDIGESTS}\n]' "$rpm" 2>/dev/null)
ok "same $(grep -c . <<<"$deb_files") files, same content"

say "runtime dependencies cover every library the binary links"
# dpkg-shlibdeps names the package of each library /usr/bin/satchel needs; each
# must be something installing satchel pulls in, or a clean machine lacks it.
mkdir -p "$tmp/shlibs/debian" && touch "$tmp/shlibs/debian/control"
shlibs=$(cd "$tmp/shlibs" && dpkg-shlibdeps -O /usr/bin/satchel 2>&1) ||
  fail "dpkg-shlibdeps /usr/bin/satchel failed: $shlibs"
needed=$(sed -n 's/^shlibs:Depends=//p' <<<"$shlibs" | tr ',' '\n' | sed 's/^ *//; s/[ (].*//')
grep -qx libwebkit2gtk-4.1-0 <<<"$needed" || fail "dpkg-shlibdeps did not find webkit2gtk in /usr/bin/satchel: $shlibs"
depends=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances satchel 2>&1) || fail "apt-cache depends satchel failed: $depends"
closure=$(sed -n '/^[^ ]/p' <<<"$depends" | tr -d '<>')
for pkg in $needed; do
  has_line "$pkg" "$closure" || fail "satchel links a library of $pkg but does not depend on it (Depends: $(dpkg-query -W -f='${Depends}' satchel))"
done
ok "Depends: $(dpkg-query -W -f='${Depends}' satchel)"

say "/usr/bin/satchel --version and --help, without a display"
out=$(run_satchel --version) || fail "satchel --version failed"
[ "$out" = "satchel $version" ] || fail "satchel --version printed '$out', not 'satchel $version'"
help=$(run_satchel --help) || fail "satchel --help failed"
grep -q '^Usage: satchel ' <<<"$help" || fail "satchel --help has no usage line:"$'\n'"$help"
grep -qF -- '--to <DEST>' <<<"$help" || fail "satchel --help lacks --to <DEST>:"$'\n'"$help"
ok "$out"

say "the man page matches the installed binary"
[ "$(man -w satchel)" = "$man_pages" ] || fail "man -w satchel gives '$(man -w satchel 2>&1)', not $man_pages"
raw_page=$(MANWIDTH=200 man -P cat satchel 2>&1) || fail "man satchel failed: $raw_page"
page=$(col -b <<<"$raw_page")
grep -q "^NAME" <<<"$page" || fail "man satchel does not render"
while read -r flag; do
  grep -qF -- "$flag" <<<"$page" || fail "man satchel does not document $flag, which --help lists"
done < <(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
# Each subcommand that --help lists has its own page, as clap_mangen writes them.
subcommands=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' | grep -vx help || true)
for sub in $subcommands; do
  man -w "satchel-$sub" >/dev/null 2>&1 || fail "satchel $sub has no man page satchel-$sub(1)"
done
ok "$man_pages documents every option of --help${subcommands:+; pages for: $(tr '\n' ' ' <<<"$subcommands")}"

say "the desktop entry"
validation=$(desktop-file-validate "$desktop" 2>&1) || fail "desktop-file-validate $desktop:"$'\n'"$validation"
[ -z "$validation" ] || fail "desktop-file-validate $desktop has something to say:"$'\n'"$validation"
cmp -s "$desktop" "$src/src-tauri/linux/satchel.desktop" ||
  fail "$desktop differs from src-tauri/linux/satchel.desktop"$'\n'"$(diff "$src/src-tauri/linux/satchel.desktop" "$desktop")"
entry=$(grep -v '^#' "$desktop")
for line in 'Name=Satchel' 'Exec=satchel %U' 'Icon=satchel' 'Actions=new-picker;' \
  '[Desktop Action new-picker]' 'Name=Open an empty picker' 'Exec=satchel'; do
  has_line "$line" "$entry" || fail "$desktop lacks the line $line"
done
grep -qE '^MimeType=(.*;)?application/octet-stream;' "$desktop" ||
  fail "$desktop is not offered for every file (no application/octet-stream in MimeType)"
# The package's triggers rebuild the MIME cache (update-desktop-database) that
# xdg-mime reads; wait for it to name satchel:// links' handler before asking.
mime_cache=/usr/share/applications/mimeinfo.cache
cache_lists_satchel() {
  local cache
  cache=$(cat "$mime_cache" 2>/dev/null) || return 1
  grep -qE "^x-scheme-handler/satchel=(.*;)?${desktop##*/};" <<<"$cache"
}
wait_for 30 cache_lists_satchel ||
  fail "$mime_cache does not list ${desktop##*/} for x-scheme-handler/satchel after 30 s:"$'\n'"$(grep satchel "$mime_cache" 2>&1)"
# What GIO (GNOME's "Open with") makes of it: offered for unknown and text
# files, never for folders. A `gio mime` that fails or does not answer for
# the type fails the check rather than passing the negative one.
gio_mime() {
  local out
  out=$(gio mime "$1" 2>&1) || fail "gio mime $1 failed: $out"
  grep -qE "^(Default application|No default applications) for .$1.(: .*)?$" <<<"$out" ||
    fail "gio mime $1 did not answer for $1: $out"
  printf '%s\n' "$out"
}
for type in application/octet-stream text/plain text/x-csrc application/json; do
  listed=$(gio_mime "$type") || exit 1
  registered=$(sed -n '/^Registered applications:/,/^[^\t]/p' <<<"$listed")
  has_line "$(printf '\t')${desktop##*/}" "$registered" ||
    fail "GIO does not offer ${desktop##*/} to open $type:"$'\n'"$listed"
done
listed=$(gio_mime inode/directory) || exit 1
if grep -qF "${desktop##*/}" <<<"$listed"; then
  fail "GIO offers ${desktop##*/} to open folders:"$'\n'"$listed"
fi
# satchel:// links open Satchel.
listed=$(gio_mime x-scheme-handler/satchel) || exit 1
grep -qF "${desktop##*/}" <<<"$listed" ||
  fail "GIO does not hand satchel:// links to ${desktop##*/}:"$'\n'"$listed"
ok "$desktop is valid; opens files and links (%U), offered by GIO for unknown and text files; new-picker action"

say "headless upload"
if upload_help=$(run_satchel upload --help 2>/dev/null) && grep -q '^Usage: satchel upload' <<<"$upload_help"; then
  mkdir -p "$tmp/in" "$tmp/out"
  # 3 MiB and a bit: more than one 1 MiB chunk, and not a multiple of it.
  head -c 3145777 /dev/urandom >"$tmp/in/payload.bin"
  result=$(run_satchel upload --to "$tmp/out" "$tmp/in/payload.bin") ||
    fail "satchel upload --to $tmp/out payload.bin failed: $result"
  landed=$(node -e '
    const r = JSON.parse(process.argv[1]);
    if (r.filesFailed.length !== 0) throw new Error("failed: " + JSON.stringify(r.filesFailed));
    if (r.filesUploaded.length !== 1) throw new Error("uploaded: " + JSON.stringify(r.filesUploaded));
    const f = r.filesUploaded[0];
    if (f.filename !== "payload.bin" || f.size !== 3145777) throw new Error(JSON.stringify(f));
    console.log(f.url);' "$result" 2>&1) || fail "satchel upload printed an unexpected result: $landed"$'\n'"$result"
  [ "$landed" = "$tmp/out/payload.bin" ] || fail "the upload reports url $landed, not $tmp/out/payload.bin"
  cmp "$tmp/in/payload.bin" "$tmp/out/payload.bin" || fail "the uploaded bytes differ from the file's"
  ok "3 MiB uploaded to a folder, bytes identical, JSON result as documented"
else
  fail "this build has no headless mode (satchel upload --help is not a subcommand's help)"
  upload_help=
fi

say "managed policy: /etc/satchel/policy.toml"
if config_help=$(run_satchel config show --help 2>/dev/null) && grep -q '^Usage: satchel config show' <<<"$config_help"; then
  as_root mkdir -p /etc/satchel
  printf 'maxFiles = 2\nlocked = ["maxFiles"]\n' | as_root tee "$policy" >/dev/null
  shown=$(run_satchel config show) || fail "satchel config show failed: $shown"
  grep -qE '^maxFiles = 2 +# /etc/satchel/policy.toml \(locked\)$' <<<"$shown" ||
    fail "satchel config show does not show maxFiles = 2 locked by the policy:"$'\n'"$shown"
  # Overriding a locked key must be refused, naming the key and the file.
  mkdir -p "$tmp/policy-out"
  echo hi >"$tmp/a.txt"
  if grep -qF -- '--max-files' <<<"$upload_help"; then
    attempt=(upload --max-files 5 --to "$tmp/policy-out" "$tmp/a.txt")
  else
    attempt=(--max-files 5 "$tmp/a.txt")
  fi
  if refused=$(run_satchel "${attempt[@]}" 2>&1); then
    fail "satchel ${attempt[*]} succeeded although maxFiles is locked: $refused"
  fi
  { grep -qF maxFiles <<<"$refused" && grep -qF /etc/satchel/policy.toml <<<"$refused"; } ||
    fail "satchel ${attempt[*]} failed without naming maxFiles and /etc/satchel/policy.toml: $refused"
  [ -z "$(ls -A "$tmp/policy-out")" ] || fail "a refused upload still wrote files"
  ok "config show reports the locked key; --max-files 5 is refused: $(head -1 <<<"$refused")"

  say "satchel:// links reach the installed satchel, from gio open and xdg-open"
  # A browser hands a link to the desktop's opener, which runs the desktop
  # entry's Exec with the link (%U). The link sets maxFiles, which the policy
  # above locks, so a satchel that got the link says so on stderr and exits
  # at once; one started without it would open an empty window instead. The
  # opener runs on a display of its own with a session bus, as a desktop
  # session would, with the same fresh home as run_satchel.
  command -v xdg-open >/dev/null || fail "xdg-open is missing (xdg-utils; ./x setup installs it)"
  link='satchel://open?maxFiles=7'
  for opener in "gio open" "xdg-open"; do
    said="$tmp/opened-by-${opener%% *}.log"
    # timeout: a satchel that opened a window would keep xdg-open waiting.
    timeout -k 5 60 xvfb-run -a dbus-run-session -- \
      env -u XDG_CURRENT_DESKTOP -u DESKTOP_SESSION HOME="$tmp/home" \
      XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
      XDG_STATE_HOME="$tmp/home/.local/state" XDG_CACHE_HOME="$tmp/home/.cache" \
      $opener "$link" >"$said" 2>&1 || true
    # gio open returns before satchel has run: wait for what satchel says.
    locked_said() { grep -qF "satchel: maxFiles is locked by $policy" "$said"; }
    wait_for 30 locked_said ||
      fail "$opener $link did not reach satchel (no 'maxFiles is locked' from it); it printed:"$'\n'"$(cat "$said")"
  done
  ok "$link reached satchel by gio open and by xdg-open: maxFiles=7 refused as locked"
  as_root rm -f "$policy"
  # The folder too, when this test made it: the purge check below expects
  # no /etc/satchel that was not there before.
  $etc_existed || as_root rmdir /etc/satchel
else
  fail "this build has no policy support (satchel config show --help is not a subcommand's help)"
fi

say "purging the package"
as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q satchel >"$tmp/apt.log" 2>&1 ||
  fail "apt-get purge failed:"$'\n'"$(cat "$tmp/apt.log")"
if known_to_dpkg; then
  fail "dpkg still knows satchel: $(dpkg-query -W -f='${Status}' satchel)"
fi
dpkg -L satchel >/dev/null 2>&1 && fail "dpkg -L satchel still lists files"
left=$(while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done <<<"$installed" || true)
[ -z "$left" ] || fail "purging left these behind:"$'\n'"$left"
leftovers=(/usr/bin/satchel "$desktop" "$man_pages" "$icon_png" "$icon_svg" "${shipped[@]}" /usr/share/satchel)
$etc_existed || leftovers+=(/etc/satchel)
for f in "${leftovers[@]}"; do
  [ ! -e "$f" ] || fail "$f is still there after purging"
done
ok "no file of the package is left"

say "sizes"
for f in "$src/target/release/satchel" "$deb" "$rpm"; do
  bytes=$(stat -c %s "$f")
  printf '    %6s  %10d bytes  %s\n' "$(numfmt --to=iec "$bytes")" "$bytes" "${f#"$src"/}" >&2
done
say "package test passed"
